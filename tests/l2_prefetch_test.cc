// opencl-optimized's l2_prefetch through real OpenCL (PoCL on CI): each implicit-GEMM launch is pointed at the
// weights of the plan's next weight-reading launch (the last at the first's, for the next inference), Winograd GEMMs
// at the transformed weights they actually read, and the plan still matches the reference on fresh random inputs.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "engines/opencl/optimized_engine.h"
#include "engines/zoo/graph_builder.h"
#include "harness/common/errors.h"
#include "optimized_test_util.h"

namespace joulebench {
namespace {

using testing::ExpectMatchesReference;
using testing::Zoo;

// The targets in plan order; every prefetching launch must prefetch the launch after it among `readers` (the
// launches that read weights), the last one the first reader's.
void ExpectEachTargetIsTheNextReader(const nlohmann::json& report, const std::vector<std::size_t>& readers) {
  const auto& targets = report.at("targets");
  ASSERT_EQ(targets.size(), readers.size());
  for (std::size_t i = 0; i < targets.size(); ++i) {
    EXPECT_EQ(targets[i]["launch"], readers[i]);
    EXPECT_EQ(targets[i]["prefetches_launch"], readers[(i + 1) % readers.size()]) << targets[i].dump();
    EXPECT_NE(targets[i]["prefetches_node"], targets[i]["node"]);
  }
}

std::vector<std::size_t> Launches(const nlohmann::json& report) {
  std::vector<std::size_t> out;
  for (const auto& t : report.at("targets")) out.push_back(t["launch"].get<std::size_t>());
  return out;
}

TEST(L2Prefetch, EachGemmLaunchPrefetchesTheNextWeightReadersWeights) {
  const Graph resnet = Zoo("resnet50", {{"image", 48}});
  // Every convolution and the classifier on an implicit-GEMM form with split-K: 54 weight readers, each followed by
  // a reduction launch that reads none (skipped as a target).
  const auto d = ExpectMatchesReference(resnet, 1, {{"l2_prefetch", "on"}, {"conv_kernel", "igemm_64x32x16_4x2_k4"},
                                                    {"matmul_kernel", "igemm_64x32x16_4x2_k4"}});
  const auto& report = d["l2_prefetch"];
  ASSERT_EQ(report["mode"], "on");
  EXPECT_EQ(report["prefetching_launches"], 54);
  EXPECT_EQ(report["instruction"], "OpenCL prefetch() (a hint)");  // PoCL: no NVIDIA PTX
  ExpectEachTargetIsTheNextReader(report, Launches(report));
  // Between two readers: the first one's reduction launch, and a pooling launch after the stem and before the
  // classifier (the targets skip them all).
  std::map<std::size_t, int> gaps;
  for (std::size_t i = 1; i < Launches(report).size(); ++i) ++gaps[Launches(report)[i] - Launches(report)[i - 1]];
  EXPECT_EQ(gaps, (std::map<std::size_t, int>{{2, 51}, {3, 2}}));
  // The classifier (the last reader) prefetches the stem's weights for the next inference: 64 x 3 x 7 x 7 floats.
  EXPECT_EQ(report["targets"].back()["bytes"], 64 * 3 * 7 * 7 * 4);
  // The stem prefetches layer1.0.conv1's 64 x 64 (x 1 x 1) weights.
  EXPECT_EQ(report["targets"][0]["bytes"], 64 * 64 * 4);
  std::size_t bytes = 0;
  for (const auto& t : report["targets"]) bytes += t["bytes"].get<std::size_t>();
  EXPECT_EQ(report["bytes_per_inference"], bytes);
}

TEST(L2Prefetch, WinogradGemmsPrefetchTheTransformedWeights) {
  // Only the 13 3x3 stride-1 layers take the Winograd form (the others the library GEMM, whose weights no launch of
  // joulebench's own marks): each Winograd GEMM prefetches the next one's F(2x2, 3x3) weights, 16 x M x C floats,
  // skipping the transform launches and the library layers between them.
  const Graph resnet = Zoo("resnet50", {{"image", 48}});
  const auto d = ExpectMatchesReference(resnet, 1, {{"l2_prefetch", "on"}, {"conv_kernel", "winograd_f2_64x32"}});
  const auto& report = d["l2_prefetch"];
  ASSERT_EQ(report["prefetching_launches"], 13);
  ExpectEachTargetIsTheNextReader(report, Launches(report));
  // layer1.0.conv2 (64 -> 64) prefetches layer1.1.conv2's; the last (layer4.2.conv2, 512 -> 512) the first's.
  EXPECT_EQ(report["targets"][0]["bytes"], 16 * 64 * 64 * 4);
  EXPECT_EQ(report["targets"].back()["bytes"], 16 * 64 * 64 * 4);
  EXPECT_EQ(report["targets"][12]["node"], report["targets"].back()["node"]);
  EXPECT_EQ(report["targets"][11]["bytes"], 16 * 512 * 512 * 4);
}

// Timed selection with l2_prefetch=on: its kernels carry one more argument (a launch's host cost grows with them),
// so their timings are cached under their own key; the timed plan still matches the reference.
TEST(L2Prefetch, OnTimesUnderItsOwnKey) {
  const testing::FreshPlanCache cache;
  // One 1x1 convolution over 9 x 7 pixels: no Winograd or float4 forms, the fewest programs to compile.
  zoo::GraphBuilder b("pointwise", 7);
  const std::string x = b.Input("x", DataType::kFloat32, {-1, 8, 9, 7});
  b.Output(b.Op("Relu", "act", {b.ConvBn("conv", x, 8, 16, 1, 1, 1, true)}), DataType::kFloat32, {-1, 16, 9, 7});
  const Graph g = WithInferredShapes(b.Finish());
  const auto d = ExpectMatchesReference(g, 2, {{"kernel_selection", "time"}, {"l2_prefetch", "on"}});
  EXPECT_EQ(d["kernel_timings_s"].size(), 1u);
  const auto entries = nlohmann::json::parse(std::ifstream(cache.dir / "timing.json")).at("entries");
  ASSERT_GT(entries.size(), 10u);
  for (const auto& [key, unused] : entries.items()) {
    if (key.starts_with("clblast")) continue;  // CLBlast's tuning, not a candidate's timing
    EXPECT_NE(key.find("|l2-prefetch|"), std::string::npos) << key;
  }
}

TEST(L2Prefetch, OffByDefaultAndBadValuesAreClearErrors) {
  const auto d = ExpectMatchesReference(Zoo("resnet50", {{"image", 32}}), 1, {{"conv_kernel", "igemm_32x32x16_2x2"}});
  EXPECT_EQ(d["l2_prefetch"], nlohmann::json({{"mode", "off"}}));
  try {
    OpenClOptimizedEngine(EngineConfig{"any", "", 0, {{"l2_prefetch", "yes"}}});
    FAIL() << "l2_prefetch=yes was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("l2_prefetch"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("on"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace joulebench
