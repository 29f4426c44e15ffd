// The attention, layout and elementwise passes of opencl-optimized, through real OpenCL (PoCL on CI) against the
// reference engine on fresh random inputs: what each pass leaves in the graph, what it saves in launches, and that
// the terms a fused kernel must keep (the scale, a broadcast input) change the answer when dropped.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "engines/opencl/cl_runtime.h"
#include "engines/opencl/generated_kernels.h"
#include "engines/passes/graph_passes.h"
#include "engines/zoo/graph_builder.h"
#include "optimized_test_util.h"

namespace joulebench {
namespace {

using testing::ExpectMatchesReference;
using testing::Nmse;
using testing::RunReference;
using zoo::GraphBuilder;

// BERT's self-attention as exporters write it: q/k/v projections, Reshape to heads and Transpose (K to [.., D, S]),
// MatMul, scale (Mul or Div), Softmax, MatMul, Transpose back and Reshape. `scale` 0 leaves the scale out.
Graph AttentionBlock(std::int64_t seq, std::int64_t heads, std::int64_t dim, float scale, bool divide = false) {
  GraphBuilder b("attention", 11);
  const std::int64_t hidden = heads * dim;
  const std::string x = b.Input("x", DataType::kFloat32, {2, seq, hidden});
  const std::string split = b.Ints("split_shape", {2, seq, heads, dim}), merge = b.Ints("merge_shape", {2, seq, hidden});
  auto head = [&](const std::string& name, std::vector<std::int64_t> perm) {
    return b.Op("Transpose", name + ".t", {b.Op("Reshape", name + ".r", {b.Linear(name, x, hidden, hidden), split})},
                {{"perm", perm}});
  };
  const std::string q = head("q", {0, 2, 1, 3}), k = head("k", {0, 2, 3, 1}), v = head("v", {0, 2, 1, 3});
  std::string s = b.Op("MatMul", "qk", {q, k});
  if (scale != 0) s = b.Op(divide ? "Div" : "Mul", "scale", {s, b.Scalar("scale_value", divide ? 1 / scale : scale)});
  s = b.Op("Softmax", "softmax", {s}, {{"axis", std::int64_t{-1}}});
  std::string ctx = b.Op("Transpose", "ctx.t", {b.Op("MatMul", "pv", {s, v})}, {{"perm", std::vector<std::int64_t>{0, 2, 1, 3}}});
  ctx = b.Op("Reshape", "ctx.r", {ctx, merge});
  b.Output(ctx, DataType::kFloat32, {2, seq, hidden});
  return WithInferredShapes(b.Finish());
}

std::map<std::string, int> OpCounts(const Graph& g) {
  std::map<std::string, int> c;
  for (const auto& n : g.nodes) ++c[n.op_type];
  return c;
}

TEST(OptimizedFusion, AttentionBecomesOneKernelReadingThroughTheTransposes) {
  const Graph g = AttentionBlock(7, 3, 5, 0.4f);
  const OptimizedGraph opt = OptimizeGraph(WithInferredShapes(g, 2), {});
  const auto ops = OpCounts(opt.graph);
  EXPECT_EQ(ops.count("Transpose") + ops.count("Reshape") + ops.count("Softmax") + ops.count("MatMul"), 0u)
      << opt.ReportJson().dump();
  ASSERT_EQ(ops.at("FusedAttention"), 1);
  const Node& a = *std::find_if(opt.graph.nodes.begin(), opt.graph.nodes.end(),
                                [](const Node& n) { return n.op_type == "FusedAttention"; });
  // The three projections are one GEMM over concatenated weights ([2, 7, 45]); the attention reads its slices
  // where they are (offsets 0, 15, 30; rows of 45) and writes the merged layout: no copy is made.
  EXPECT_EQ(ops.at("FusedMatMul"), 1) << opt.ReportJson().dump();
  EXPECT_EQ(opt.graph.value_shapes.at(a.inputs[0]), (Shape{2, 7, 45}));
  EXPECT_EQ(a.inputs[1], a.inputs[0]);
  EXPECT_EQ(a.outputs[0], g.outputs[0].name);
  EXPECT_EQ(a.IntsAttr("q_strides"), (std::vector<std::int64_t>{315, 5, 45, 1}));
  EXPECT_EQ(a.IntsAttr("k_strides"), (std::vector<std::int64_t>{315, 5, 45, 1}));
  EXPECT_EQ(a.IntAttr("k_offset", 0), 15);
  EXPECT_EQ(a.IntAttr("v_offset", 0), 30);
  EXPECT_EQ(a.IntsAttr("o_strides"), (std::vector<std::int64_t>{105, 5, 15, 1}));
  EXPECT_FLOAT_EQ(a.FloatAttr("scale", 0), 0.4f);
  // One GEMM + its epilogue + the attention, against 14 launches unfused (3 x (GEMM + epilogue), 4 transposes,
  // 2 batched GEMMs, scale, softmax; the Reshapes are views).
  EXPECT_EQ(ExpectMatchesReference(g, 2)["kernels_per_inference"], 3);
  EXPECT_EQ(ExpectMatchesReference(g, 2, {{"disable_passes", "fuse_qkv"}})["kernels_per_inference"], 7);
  EXPECT_EQ(ExpectMatchesReference(g, 2, {{"disable_passes", "fuse_attention"}})["kernels_per_inference"], 14);
  // Without the layout pass the fused kernel reads transposed copies (and the projections stay apart): 11.
  EXPECT_EQ(ExpectMatchesReference(g, 2, {{"disable_passes", "eliminate_transposes"}})["kernels_per_inference"], 11);
  // The scale matters: a kernel that dropped it would fail the comparison.
  const TensorMap in = MakeRandomInputs(g, 2, 5);
  EXPECT_GT(Nmse(RunReference(AttentionBlock(7, 3, 5, 0), 2, in).begin()->second, RunReference(g, 2, in).begin()->second), 1e-4);
}

TEST(OptimizedFusion, AttentionMatchesAcrossKeyTilesHeadSizesAndADividedScale) {
  // Every kernel candidate (work-items per query row 1 to 16), forced.
  for (const auto& c : AttentionCandidates()) {
    const nlohmann::json o = {{"attention_kernel", c.Name()}};
    // 40 keys span two key tiles (the second shorter than some splits) and several query work-groups; head size 64
    // as in BERT; scale written as a division.
    const auto d = ExpectMatchesReference(AttentionBlock(40, 2, 64, 0.125f), 2, o);
    EXPECT_EQ(d["kernel_choices"].value(c.Name(), 0), 1) << d["kernel_choices"].dump();
    ExpectMatchesReference(AttentionBlock(33, 4, 16, 0.25f, /*divide=*/true), 2, o);
    // Large scores: the streaming softmax must subtract the running maximum (exp(80) alone would overflow); 9 keys
    // leave some work-items of a row without any.
    ExpectMatchesReference(AttentionBlock(9, 1, 8, 40.0f), 2, o);
  }
}

// x [B, 4, 6] and a per-column initializer y [6]: Add -> Mul(0.5) -> Sigmoid -> Sub(x) -> Clip -> Tanh.
Graph ElementwiseChain(bool with_y = true) {
  GraphBuilder b("chain", 3);
  const std::string x = b.Input("x", DataType::kFloat32, {-1, 4, 6});
  const std::string y = b.Weight("y", {6}, with_y ? -2.0f : 0.0f, with_y ? 2.0f : 0.0f);
  std::string t = b.Op("Add", "add", {x, y});
  t = b.Op("Mul", "half", {t, b.Scalar("half_value", 0.5f)});
  t = b.Op("Sigmoid", "sigmoid", {t});
  t = b.Op("Sub", "sub", {t, x});
  t = b.Op("Clip", "clip", {t, b.Scalar("lo", -0.3f), b.Scalar("hi", 0.4f)});
  t = b.Op("Tanh", "tanh", {t});
  b.Output(t, DataType::kFloat32, {-1, 4, 6});
  return WithInferredShapes(b.Finish());
}

TEST(OptimizedFusion, AnElementwiseChainIsOneGeneratedKernel) {
  const Graph g = ElementwiseChain();
  const OptimizedGraph opt = OptimizeGraph(WithInferredShapes(g, 3), {});
  ASSERT_EQ(opt.graph.nodes.size(), 1u) << opt.ReportJson().dump();
  const Node& f = opt.graph.nodes[0];
  EXPECT_EQ(f.op_type, "FusedElementwise");
  EXPECT_EQ(f.inputs, (std::vector<std::string>{"x", "y"}));  // x read once though used twice; scalars inlined
  const auto d = ExpectMatchesReference(g, 3);
  EXPECT_EQ(d["kernels_per_inference"], 1);
  EXPECT_EQ(ExpectMatchesReference(g, 3, {{"disable_passes", "fuse_elementwise"}})["kernels_per_inference"], 6);
  // The broadcast input matters: a kernel that dropped it would fail.
  const TensorMap in = MakeRandomInputs(g, 3, 6);
  EXPECT_GT(Nmse(RunReference(ElementwiseChain(false), 3, in).begin()->second, RunReference(g, 3, in).begin()->second), 1e-4);
}

TEST(OptimizedFusion, TransposePairsComposeOrCancelAndReshapesCollapse) {
  GraphBuilder b("layout", 2);
  const std::string x = b.Input("x", DataType::kFloat32, {-1, 3, 4, 5});
  std::string t = b.Op("Transpose", "t1", {x}, {{"perm", std::vector<std::int64_t>{0, 2, 1, 3}}});
  t = b.Op("Transpose", "t2", {t}, {{"perm", std::vector<std::int64_t>{0, 2, 1, 3}}});  // cancels t1
  t = b.Op("Relu", "relu", {t});
  t = b.Op("Transpose", "t3", {t}, {{"perm", std::vector<std::int64_t>{0, 3, 1, 2}}});
  t = b.Op("Transpose", "t4", {t}, {{"perm", std::vector<std::int64_t>{0, 1, 3, 2}}});  // t3 then t4: one Transpose
  t = b.Op("Reshape", "r1", {t, b.Ints("s1", {-1, 60})});
  t = b.Op("Reshape", "r2", {t, b.Ints("s2", {-1, 6, 10})});
  b.Output(t, DataType::kFloat32, {-1, 6, 10});
  const Graph g = WithInferredShapes(b.Finish());
  const OptimizedGraph opt = OptimizeGraph(WithInferredShapes(g, 2), {});
  const auto ops = OpCounts(opt.graph);
  EXPECT_EQ(ops.at("Transpose"), 1) << opt.ReportJson().dump();
  EXPECT_EQ(ops.at("Reshape"), 1);
  const Node& tr = *std::find_if(opt.graph.nodes.begin(), opt.graph.nodes.end(),
                                 [](const Node& n) { return n.op_type == "Transpose"; });
  EXPECT_EQ(tr.IntsAttr("perm"), (std::vector<std::int64_t>{0, 3, 2, 1}));
  ExpectMatchesReference(g, 2);
}

TEST(OptimizedFusion, BertLayerLaunchesFewerKernels) {
  const Graph g = testing::Zoo("bert-base", {{"layers", 1}, {"sequence", 16}});
  const auto all = ExpectMatchesReference(g, 1);
  const auto before = ExpectMatchesReference(g, 1, {{"disable_passes", "fuse_attention,eliminate_transposes,fuse_qkv,fuse_elementwise"}});
  // Attention: 4 transposes, 2 batched GEMMs, the scale and the softmax become one launch (-7); the q/k/v
  // projections one GEMM + epilogue (-4); the embeddings' two Adds one generated kernel (-1).
  EXPECT_EQ(before["kernels_per_inference"].get<int>() - all["kernels_per_inference"].get<int>(), 12)
      << all["launches_by_kind"].dump() << " vs " << before["launches_by_kind"].dump();
}

// fuse_reduction: each ResNet bottleneck's first convolution split over depth (its reduction launch adds the bias
// and Relu) and its second a Winograd F(2x2, 3x3), choices written into the plan cache. With the option on, the
// reduction is folded into the Winograd input transform: one launch fewer per pair, and the answer still the
// reference's (which it would not be if the folded kernel dropped the bias, the activation or a split).
TEST(OptimizedFusion, SplitkReductionFoldsIntoTheWinogradInputTransform) {
  testing::FreshPlanCache cache;
  const Graph g = testing::Zoo("resnet50", {{"image", 32}});
  auto force_choices = [&](const nlohmann::json& options) {
    OpenClOptimizedEngine e(EngineConfig{"any", "", 0, options});
    e.Prepare(g, Precision::kFp32, 1);
    const std::string file = e.Describe()["plan_cache"]["file"];
    std::ifstream in(file);
    nlohmann::json doc = nlohmann::json::parse(in);
    for (auto& [node, choice] : doc["plan"]["choices"].items()) {
      if (node.rfind("layer", 0) != 0) continue;
      if (node.ends_with(".conv1")) choice = "igemm_64x32x16_4x2_k4";
      if (node.ends_with(".conv2")) choice = "winograd_f2_64x32";  // refused (stride 2) where it does not fit
    }
    doc["checksum"] = cl::Fnv(doc["key"].dump() + doc["plan"].dump());
    std::ofstream(file) << doc.dump();
  };
  const nlohmann::json on = {{"fuse_reduction", "on"}, {"plan_cache", true}};
  const nlohmann::json off = {{"fuse_reduction", "off"}, {"plan_cache", true}};
  force_choices(on);
  force_choices(off);
  const auto folded = ExpectMatchesReference(g, 1, on), plain = ExpectMatchesReference(g, 1, off);
  ASSERT_EQ(folded["plan_cache"]["status"], "hit");
  ASSERT_EQ(plain["plan_cache"]["status"], "hit");
  // 16 bottlenecks; the first of layers 2-4 has a stride-2 3x3 convolution, which Winograd does not take.
  ASSERT_EQ(folded["folded_reductions"].size(), 13u) << folded["folded_reductions"].dump();
  EXPECT_EQ(folded["folded_reductions"][0], "layer1.0.conv1 -> layer1.0.conv2");
  EXPECT_TRUE(plain["folded_reductions"].empty());
  EXPECT_EQ(folded["launches_by_kind"].value("winograd_f2_64x32.input_reduce", 0), 13);
  EXPECT_EQ(plain["launches_by_kind"].value("splitk_epilogue", 0) - folded["launches_by_kind"].value("splitk_epilogue", 0),
            13);
  EXPECT_EQ(plain["kernels_per_inference"].get<int>() - folded["kernels_per_inference"].get<int>(), 13);
}

}  // namespace
}  // namespace joulebench
