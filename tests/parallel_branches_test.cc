// Parallel branches of opencl-optimized (engines/opencl/branch_schedule.h): which layers the schedule moves onto the
// auxiliary queue and where, and that plans with branches match the reference through PoCL, including the "late"
// mode in which every branch runs after the main queue's layers it overlaps (a buffer shared by mistake shows).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "engines/opencl/branch_schedule.h"
#include "engines/passes/graph_passes.h"
#include "harness/common/errors.h"
#include "optimized_test_util.h"

namespace joulebench {
namespace {

using testing::ExpectMatchesReference;
using testing::Zoo;

std::size_t IndexOf(const Graph& g, const std::string& node) {
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    if (g.nodes[i].name == node) return i;
  }
  ADD_FAILURE() << "no node " << node;
  return g.nodes.size();
}

// Every computed input is produced by an earlier node.
void ExpectTopological(const Graph& g) {
  std::map<std::string, std::size_t> producer;
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    for (const auto& o : g.nodes[i].outputs) producer[o] = i;
  }
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    for (const auto& in : g.nodes[i].inputs) {
      if (auto it = producer.find(in); it != producer.end()) {
        EXPECT_LT(it->second, i) << g.nodes[i].name << " " << in;
      }
    }
  }
}

TEST(ParallelBranches, ResNetDownsamplesMoveAheadOfTheirBlocks) {
  Graph g = OptimizeGraph(Zoo("resnet50", {{"image", 64}}), {}).graph;
  const std::size_t nodes = g.nodes.size();
  const auto branches = ScheduleParallelBranches(g);
  ASSERT_EQ(branches.size(), 4u);  // the first block of each stage
  EXPECT_EQ(g.nodes.size(), nodes);
  ExpectTopological(g);
  for (int stage = 1; stage <= 4; ++stage) {
    const ParallelBranch& b = branches[static_cast<std::size_t>(stage - 1)];
    const std::string block = "layer" + std::to_string(stage) + ".0.";
    EXPECT_EQ(b.node.rfind(block + "downsample", 0), 0u) << b.node;
    EXPECT_EQ(b.join.rfind(block + "conv3", 0), 0u) << b.join;
    // Ahead of the block's first convolution, so it overlaps conv1 and conv2.
    EXPECT_LT(IndexOf(g, b.node), IndexOf(g, b.join.substr(0, block.size()) + "conv1")) << b.node;
    EXPECT_EQ(b.overlapped, 2) << b.node;
  }
}

TEST(ParallelBranches, ALayerReadNextOrTwiceIsNoBranch) {
  // MobileNetV2: each block's input feeds the expansion and the residual (two readers); the projection is read by
  // the very next layer.
  Graph g = OptimizeGraph(Zoo("mobilenetv2", {{"image", 32}}), {}).graph;
  const Graph before = g;
  EXPECT_TRUE(ScheduleParallelBranches(g).empty());
  ASSERT_EQ(g.nodes.size(), before.nodes.size());
  for (std::size_t i = 0; i < g.nodes.size(); ++i) EXPECT_EQ(g.nodes[i].name, before.nodes[i].name);
}

TEST(ParallelBranches, PlansWithBranchesMatchTheReference) {
  const Graph resnet = Zoo("resnet50", {{"image", 64}});
  for (std::int64_t batch : {1, 2}) {
    // late: marker and barrier commands (fork, end marker, join wait per branch), none on the launches.
    const auto late = ExpectMatchesReference(resnet, batch, {{"parallel_branches", "late"}});
    EXPECT_EQ(late["parallel_branches"].size(), 4u);
    EXPECT_EQ(late["queue_sync_commands"].get<int>(), 12);
    EXPECT_EQ(late["launches_by_kind"].value("branch_fork", 0), 4);
    EXPECT_EQ(late["event_hooked_launches"].get<int>(), 0);
    // on, every layer an implicit-GEMM kernel: events on the launches around each fork and join, no commands.
    const auto hooked = ExpectMatchesReference(resnet, batch, {{"parallel_branches", "on"}, {"conv_kernel", "igemm"}});
    EXPECT_EQ(hooked["parallel_branches"].size(), 4u);
    EXPECT_EQ(hooked["queue_sync_commands"].get<int>(), 0);
    EXPECT_GE(hooked["event_hooked_launches"].get<int>(), 4 * 3);
    EXPECT_EQ(hooked["event_waits"].get<int>(), 4 * 2);  // the branch's first launch, the join's first launch
    // on with the library candidate (CLBlast launches take no wait list): commands where a side is no kernel.
    const auto library = ExpectMatchesReference(resnet, batch, {{"parallel_branches", "on"}, {"conv_kernel", "library"}});
    EXPECT_EQ(library["parallel_branches"].size(), 4u);
    EXPECT_GT(library["queue_sync_commands"].get<int>() + library["event_hooked_launches"].get<int>(), 0);
  }
  const auto off = ExpectMatchesReference(resnet, 1, {{"parallel_branches", "off"}});
  EXPECT_TRUE(off["parallel_branches"].empty());
  EXPECT_EQ(off["queue_sync_commands"].get<int>(), 0);
  EXPECT_THROW(OpenClOptimizedEngine(EngineConfig{"any", "", 0, {{"parallel_branches", "yes"}}}), InputError);
  // Declared for scenario files and --option, default auto.
  EXPECT_EQ(ResolveEngineOptions("opencl-optimized", nlohmann::json::object(), "test").value("parallel_branches", ""),
            "auto");
  EXPECT_EQ(ResolveEngineOptions("opencl-optimized", {{"parallel_branches", "off"}}, "test")["parallel_branches"], "off");
}

// KernelSecondsByKind (opencl_bench) enqueues each launch on its own with an event: it refuses a plan with branches
// (their launches wait on the other queue's events) and times every kernel of a one-queue plan.
TEST(ParallelBranches, KernelTimeByKindNeedsOneQueue) {
  const Graph resnet = Zoo("resnet50", {{"image", 32}});
  for (const std::string branches : {"on", "off"}) {
    OpenClOptimizedEngine e(EngineConfig{"any", "", 0,
                                         {{"parallel_branches", branches}, {"queue_profiling", true},
                                          {"conv_kernel", "igemm"}, {"plan_cache", false}}});
    e.Prepare(resnet, Precision::kFp32, 1);
    e.Stage(MakeRandomInputs(resnet, 1, 3));
    e.Infer();
    if (branches == "on") {
      EXPECT_THROW(e.KernelSecondsByKind(1), InputError);
      continue;
    }
    int counted = 0;
    for (const auto& [kind, v] : e.KernelSecondsByKind(2)) {  // the classifier's library GEMM has no event
      counted += v.first;
      if (kind == "clblast_gemm") {
        EXPECT_EQ(v.second, 0);
      } else {
        EXPECT_GT(v.second, 0) << kind;
      }
    }
    EXPECT_EQ(counted, e.Describe()["kernels_per_inference"].get<int>());
  }
}

}  // namespace
}  // namespace joulebench
