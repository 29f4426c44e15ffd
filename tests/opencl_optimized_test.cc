// opencl-optimized through real OpenCL (PoCL on CI) against the reference engine on fresh random inputs: every zoo
// model, every pass switched off in turn, every convolution kernel candidate (and Winograd's weight transform);
// focused fusion tests whose fused term is shown to matter; the memory plan; the plan cache (hit, corrupt, stale,
// changed key); pass rollback.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "engines/builtin_models.h"
#include "engines/compare.h"
#include "engines/onnx/onnx_model.h"
#include "engines/opencl/baseline_engine.h"
#include "engines/opencl/cl_runtime.h"
#include "engines/opencl/optimized_engine.h"
#include "engines/opencl/optimized_kernels.h"
#include "engines/opencl/winograd.h"
#include "engines/passes/graph_passes.h"
#include "engines/reference/reference_engine.h"
#include "engines/zoo/graph_builder.h"
#include "harness/common/errors.h"
#include "harness/scenario.h"
#include "optimized_test_util.h"

namespace joulebench {
namespace {

namespace fs = std::filesystem;
using zoo::GraphBuilder;
using testing::ExpectMatchesReference;
using testing::Nmse;
using testing::RunReference;
using testing::Zoo;
using testing::FreshPlanCache;

TEST(OpenClOptimized, ZooModelsMatchTheReference) {
  for (const auto& [name, params] : std::vector<std::pair<std::string, nlohmann::json>>{
           {"mlp", nlohmann::json::object()}, {"resnet50", {{"image", 64}}}, {"mobilenetv2", {{"image", 64}}},
           {"bert-base", {{"layers", 2}, {"sequence", 16}}}}) {
    const auto d = ExpectMatchesReference(Zoo(name, params), 2);
    EXPECT_FALSE(d["fused_groups"].empty()) << name;
    EXPECT_TRUE(d["warnings"].empty()) << d["warnings"].dump();
  }
}

// Each pass switched off in turn, then all of them; one graph per test.
void EveryPassSwitchedOffInTurn(const Graph& g) {
  std::vector<std::string> sets = GraphPassNames();
  std::string all;
  for (const auto& p : GraphPassNames()) all += (all.empty() ? "" : ",") + p;
  sets.push_back(all);
  for (const auto& disabled : sets) {
    const auto d = ExpectMatchesReference(g, 1, {{"disable_passes", disabled}});
    EXPECT_EQ(d["disabled_passes"].size(), static_cast<std::size_t>(std::count(disabled.begin(), disabled.end(), ',') + 1));
  }
}

TEST(OpenClOptimized, EveryPassSwitchedOffInTurnStillMatchesOnMobileNet) {
  EveryPassSwitchedOffInTurn(Zoo("mobilenetv2", {{"image", 32}}));
}

TEST(OpenClOptimized, EveryPassSwitchedOffInTurnStillMatchesOnBert) {
  EveryPassSwitchedOffInTurn(Zoo("bert-base", {{"layers", 1}, {"sequence", 8}}));
}

// Each convolution candidate forced on every layer it fits; returns the launches per inference of each. 48x48
// images at batch 2: layers of 12x12, 6x6, 3x3 and 2x2 pixels, so every float4 variant applies somewhere and is
// refused somewhere.
std::map<std::string, int> ExpectEveryConvolutionFormMatches(const std::vector<std::string>& kernels) {
  const Graph g = Zoo("resnet50", {{"image", 48}});
  std::map<std::string, int> launches;
  for (const auto& k : kernels) {
    const auto d = ExpectMatchesReference(g, 2, {{"conv_kernel", k}});
    launches[k] = d["kernels_per_inference"].get<int>();
    // Every convolution (53) takes the forced kernel where it applies, the others the first candidate (library);
    // the classifier (FusedMatMul) always uses the library GEMM. Where the specialised kernels apply:
    // igemm float4: 1x1 stride-1 layers with pixels per image in fours (144, 36, 4; not 9): 21 layers.
    // Winograd: the 13 3x3 stride-1 layers; its float4 GEMM where the tile count is a multiple of 4: F(2,3) on
    // 12x12 (72 tiles) and 3x3 (8) images, F(4,3) on 6x6 (8 tiles).
    const WinogradCandidate* w = FindWinogradCandidate(k);
    const bool v4 = k.ends_with("_v4");
    const int expected = k == "library" ? 54 : !w && v4 ? 21 : !w ? 53 : !v4 ? 13 : w->m == 2 ? 8 : 3;
    EXPECT_EQ(d["kernel_choices"].value(k, 0), expected) << k << ": " << d["kernel_choices"].dump();
    if (k != "library") {
      EXPECT_EQ(d["kernel_choices"].value("library", 0), 54 - expected) << k;
    }
    if (w) {  // fused: one launch of its own kind; fused input: .gemm and .output; the others .input too
      const auto& kinds = d["launches_by_kind"];
      EXPECT_EQ(kinds.value(w->fused == 2 ? k : k + ".gemm", 0), expected) << kinds.dump();
      EXPECT_EQ(kinds.value(k + ".output", 0), w->fused == 2 ? 0 : expected) << kinds.dump();
      EXPECT_EQ(kinds.value(k + ".input", 0), w->fused ? 0 : expected) << kinds.dump();
    }
  }
  return launches;
}

// Two halves, so that CTest runs them side by side (each several minutes through PoCL).
TEST(OpenClOptimized, EveryImplicitGemmConvolutionCandidateMatches) {
  std::vector<std::string> kernels;
  for (const auto& c : IgemmCandidates()) kernels.push_back(c.Name());
  for (const auto& c : WinogradCandidates()) kernels.push_back(c.Name());
  ASSERT_EQ(std::set<std::string>(kernels.begin(), kernels.end()).size(), kernels.size()) << "candidate names repeat";
  kernels.clear();  // the tensor-core twins (their emulation is slow through PoCL): tensor_cores_test.cc
  for (const auto& c : IgemmCandidates()) {
    if (!c.tensor_cores) kernels.push_back(c.Name());
  }
  auto launches = ExpectEveryConvolutionFormMatches(kernels);
  // Split-K adds its reduction launch to every convolution that takes it (float4: the 21 pointwise layers); serial
  // and atomic split-K reduce inside the GEMM's launch, and so does sliced K.
  for (const auto& c : IgemmCandidates()) {
    if (c.tensor_cores) continue;
    const std::string plain = c.vec4 ? c.tile.Name() + "_v4" : c.tile.Name();
    if (c.splits > 1) {
      EXPECT_EQ(launches[c.Name()], launches[plain] + (c.serial || c.atomic ? 0 : c.vec4 ? 21 : 53)) << c.Name();
    } else if (c.slices > 1) {
      EXPECT_EQ(launches[c.Name()], launches[plain]) << c.Name();
    }
  }
}

TEST(OpenClOptimized, EveryOtherConvolutionCandidateMatches) {
  std::vector<std::string> kernels = {"library", "direct_tiled"};
  for (const auto& c : WinogradCandidates()) {
    if (!c.tensor_cores) kernels.push_back(c.Name());  // the tensor-core twins: tensor_cores_test.cc
  }
  auto launches = ExpectEveryConvolutionFormMatches(kernels);
  // Fused Winograd: one or two launches fewer than the three-launch form on each of the 13 layers; sliced K keeps
  // the three launches.
  for (const auto& c : WinogradCandidates()) {
    if (c.tensor_cores) continue;
    const std::string three_launches = WinogradCandidate{c.m, c.fused ? IgemmTiles()[0] : c.tile, c.vec4}.Name();
    if (c.fused) {
      ASSERT_TRUE(launches.count(three_launches)) << three_launches;
      EXPECT_EQ(launches[c.Name()], launches[three_launches] - c.fused * 13) << c.Name();
    } else if (c.slices > 1 && launches.count(three_launches)) {
      EXPECT_EQ(launches[c.Name()], launches[three_launches]) << c.Name();
    }
  }
}

// The host weight transform against its definition: F(m, 3) of the transformed weights reproduces the direct 3x3
// correlation of one tile to rounding, for both tile sizes.
TEST(OpenClOptimized, WinogradWeightTransformReproducesTheDirectCorrelation) {
  std::mt19937 rng(5);
  std::normal_distribution<float> nd;
  Tensor w(DataType::kFloat32, {1, 1, 3, 3});
  for (auto& v : w.f32()) v = nd(rng);
  for (int m : {2, 4}) {
    const int a = m + 2;
    const Tensor u = WinogradWeights(w, m);
    ASSERT_EQ(u.shape(), (Shape{a * a, 1, 1}));
    // B^T (the same matrices as the kernels) for the check, and A^T.
    const std::vector<std::vector<double>> bt =
        m == 2 ? std::vector<std::vector<double>>{{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}}
               : std::vector<std::vector<double>>{{4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
                                                  {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
    const std::vector<std::vector<double>> at =
        m == 2 ? std::vector<std::vector<double>>{{1, 1, 1, 0}, {0, 1, -1, -1}}
               : std::vector<std::vector<double>>{{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0},
                                                  {0, 1, -1, 8, -8, 1}};
    std::vector<double> d(a * a);
    for (auto& v : d) v = nd(rng);
    std::vector<double> prod(a * a);  // (B^T d B) . U
    for (int i = 0; i < a; ++i) {
      for (int j = 0; j < a; ++j) {
        double s = 0;
        for (int k = 0; k < a; ++k) {
          for (int l = 0; l < a; ++l) s += bt[i][k] * d[k * a + l] * bt[j][l];
        }
        prod[i * a + j] = s * u.f32()[i * a + j];
      }
    }
    for (int oy = 0; oy < m; ++oy) {
      for (int ox = 0; ox < m; ++ox) {
        double y = 0, direct = 0;
        for (int i = 0; i < a; ++i) {
          for (int j = 0; j < a; ++j) y += at[oy][i] * prod[i * a + j] * at[ox][j];
        }
        for (int i = 0; i < 3; ++i) {
          for (int j = 0; j < 3; ++j) direct += d[(oy + i) * a + ox + j] * w.f32()[i * 3 + j];
        }
        EXPECT_NEAR(y, direct, 1e-4) << "F(" << m << ", 3) output " << oy << "," << ox;
      }
    }
  }
  EXPECT_THROW(WinogradWeights(Tensor(DataType::kFloat32, {1, 1, 5, 5}), 2), InputError);
}

// Conv -> BatchNorm -> Add(residual) -> Relu, and the same with Clip (ReLU6) and a depthwise convolution.
Graph ConvBlock(std::int64_t groups, const std::string& act, bool residual) {
  GraphBuilder b("block", 7);
  const std::string x = b.Input("x", DataType::kFloat32, {-1, 8, 9, 7});
  std::string y = b.ConvBn("conv", x, 8, 8, 3, 1, groups, true);
  if (residual) y = b.Op("Add", "residual", {y, x});
  if (act == "Relu") y = b.Op("Relu", "act", {y});
  if (act == "Clip") y = b.Op("Clip", "act", {y, b.Scalar("lo", 0.0f), b.Scalar("hi", 0.5f)});
  b.Output(y, DataType::kFloat32, {-1, 8, 9, 7});
  return WithInferredShapes(b.Finish());
}


TEST(OpenClOptimized, FusedConvKeepsBatchNormShiftResidualAndActivation) {
  for (std::int64_t groups : {1, 8}) {
    const Graph g = ConvBlock(groups, "Relu", true);
    // The fused node replaces all four ONNX nodes and carries the residual and the activation.
    const Graph shaped = WithInferredShapes(g, 2);
    const OptimizedGraph opt = OptimizeGraph(shaped, {});
    ASSERT_EQ(opt.graph.nodes.size(), 1u) << opt.ReportJson().dump();
    const Node& f = opt.graph.nodes[0];
    EXPECT_EQ(f.op_type, "FusedConv");
    EXPECT_EQ(f.inputs[3], "x");
    EXPECT_EQ(f.StringAttr("activation", ""), "Relu");
    // Each term matters: without the residual, or without the BatchNorm shift, the reference output changes a lot,
    // so a fused kernel that dropped either would fail the comparison below.
    const TensorMap in = MakeRandomInputs(g, 2, 3);
    const Tensor full = RunReference(g, 2, in).begin()->second;
    EXPECT_GT(Nmse(RunReference(ConvBlock(groups, "Relu", false), 2, in).begin()->second, full), 1e-2);
    Graph no_shift = g;
    for (auto& v : no_shift.initializers.at("conv.bn.bias").f32()) v = 0;
    EXPECT_GT(Nmse(RunReference(no_shift, 2, in).begin()->second, full), 1e-4);
    for (const std::string k : {"library", "igemm", "igemm_32x32x16_2x2_k4", "direct_tiled", "winograd_f2_64x64",
                                "winograd_f4_64x32", "winograd_f2_128x64_v4", "winograd_f4_64x64_v4",
                                "winograd_f2_64x32_fused", "winograd_f2_32x32_fused_input"}) {
      const auto d = ExpectMatchesReference(g, 2, {{"conv_kernel", k}});
      if (groups == 1) {
        EXPECT_EQ(d["kernel_choices"].value(k == "igemm" ? IgemmTiles()[0].Name() : k, 0), 1) << k;
      }
    }
  }
  ExpectMatchesReference(ConvBlock(8, "Clip", false), 3);
  ExpectMatchesReference(ConvBlock(1, "Clip", true), 3);
}

// MatMul + bias Add + residual Add + GELU written with Erf (as BERT exporters write it).
Graph LinearGelu() {
  GraphBuilder b("linear_gelu", 5);
  const std::string x = b.Input("x", DataType::kFloat32, {-1, 5, 16});
  std::string y = b.Op("Add", "residual", {b.Linear("fc", x, 16, 16), x});
  const std::string erf = b.Op("Erf", "gelu.erf", {b.Op("Div", "gelu.div", {y, b.Scalar("sqrt2", std::sqrt(2.0f))})});
  y = b.Op("Mul", "gelu.half", {b.Op("Mul", "gelu.mul", {y, b.Op("Add", "gelu.add", {erf, b.Scalar("one", 1.0f)})}),
                                 b.Scalar("half", 0.5f)});
  b.Output(y, DataType::kFloat32, {-1, 5, 16});
  return WithInferredShapes(b.Finish());
}

TEST(OpenClOptimized, FusedMatMulKeepsBiasResidualAndGelu) {
  const Graph g = LinearGelu();
  const OptimizedGraph opt = OptimizeGraph(WithInferredShapes(g, 2), {});
  ASSERT_EQ(opt.graph.nodes.size(), 1u) << opt.ReportJson().dump();
  EXPECT_EQ(opt.graph.nodes[0].op_type, "FusedMatMul");
  EXPECT_EQ(opt.graph.nodes[0].StringAttr("activation", ""), "Gelu");
  EXPECT_EQ(opt.graph.nodes[0].inputs[2], "fc.bias");
  EXPECT_EQ(opt.graph.nodes[0].inputs[3], "x");
  const auto d = ExpectMatchesReference(g, 2);
  EXPECT_EQ(d["kernels_per_inference"], 2);  // GEMM + one epilogue, instead of 8 launches
  // Bias and residual both matter at this scale.
  const TensorMap in = MakeRandomInputs(g, 2, 4);
  Graph no_bias = g;
  for (auto& v : no_bias.initializers.at("fc.bias").f32()) v = 0;
  EXPECT_GT(Nmse(RunReference(no_bias, 2, in).begin()->second, RunReference(g, 2, in).begin()->second), 1e-4);
}

// Gemm (transB, bias C) + residual Add + Relu: odd depth and columns, so the float4 MatMul tiles cannot apply.
Graph GemmTransBResidualRelu(std::int64_t k, std::int64_t cols) {
  GraphBuilder b("gemm_transb", 7);
  const std::string x = b.Input("x", DataType::kFloat32, {-1, k});
  const std::string r = b.Input("r", DataType::kFloat32, {-1, cols});
  const std::string w = b.Weight("fc.weight", {cols, k}, -0.3f, 0.3f);
  const std::string c = b.Weight("fc.bias", {cols}, -0.5f, 0.5f);
  std::string y = b.Op("Gemm", "fc", {x, w, c}, {{"transB", std::int64_t{1}}});
  y = b.Op("Relu", "relu", {b.Op("Add", "residual", {y, r})});
  b.Output(y, DataType::kFloat32, {-1, cols});
  return WithInferredShapes(b.Finish());
}

// Every MatMul kernel candidate, forced, on BERT (bias, residual, GELU, the fused QKV projection; depth and columns
// in fours) and on an odd transB Gemm (bias and residual shown to matter for the split-K and tile forms).
TEST(OpenClOptimized, EveryMatMulCandidateMatches) {
  const Graph bert = Zoo("bert-base", {{"layers", 1}, {"sequence", 8}});
  const Graph gemm = GemmTransBResidualRelu(37, 19);
  std::vector<std::string> kernels = {"library", "igemm"};
  for (const auto& c : IgemmCandidates()) {
    if (!c.tensor_cores) kernels.push_back(c.Name());  // the tensor-core twins: tensor_cores_test.cc
  }
  for (const auto& k : kernels) {
    const std::string name = k == "igemm" ? IgemmTiles()[0].Name() : k;
    // BERT's layer: the QKV projection, the attention output, two feed-forward layers; the pooler (Gemm + Tanh,
    // not fused) stays on the baseline path.
    const auto d = ExpectMatchesReference(bert, 2, {{"matmul_kernel", k}});
    EXPECT_EQ(d["kernel_choices"].value(name, 0), 4) << k << ": " << d["kernel_choices"].dump();
    const auto g = ExpectMatchesReference(gemm, 3, {{"matmul_kernel", k}});
    EXPECT_EQ(g["kernel_choices"].value(name, 0), k.ends_with("_v4") ? 0 : 1) << k << ": " << g["kernel_choices"].dump();
  }
  const TensorMap in = MakeRandomInputs(gemm, 3, 4);
  Graph no_bias = gemm;
  for (auto& v : no_bias.initializers.at("fc.bias").f32()) v = 0;
  EXPECT_GT(Nmse(RunReference(no_bias, 3, in).begin()->second, RunReference(gemm, 3, in).begin()->second), 1e-3);
  TensorMap no_residual = in;
  for (auto& v : no_residual.at("r").f32()) v = 0;
  EXPECT_GT(Nmse(RunReference(gemm, 3, no_residual).begin()->second, RunReference(gemm, 3, in).begin()->second), 1e-3);
}

// Sliced K, focused: each slice's share of the depth counts (a form that dropped the other slices' sums would miss
// by far more than the tolerance), including shares shorter than the slices' common trip count (depth 37: over 4
// slices of 16-deep steps 16, 16, 5 and none; over 2 slices 32 and 5, whose second trip must load zeros, not its
// first tile again), a slice count with split-K and the Winograd GEMMs (batched: one point per work-group); no
// reduction launch of its own.
TEST(OpenClOptimized, SlicedKAddsEverySlicesShareInItsOwnLaunch) {
  const Graph resnet = Zoo("resnet50", {{"image", 48}});
  const Graph gemm = GemmTransBResidualRelu(37, 19);
  for (const std::string k : {"igemm_32x32x16_4x4_s4", "igemm_32x32x16_4x4_s2_v4", "igemm_32x64x16_4x4_s4_v4",
                              "igemm_32x32x16_4x4_k4_s4", "igemm_64x32x16_4x2_s2", "winograd_f2_32x32_s4",
                              "winograd_f4_32x64_s2_v4"}) {
    const auto d = ExpectMatchesReference(resnet, 2, {{"conv_kernel", k}});
    EXPECT_GT(d["kernel_choices"].value(k, 0), k.starts_with("winograd") ? 2 : 20) << k << ": " << d["kernel_choices"].dump();
    EXPECT_EQ(d["launches_by_kind"].value("splitk_epilogue", 0), k.find("_k4") != std::string::npos ? 53 : 0) << k;
    if (!k.ends_with("_v4") && !k.starts_with("winograd")) {
      const auto g = ExpectMatchesReference(gemm, 3, {{"matmul_kernel", k}});
      EXPECT_EQ(g["kernel_choices"].value(k, 0), 1) << k << ": " << g["kernel_choices"].dump();
    }
  }
}

// Atomic split-K, focused: every split's sums reach the total (a form that kept one split's would miss by far more
// than the tolerance), the bias and residual are applied once by the tile's last work-group, and the totals are zero
// again after each launch (ExpectMatchesReference checks the second of two inferences: totals left behind would add
// the first's), on ResNet-50's convolutions (depths 64 to 4,608: 32 splits leave some work-groups no depth at all)
// and an odd transB Gemm; no reduction launch. atomic_splitk=on adds the atomic forms to the timed candidates; off
// (the default) leaves them out.
TEST(OpenClOptimized, AtomicSplitkAddsEverySplitInItsOwnLaunch) {
  const Graph resnet = Zoo("resnet50", {{"image", 48}});
  const Graph gemm = GemmTransBResidualRelu(37, 19);
  for (const std::string k : {"igemm_64x32x16_4x2_k32a", "igemm_32x32x16_4x4_k4a_v4", "igemm_32x32x16_2x2_k16a"}) {
    const auto d = ExpectMatchesReference(resnet, 2, {{"conv_kernel", k}});
    EXPECT_EQ(d["kernel_choices"].value(k, 0), k.ends_with("_v4") ? 21 : 53) << k << ": " << d["kernel_choices"].dump();
    EXPECT_EQ(d["launches_by_kind"].value("splitk_epilogue", 0), 0) << k;
    if (!k.ends_with("_v4")) {
      const auto g = ExpectMatchesReference(gemm, 3, {{"matmul_kernel", k}});
      EXPECT_EQ(g["kernel_choices"].value(k, 0), 1) << k << ": " << g["kernel_choices"].dump();
    }
  }
  const FreshPlanCache cache;
  for (const std::string value : {"on", "off", ""}) {
    nlohmann::json options = {{"kernel_selection", "time"}};
    if (!value.empty()) options["atomic_splitk"] = value;
    const auto d = ExpectMatchesReference(ConvBlock(1, "Relu", true), 2, options);
    ASSERT_EQ(d["kernel_timings_s"].size(), 1u);
    int atomic_forms = 0;
    for (const auto& [name, seconds] : d["kernel_timings_s"].begin().value().items()) {
      const auto c = std::find_if(IgemmCandidates().begin(), IgemmCandidates().end(),
                                  [&](const IgemmCandidate& k) { return k.Name() == name; });
      atomic_forms += c != IgemmCandidates().end() && c->atomic;
    }
    if (value == "on") {
      EXPECT_GE(atomic_forms, 6) << d["kernel_timings_s"].dump();
    } else {
      EXPECT_EQ(atomic_forms, 0) << d["kernel_timings_s"].dump();
    }
  }
  EXPECT_THROW(OpenClOptimizedEngine(EngineConfig{"any", "", 0, {{"atomic_splitk", "yes"}}}), InputError);
}

TEST(OpenClOptimized, MemoryPlanSharesBuffers) {
  const Graph g = Zoo("resnet50", {{"image", 64}});
  const TensorMap in = MakeRandomInputs(g, 4, 1);
  OpenClBaselineEngine base(EngineConfig{});
  base.Prepare(g, Precision::kFp32, 4);
  const auto opt = ExpectMatchesReference(g, 4);
  const auto base_bytes = base.Describe()["device_memory_bytes"].get<std::size_t>();
  const auto opt_bytes = opt["device_memory_bytes"].get<std::size_t>();
  const std::size_t weights = 4 * static_cast<std::size_t>(g.ParameterCount());
  EXPECT_LT(opt_bytes - weights, (base_bytes - weights) / 4) << base_bytes << " vs " << opt_bytes;  // activations
  EXPECT_LT(opt["kernels_per_inference"].get<int>(), base.Describe()["kernels_per_inference"].get<int>());
}

// A fresh cache folder whose compiled programs are shared with the default cache (PoCL builds are slow).

// The fused Winograd forms join the timed candidates only with winograd_fusion=on (on the H100 they were faster at
// batch 1 but spent more energy per inference); the plan then matches the reference whichever form wins.
TEST(OpenClOptimized, FusedWinogradFormsAreTimedOnlyWhenAskedFor) {
  const FreshPlanCache cache;  // no timings from an earlier run: every candidate timed here
  const Graph g = ConvBlock(1, "Relu", true);
  int fused_forms = 0;
  for (const auto& c : WinogradCandidates()) fused_forms += c.fused != 0;
  ASSERT_GT(fused_forms, 0);
  for (const std::string fusion : {"off", "on"}) {
    const auto d = ExpectMatchesReference(g, 2, {{"kernel_selection", "time"}, {"winograd_fusion", fusion}});
    ASSERT_EQ(d["kernel_timings_s"].size(), 1u) << d["kernel_timings_s"].dump();
    int timed_fused = 0, timed_winograd = 0;
    const nlohmann::json& timings = d["kernel_timings_s"].begin().value();  // the block's one convolution
    for (const auto& [name, seconds] : timings.items()) {
      timed_winograd += name.starts_with("winograd_");
      timed_fused += name.find("_fused") != std::string::npos;
    }
    EXPECT_GT(timed_winograd, fused_forms) << fusion;
    EXPECT_EQ(timed_fused, fusion == "on" ? fused_forms : 0) << fusion;
  }
  EXPECT_THROW(OpenClOptimizedEngine(EngineConfig{"any", "", 0, {{"winograd_fusion", "yes"}}}), InputError);
}

// splitk=serial: the split-K candidates with a reduction launch are never timed; the serial and atomic ones are.
TEST(OpenClOptimized, SerialSplitkOptionTimesNoReductionLaunches) {
  const FreshPlanCache cache;
  const auto d = ExpectMatchesReference(ConvBlock(1, "Relu", true), 2, {{"kernel_selection", "time"}, {"splitk", "serial"}});
  ASSERT_EQ(d["kernel_timings_s"].size(), 1u);
  int serial = 0;
  for (const auto& [name, seconds] : d["kernel_timings_s"].begin().value().items()) {
    const std::size_t k = name.find("_k");
    if (k == std::string::npos) continue;
    const bool reduces_in_launch = name.find_first_of("ra", k) != std::string::npos;  // serial or atomic
    EXPECT_TRUE(reduces_in_launch) << name;
    serial += reduces_in_launch;
  }
  EXPECT_GT(serial, 0);
  EXPECT_EQ(d["launches_by_kind"].value("splitk_epilogue", 0), 0);
  EXPECT_THROW(OpenClOptimizedEngine(EngineConfig{"any", "", 0, {{"splitk", "parallel"}}}), InputError);
}

// deep_steps: on times the depth-32/64 sliced and split-K forms too; off (the default) leaves every one of them out
// (the candidate set of earlier versions) and reuses the timings the two share; the plans match the reference.
TEST(OpenClOptimized, DeepStepsOffTimesOnlyTheEarlierForms) {
  const FreshPlanCache cache;
  std::set<std::string> deep;
  for (const auto& c : IgemmCandidates()) {
    if (c.deep_steps) deep.insert(c.Name());
  }
  for (const auto& c : WinogradCandidates()) {
    if (c.deep_steps) deep.insert(c.Name());
  }
  EXPECT_GE(deep.size(), 15u);
  for (const std::string value : {"on", "off", ""}) {
    nlohmann::json options = {{"kernel_selection", "time"}};
    if (!value.empty()) options["deep_steps"] = value;
    const auto d = ExpectMatchesReference(ConvBlock(1, "Relu", true), 2, options);
    ASSERT_EQ(d["kernel_timings_s"].size(), 1u);
    int timed = 0, timed_deep = 0;
    for (const auto& [name, seconds] : d["kernel_timings_s"].begin().value().items()) {
      ++timed;
      timed_deep += static_cast<int>(deep.count(name));
    }
    EXPECT_GT(timed, 20) << value;
    if (value == "on") {
      EXPECT_GE(timed_deep, 5) << d["kernel_timings_s"].dump();
    } else {
      EXPECT_EQ(timed_deep, 0) << d["kernel_timings_s"].dump();
    }
  }
  EXPECT_THROW(OpenClOptimizedEngine(EngineConfig{"any", "", 0, {{"deep_steps", "yes"}}}), InputError);
}

// A kernel-form option compiles every GEMM differently: scalar, 4x4 and float4 tiles, split-K (reduction launch and
// serial), the Winograd GEMM and the float4 MatMul tile still match the reference on ResNet-50 (48 px: depths from 64
// to 4,608, so every prefetch branch runs) and BERT; timed candidates are cached under the option's own key; a bad
// value is refused.
void ExpectKernelFormMatches(const std::string& option, const std::string& value, const std::string& timing_key,
                             const std::string& bad_value) {
  const FreshPlanCache cache;
  const Graph resnet = Zoo("resnet50", {{"image", 48}});
  for (const std::string k : {"igemm_32x32x16_2x2", "igemm_32x32x16_4x4_k4", "igemm_64x32x16_4x2_k16r",
                              "igemm_64x32x16_4x4_v4", "igemm_128x64x16_8x4_v4", "winograd_f2_32x32_v4",
                              "winograd_f4_128x64_v4"}) {
    const auto d = ExpectMatchesReference(resnet, 2, {{option, value}, {"conv_kernel", k}});
    EXPECT_GT(d["kernel_choices"].value(k, 0), 0) << k << " did not apply: " << d["kernel_choices"].dump();
  }
  const auto d = ExpectMatchesReference(Zoo("bert-base", {{"layers", 1}, {"sequence", 8}}), 2,
                                        {{option, value}, {"matmul_kernel", "igemm_64x32x16_4x4_v4"}});
  EXPECT_EQ(d["kernel_choices"].value("igemm_64x32x16_4x4_v4", 0), 4) << d["kernel_choices"].dump();
  ExpectMatchesReference(ConvBlock(1, "Relu", true), 2, {{"kernel_selection", "time"}, {option, value}});
  std::ifstream in(cache.dir / "timing.json");
  const auto entries = nlohmann::json::parse(in).at("entries");
  int keyed = 0;
  for (const auto& [key, unused] : entries.items()) keyed += key.find(timing_key) != std::string::npos;
  EXPECT_GT(keyed, 10);
  EXPECT_THROW(OpenClOptimizedEngine(EngineConfig{"any", "", 0, {{option, bad_value}}}), InputError);
}

// fragments=single: the GEMM loop without double-buffered fragments.
TEST(OpenClOptimized, SingleFragmentsOptionMatchesAndTimesUnderItsOwnKey) {
  ExpectKernelFormMatches("fragments", "single", "|single-fragments|", "triple");
}

// global_prefetch=two-ahead: two register sets, each tile's global loads issued two tiles before its FMAs.
TEST(OpenClOptimized, TwoAheadPrefetchMatchesAndTimesUnderItsOwnKey) {
  ExpectKernelFormMatches("global_prefetch", "two-ahead", "|prefetch-two-ahead|", "three-ahead");
}

// epilogue_loads=early: bias and residual requested before the depth loop (a kernel that dropped either term, or
// loaded them for a slice that does not store, would not match the reference): scalar, float4 and sliced tiles on
// ResNet-50 (bias, residual, Relu), the float4 MatMul tile on BERT (bias per column). Only the tiles of at most 16
// outputs per work-item take the early loads; the timings are cached under their own key.
TEST(OpenClOptimized, EarlyEpilogueLoadsMatchAndTimeUnderTheirOwnKey) {
  const FreshPlanCache cache;
  const nlohmann::json early = {{"epilogue_loads", "early"}};
  const Graph resnet = Zoo("resnet50", {{"image", 48}});
  for (const std::string k : {"igemm_32x32x16_2x2", "igemm_64x32x16_4x4_v4", "igemm_32x32x16_4x4_s4_v4",
                              "igemm_32x64x16_4x4_s2"}) {
    nlohmann::json options = early;
    options["conv_kernel"] = k;
    const auto d = ExpectMatchesReference(resnet, 2, options);
    EXPECT_GT(d["kernel_choices"].value(k, 0), 0) << k << " did not apply: " << d["kernel_choices"].dump();
  }
  nlohmann::json options = early;
  options["matmul_kernel"] = "igemm_64x32x16_4x4_v4";
  const auto bert = ExpectMatchesReference(Zoo("bert-base", {{"layers", 1}, {"sequence", 8}}), 2, options);
  EXPECT_EQ(bert["kernel_choices"].value("igemm_64x32x16_4x4_v4", 0), 4) << bert["kernel_choices"].dump();
  options = early;
  options["kernel_selection"] = "time";
  const auto d = ExpectMatchesReference(ConvBlock(1, "Relu", true), 2, options);
  std::vector<std::string> expected;
  for (const auto& t : IgemmTiles()) {
    if (t.rm * t.rn <= 16) expected.push_back(t.Name());
  }
  EXPECT_EQ(d["early_epilogue_tiles"].get<std::vector<std::string>>(), expected);
  EXPECT_EQ(expected.size(), IgemmTiles().size() - 2);  // not the 8x4 and 8x8 tiles of the 128-row forms
  const auto entries = nlohmann::json::parse(std::ifstream(cache.dir / "timing.json")).at("entries");
  int keyed = 0;
  for (const auto& [key, unused] : entries.items()) keyed += key.find("|early-epilogue|") != std::string::npos;
  EXPECT_GT(keyed, 10);
  EXPECT_TRUE(ExpectMatchesReference(ConvBlock(1, "Relu", true), 2)["early_epilogue_tiles"].empty());
  EXPECT_THROW(OpenClOptimizedEngine(EngineConfig{"any", "", 0, {{"epilogue_loads", "before"}}}), InputError);
}

// timing_window_us: wall-timed candidates are cached under their window (timings taken with five repetitions, 0,
// are not reused for the default 2,000 us); out-of-range values are refused.
TEST(OpenClOptimized, TimingWindowKeysTheTimingCache) {
  for (const auto& [window, key] : std::vector<std::pair<nlohmann::json, std::string>>{{nullptr, "|window-2000us|"},
                                                                                      {0, ""},
                                                                                      {"500", "|window-500us|"}}) {
    const FreshPlanCache cache;
    nlohmann::json options = {{"kernel_selection", "time"}};
    if (!window.is_null()) options["timing_window_us"] = window;
    ExpectMatchesReference(ConvBlock(1, "Relu", true), 2, options);
    const auto entries = nlohmann::json::parse(std::ifstream(cache.dir / "timing.json")).at("entries");
    int windowed = 0;
    for (const auto& [k, unused] : entries.items()) windowed += k.find("|window-") != std::string::npos;
    ASSERT_GT(entries.size(), 10u);
    if (key.empty()) {
      EXPECT_EQ(windowed, 0) << entries.dump();
    } else {
      int keyed = 0;
      for (const auto& [k, unused] : entries.items()) keyed += k.find(key) != std::string::npos;
      EXPECT_EQ(keyed, static_cast<int>(entries.size())) << key;
    }
  }
  for (const nlohmann::json& bad : {nlohmann::json(-1), nlohmann::json(2e6), nlohmann::json("long")}) {
    EXPECT_THROW(OpenClOptimizedEngine(EngineConfig{"any", "", 0, {{"timing_window_us", bad}}}), InputError);
  }
}

// global_prefetch=auto (the default) loads two tiles ahead on the 128-row tiles only; the other values on all or none.
TEST(OpenClOptimized, GlobalPrefetchAutoLoadsTwoAheadOnTheLargeTilesOnly) {
  const FreshPlanCache cache;
  std::vector<std::string> all, large;
  for (const auto& t : IgemmTiles()) {
    all.push_back(t.Name());
    if (t.tm >= 128) large.push_back(t.Name());
  }
  ASSERT_EQ(large, (std::vector<std::string>{"igemm_128x64x16_8x4", "igemm_128x128x16_8x8"}));
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"auto", large}, {"one-ahead", {}}, {"two-ahead", all}};
  for (const auto& [value, expected] : cases) {
    const auto d = ExpectMatchesReference(ConvBlock(1, "Relu", true), 2,
                                          {{"global_prefetch", value}, {"conv_kernel", "igemm_128x64x16_8x4"}});
    EXPECT_EQ(d["global_prefetch"], value);
    EXPECT_EQ(d["two_ahead_tiles"].get<std::vector<std::string>>(), expected) << value;
  }
  const auto d = ExpectMatchesReference(ConvBlock(1, "Relu", true), 2);
  EXPECT_EQ(d["global_prefetch"], "auto");
}

// kernel_objective=energy: timing records for every candidate a busy share of the compute units in (0, 1], split-K
// forms at least their unsplit tile's; selection minimises seconds x (static_power_ratio + busy). With the timing
// cache rewritten so that A takes 1 ms on every unit and B 1.5 ms on a quarter of them, time and a large ratio choose
// A, a ratio of 0 or 1 chooses B. Bad ratios and objectives are refused.
TEST(OpenClOptimized, EnergyObjectiveChoosesTheLeastModelledEnergy) {
  const FreshPlanCache cache;
  const Graph g = ConvBlock(1, "Relu", true);
  const auto d = ExpectMatchesReference(g, 2, {{"kernel_selection", "time"}, {"kernel_objective", "energy"}});
  ASSERT_EQ(d["kernel_busy_fraction"].size(), 1u);
  const std::string node = d["kernel_busy_fraction"].begin().key();
  const auto& busy = d["kernel_busy_fraction"][node];
  EXPECT_EQ(busy.size(), d["kernel_timings_s"][node].size());
  for (const auto& [name, u] : busy.items()) {
    EXPECT_GT(u.get<double>(), 0.0) << name;
    EXPECT_LE(u.get<double>(), 1.0) << name;
    const std::size_t k = name.find("_k");
    if (k == std::string::npos || !name.starts_with("igemm_") || name.find('r', k) != std::string::npos) continue;
    const std::string unsplit = name.substr(0, k) + (name.ends_with("_v4") ? "_v4" : "");
    if (busy.contains(unsplit)) {
      EXPECT_GE(u.get<double>(), busy[unsplit].get<double>()) << name;
    }
  }
  const std::string a = "igemm_64x64x16_4x4", b = "igemm_32x32x16_2x2";
  ASSERT_TRUE(busy.contains(a) && busy.contains(b));
  const fs::path file = cache.dir / "timing.json";
  nlohmann::json timing = nlohmann::json::parse(std::ifstream(file));
  int rewritten = 0;
  for (auto& [key, value] : timing["entries"].items()) {
    if (!value.is_number()) continue;
    const bool is_busy = key.ends_with("|busy");
    const std::string stem = is_busy ? key.substr(0, key.size() - 5) : key;
    const std::string cand = stem.substr(stem.rfind('|') + 1);
    value = is_busy ? (cand == b ? 0.25 : 1.0) : (cand == a ? 1e-3 : cand == b ? 1.5e-3 : 1e-2);
    ++rewritten;
  }
  EXPECT_EQ(rewritten, 2 * static_cast<int>(busy.size()));
  std::ofstream(file) << timing.dump();
  const std::vector<std::pair<nlohmann::json, std::string>> cases = {
      {{{"kernel_objective", "time"}}, a},
      {{{"kernel_objective", "energy"}, {"static_power_ratio", 10}}, a},
      {{{"kernel_objective", "energy"}, {"static_power_ratio", 1}}, b},
      {{{"kernel_objective", "energy"}, {"static_power_ratio", "0"}}, b}};
  for (const auto& [options, expected] : cases) {
    nlohmann::json o = options;
    o["kernel_selection"] = "time";
    o["plan_cache"] = false;
    const auto r = ExpectMatchesReference(g, 2, o);
    EXPECT_EQ(r["kernel_choice_per_node"][node], expected) << options.dump();
  }
  for (const nlohmann::json& bad : {nlohmann::json(-1), nlohmann::json("lots")}) {
    EXPECT_THROW(OpenClOptimizedEngine(EngineConfig{"any", "", 0, {{"static_power_ratio", bad}}}), InputError);
  }
  EXPECT_THROW(OpenClOptimizedEngine(EngineConfig{"any", "", 0, {{"kernel_objective", "power"}}}), InputError);
}

// candidate_timing=gpu: each candidate timed on the device clock behind a user-event gate; every candidate gets a
// positive time, the chosen one is the fastest, and the plan matches the reference.
TEST(OpenClOptimized, GpuClockCandidateTimingBuildsAWorkingPlan) {
  const FreshPlanCache cache;
  const auto d = ExpectMatchesReference(ConvBlock(1, "Relu", true), 2,
                                        {{"kernel_selection", "time"}, {"candidate_timing", "gpu"}});
  const nlohmann::json& by_node = d["kernel_timings_s"];
  ASSERT_EQ(by_node.size(), 1u);
  const std::string node = by_node.begin().key();
  const nlohmann::json& timings = by_node.begin().value();
  double best = 1e30;
  std::string fastest;
  for (const auto& [name, seconds] : timings.items()) {
    if (seconds.get<double>() >= 1e29) continue;  // a candidate the layer cannot use
    EXPECT_GT(seconds.get<double>(), 0.0) << name;
    if (seconds.get<double>() < best) best = seconds.get<double>(), fastest = name;
  }
  EXPECT_GT(timings.size(), 10u);
  EXPECT_EQ(d["kernel_choice_per_node"].value(node, ""), fastest);
  EXPECT_THROW(OpenClOptimizedEngine(EngineConfig{"any", "", 0, {{"candidate_timing", "host"}}}), InputError);
}

nlohmann::json PrepareOnce(const Graph& g, std::int64_t batch, nlohmann::json options = nlohmann::json::object()) {
  OpenClOptimizedEngine e(EngineConfig{"any", "", 0, std::move(options)});
  e.Prepare(g, Precision::kFp32, batch);
  return e.Describe();
}

TEST(OpenClOptimized, PlanCacheHitsRebuildsCorruptAndStaleFilesAndKeysOnBatch) {
  FreshPlanCache cache;
  const Graph g = Zoo("mobilenetv2", {{"image", 32}});
  const nlohmann::json timed = {{"kernel_selection", "time"}};
  const auto cold = PrepareOnce(g, 1, timed);
  EXPECT_EQ(cold["plan_cache"]["status"], "miss");
  EXPECT_FALSE(cold["kernel_timings_s"].empty());                   // candidates were timed on the device
  EXPECT_TRUE(fs::exists(cache.dir / "timing.json"));
  const auto hit = PrepareOnce(g, 1, timed);
  EXPECT_EQ(hit["plan_cache"]["status"], "hit");
  EXPECT_EQ(hit["kernel_choice_per_node"], cold["kernel_choice_per_node"]);
  EXPECT_TRUE(hit["kernel_timings_s"].empty());                     // nothing timed again
  EXPECT_EQ(PrepareOnce(g, 2, timed)["plan_cache"]["status"], "miss");  // batch is part of the key

  const std::string file = cold["plan_cache"]["file"];
  {  // change one stored value without updating the checksum (a bit flip on disk, a hand edit)
    std::ifstream in(file);
    nlohmann::json doc = nlohmann::json::parse(in);
    doc["plan"]["build_s"] = 1e9;
    std::ofstream(file) << doc.dump();
  }
  const auto corrupt = PrepareOnce(g, 1, timed);
  EXPECT_EQ(corrupt["plan_cache"]["status"], "corrupt");
  EXPECT_NE(corrupt["warnings"].dump().find("checksum mismatch"), std::string::npos) << corrupt["warnings"].dump();
  EXPECT_EQ(PrepareOnce(g, 1, timed)["plan_cache"]["status"], "hit");  // rebuilt and rewritten

  {  // a file under this key's name that was built for another key
    std::ifstream in(file);
    nlohmann::json doc = nlohmann::json::parse(in);
    doc["key"]["joulebench"] = "0.0.0-other";
    doc["checksum"] = cl::Fnv(doc["key"].dump() + doc["plan"].dump());
    std::ofstream(file) << doc.dump();
  }
  EXPECT_EQ(PrepareOnce(g, 1, timed)["plan_cache"]["status"], "stale");
  EXPECT_EQ(ListPlans().size(), 2u);
  EXPECT_EQ(ClearPlans(), 2);
}

// host_wait=spin: Wait() polls the marker Enqueue() left instead of calling clFinish. The answer must be the one
// of the last inference (the parallel branches' auxiliary queue joined before the marker), and the plan is the
// same: host_wait is not part of the plan-cache key.
TEST(OpenClOptimized, SpinWaitMatchesTheReferenceAndSharesThePlan) {
  FreshPlanCache cache;
  const Graph g = Zoo("resnet50", {{"image", 32}});
  const nlohmann::json finish = {{"parallel_branches", "on"}, {"plan_cache", true}};
  nlohmann::json spin = finish;
  spin["host_wait"] = "spin";
  const auto built = ExpectMatchesReference(g, 1, finish);
  EXPECT_EQ(built["host_wait"], "finish");
  EXPECT_EQ(built["plan_cache"]["status"], "miss");
  ASSERT_FALSE(built["parallel_branches"].empty());
  const auto spun = ExpectMatchesReference(g, 1, spin);
  EXPECT_EQ(spun["host_wait"], "spin");
  EXPECT_EQ(spun["plan_cache"]["status"], "hit");
  EXPECT_EQ(spun["kernel_choice_per_node"], built["kernel_choice_per_node"]);
}

int FailingPass(Graph& g, PassReport&) {
  g.initializers["half_done"] = Tensor(DataType::kFloat32, {1});
  g.nodes.pop_back();
  throw std::runtime_error("cannot fuse this pattern");
}

TEST(OpenClOptimized, AFailingPassIsRolledBackWithAWarning) {
  const Graph g = WithInferredShapes(ConvBlock(1, "Relu", true), 2);
  const OptimizedGraph out = RunPasses(g, {{"broken", &FailingPass}, {"fold_batchnorm", &FoldBatchNorm}});
  ASSERT_EQ(out.reports.size(), 2u);
  EXPECT_EQ(out.reports[0].warning, "pass broken failed and was skipped: cannot fuse this pattern");
  EXPECT_EQ(out.graph.initializers.count("half_done"), 0u);
  EXPECT_EQ(out.reports[1].rewrites, 1);                 // the next pass ran on the intact graph
  EXPECT_EQ(out.graph.nodes.size(), g.nodes.size() - 1);  // Conv+BN folded, nothing lost
}

TEST(OpenClOptimized, BadOptionsAreClearErrors) {
  auto make = [](nlohmann::json o) { OpenClOptimizedEngine e(EngineConfig{"any", "", 0, std::move(o)}); };
  try {
    make({{"disable_passes", "fold_batchnorm,fuse_everything"}});
    FAIL() << "accepted an unknown pass";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown graph pass \"fuse_everything\"; the passes are: eliminate_identity"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(make({{"conv_kernel", "fastest"}}), InputError);
  EXPECT_THROW(make({{"kernel_selection", "random"}}), InputError);
  EXPECT_THROW(make({{"host_wait", "sleep"}}), InputError);
  try {
    make({{"energy_slack", -5}});
    FAIL() << "accepted a negative slack";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("option energy_slack is -5; expected a percentage from 0 to 1000"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace joulebench
