// opencl-optimized's tensor-core forms (tensor_cores=3xtf32) through real OpenCL. PoCL has no PTX, so there the _tc
// forms run their emulation (the same tf32 splits and fragment layouts, the warp's product through local memory):
// this checks everything but the mma.sync instruction itself (checked on the GPU: results/reference/h100/optimized,
// session 17). The tolerance is 1e-9, not 1e-6: products of plain tf32 operands (the small parts dropped) gave NMSE
// 2.4e-7 on this ResNet-50, fp32 FMAs ~3e-12.
#include <gtest/gtest.h>

#include <random>

#include "engines/compare.h"
#include "engines/opencl/optimized_engine.h"
#include "engines/opencl/optimized_kernels.h"
#include "engines/opencl/winograd.h"
#include "engines/zoo/graph_builder.h"
#include "harness/common/errors.h"
#include "optimized_test_util.h"

namespace joulebench {
namespace {

using testing::RunReference;
using testing::Zoo;
using zoo::GraphBuilder;

// opencl-optimized with `options` against the reference on fresh random inputs: the largest NMSE over the outputs,
// and the engine's Describe().
std::pair<double, nlohmann::json> WorstNmse(const Graph& g, std::int64_t batch, nlohmann::json options) {
  const TensorMap inputs = MakeRandomInputs(g, batch, std::random_device{}());
  const TensorMap want = RunReference(g, batch, inputs);
  options["plan_cache"] = false;
  OpenClOptimizedEngine e(EngineConfig{"any", "", 0, options});
  e.Prepare(g, Precision::kFp32, batch);
  e.Stage(inputs);
  e.Infer();
  const TensorMap got = e.Outputs();
  double worst = 0;
  for (const auto& out : g.outputs) worst = std::max(worst, CompareTensors(got.at(out.name), want.at(out.name)).nmse);
  return {worst, e.Describe()};
}

// Each form forced on every layer it fits (the classifier too, through matmul_kernel, where the form has no float4):
// warps of 2 to 8 per work-group, 1 to 8 column blocks per warp, float4 and scalar loaders, split-K, sliced K, a
// depth-32 tile and the Winograd GEMM.
TEST(TensorCores, FormsMatchTheReferenceToFp32Accuracy) {
  const Graph resnet = Zoo("resnet50", {{"image", 32}});
  for (const std::string k : {"igemm_32x32x16_4x4_tc_v4", "igemm_64x32x16_4x2_k4_tc", "igemm_32x32x16_4x4_s2_tc",
                              "igemm_128x64x16_8x4_tc", "igemm_32x32x32_2x2_tc", "winograd_f2_32x64_tc_v4"}) {
    nlohmann::json options = {{"conv_kernel", k}};
    const bool matmul = !k.ends_with("_v4") && !k.starts_with("winograd");
    if (matmul) options["matmul_kernel"] = k;
    const auto [nmse, d] = WorstNmse(resnet, 1, options);
    EXPECT_LT(nmse, 1e-9) << k;
    const int layers = d["kernel_choices"].value(k, 0);
    EXPECT_GT(layers, k.starts_with("winograd") ? 2 : 15) << k << ": " << d["kernel_choices"].dump();
    EXPECT_EQ(d["tensor_cores"]["layers"].size(), static_cast<std::size_t>(layers)) << d["tensor_cores"].dump();
    EXPECT_EQ(d["tensor_cores"]["instruction"], "emulated in local memory") << d["tensor_cores"].dump();
    EXPECT_NE(d["precision"].get<std::string>().find("3xTF32"), std::string::npos) << d["precision"];
    if (matmul) {
      EXPECT_EQ(d["kernel_choice_per_node"].value("output", ""), k) << d["kernel_choice_per_node"].dump();
    }
  }
}

// Every unsplit, split and sliced form of at most 128 x 64 has a twin; serial and atomic split-K, the fused Winograd
// forms, none.
TEST(TensorCores, TwinsAreNamedAndOnlyForTheFormsTheyFit) {
  std::set<std::string> names, twins;
  for (const auto& c : IgemmCandidates()) (c.tensor_cores ? twins : names).insert(c.Name());
  for (const auto& c : IgemmCandidates()) {
    if (c.tensor_cores) {
      EXPECT_FALSE(c.serial || c.atomic) << c.Name();
      IgemmCandidate fma = c;
      fma.tensor_cores = false;
      EXPECT_TRUE(names.count(fma.Name())) << c.Name();
      EXPECT_NE(c.Name().find("_tc"), std::string::npos) << c.Name();
    } else if (!c.serial && !c.atomic && c.tile.tm * c.tile.tn <= 128 * 64) {
      IgemmCandidate tc = c;
      tc.tensor_cores = true;
      EXPECT_TRUE(twins.count(tc.Name())) << c.Name();
    }
  }
  int winograd_twins = 0;
  for (const auto& c : WinogradCandidates()) {
    winograd_twins += c.tensor_cores;
    EXPECT_FALSE(c.tensor_cores && c.fused) << c.Name();
  }
  EXPECT_GT(winograd_twins, 10);
}

// Without PTX (PoCL), tensor_cores=3xtf32 times no _tc form, says why in the warnings and the plan still matches;
// the default (off) times none either and reports the option; a bad value is refused with the values allowed.
TEST(TensorCores, OptionTimesNoTensorCoreFormWithoutMma) {
  const testing::FreshPlanCache cache;
  GraphBuilder b("conv", 3);
  const std::string x = b.Input("x", DataType::kFloat32, {-1, 16, 6, 6});
  b.Output(b.ConvBn("conv", x, 16, 16, 3, 1, 1, true), DataType::kFloat32, {-1, 16, 6, 6});
  const Graph g = WithInferredShapes(b.Finish());
  for (const std::string value : {"3xtf32", "off"}) {
    const auto [nmse, d] = WorstNmse(g, 2, {{"kernel_selection", "time"}, {"tensor_cores", value}});
    EXPECT_LT(nmse, 1e-9);
    ASSERT_EQ(d["kernel_timings_s"].size(), 1u) << d["kernel_timings_s"].dump();
    int timed = 0, timed_tc = 0;
    for (const auto& [name, seconds] : d["kernel_timings_s"].begin().value().items()) {
      ++timed;
      timed_tc += name.find("_tc") != std::string::npos;
    }
    EXPECT_GT(timed, 20);
    EXPECT_EQ(timed_tc, 0) << d["kernel_timings_s"].dump();
    EXPECT_EQ(d["tensor_cores"]["option"], value);
    EXPECT_EQ(d["tensor_cores"]["timed"], false);
    EXPECT_EQ(d["precision"], "fp32 (every layer)");
    const std::string warnings = d["warnings"].dump();
    EXPECT_EQ(warnings.find("has no PTX mma.sync") != std::string::npos, value == "3xtf32") << warnings;
  }
  try {
    OpenClOptimizedEngine(EngineConfig{"any", "", 0, {{"tensor_cores", "tf32"}}});
    FAIL() << "accepted tensor_cores=tf32";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("option tensor_cores is \"tf32\"; expected one of: off, 3xtf32"),
              std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace joulebench
