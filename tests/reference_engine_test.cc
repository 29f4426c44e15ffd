// Reference engine against hand-computed results: each op, then a built-in MLP end to end.
#include <gtest/gtest.h>

#include "engines/builtin_models.h"
#include "engines/reference/reference_engine.h"
#include "harness/common/errors.h"

namespace joulebench {
namespace {

Tensor Make(Shape shape, std::vector<float> values) {
  Tensor t(DataType::kFloat32, std::move(shape));
  std::copy(values.begin(), values.end(), t.f32().begin());
  return t;
}

Graph OneNode(Node node, std::vector<TensorInfo> inputs, TensorMap initializers) {
  Graph g;
  g.name = "t";
  g.inputs = std::move(inputs);
  g.initializers = std::move(initializers);
  g.outputs.push_back({node.outputs[0], DataType::kFloat32, {}});
  g.nodes.push_back(std::move(node));
  return g;
}

std::vector<float> RunGraph(const Graph& g, TensorMap inputs) {
  ReferenceEngine e;
  e.Prepare(g, Precision::kFp32, g.inputs[0].shape[0]);
  e.Stage(inputs);
  e.Infer();
  auto out = e.Outputs().at(g.outputs[0].name);
  return {out.f32().begin(), out.f32().end()};
}

TEST(ReferenceEngine, GemmWithTransposesAlphaBetaAndBroadcastBias) {
  // A = [[1,2],[3,4]] given transposed; B = [[1,0,2],[0,1,3]] given transposed (3x2).
  // A*B = [[1,2,8],[3,4,18]]; alpha 2 -> [[2,4,16],[6,8,36]]; beta 0.5 * C [10,20,30] -> +[5,10,15].
  Node n{"Gemm", "g", {"a", "b", "c"}, {"y"},
         {{"transA", std::int64_t{1}}, {"transB", std::int64_t{1}}, {"alpha", 2.0f}, {"beta", 0.5f}}};
  Graph g = OneNode(n, {{"a", DataType::kFloat32, {2, 2}}},
                    {{"b", Make({3, 2}, {1, 0, 0, 1, 2, 3})}, {"c", Make({3}, {10, 20, 30})}});
  EXPECT_EQ(RunGraph(g, {{"a", Make({2, 2}, {1, 3, 2, 4})}}), (std::vector<float>{7, 14, 31, 11, 18, 51}));
}

TEST(ReferenceEngine, GemmRejectsMismatchedShapes) {
  Node n{"Gemm", "bad", {"a", "b"}, {"y"}, {}};
  Graph g = OneNode(n, {{"a", DataType::kFloat32, {2, 3}}}, {{"b", Make({2, 2}, {1, 2, 3, 4})}});
  ReferenceEngine e;
  e.Prepare(g, Precision::kFp32, 2);
  e.Stage({{"a", Make({2, 3}, {1, 2, 3, 4, 5, 6})}});
  EXPECT_THROW(e.Infer(), InputError);
}

TEST(ReferenceEngine, Relu) {
  Graph g = OneNode({"Relu", "r", {"x"}, {"y"}, {}}, {{"x", DataType::kFloat32, {4}}}, {});
  EXPECT_EQ(RunGraph(g, {{"x", Make({4}, {-2, -0.0f, 0.5f, 3})}}), (std::vector<float>{0, 0, 0.5f, 3}));
}

TEST(ReferenceEngine, ReportsUnsupportedOpsBeforeRunning) {
  Graph g = OneNode({"NonMaxSuppression", "nms1", {"x"}, {"y"}, {}}, {{"x", DataType::kFloat32, {4}}}, {});
  auto missing = ReferenceEngine().Supports(g);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].op_type, "NonMaxSuppression");
  EXPECT_EQ(missing[0].node_name, "nms1");
  EXPECT_THROW(ReferenceEngine().Prepare(g, Precision::kFp16, 1), InputError);
}

TEST(ReferenceEngine, MlpMatchesAHandWrittenForwardPass) {
  const nlohmann::json params = {{"input", 3}, {"hidden", {4}}, {"output", 2}, {"seed", 5}};
  const Graph g = MakeBuiltinModel("mlp", params);
  EXPECT_EQ(g.ParameterCount(), 3 * 4 + 4 + 4 * 2 + 2);
  EXPECT_DOUBLE_EQ(g.FlopsPerInference(), 2.0 * (3 * 4 + 4 * 2) + 4 + 2);
  const auto inputs = MakeRandomInputs(g, 2, 99);
  const auto& x = inputs.at("input").f32();
  const auto& w0 = g.initializers.at("fc0.weight").f32();
  const auto& b0 = g.initializers.at("fc0.bias").f32();
  const auto& w1 = g.initializers.at("fc1.weight").f32();
  const auto& b1 = g.initializers.at("fc1.bias").f32();
  std::vector<float> want;
  for (int r = 0; r < 2; ++r) {
    float h[4];
    for (int j = 0; j < 4; ++j) {
      double acc = b0[j];
      for (int k = 0; k < 3; ++k) acc += double(x[r * 3 + k]) * w0[j * 3 + k];
      h[j] = acc > 0 ? float(acc) : 0.0f;
    }
    for (int j = 0; j < 2; ++j) {
      double acc = b1[j];
      for (int k = 0; k < 4; ++k) acc += double(h[k]) * w1[j * 4 + k];
      want.push_back(float(acc));
    }
  }
  ReferenceEngine e;
  e.Prepare(g, Precision::kFp32, 2);
  e.Stage(inputs);
  e.Infer();
  const auto got = e.Outputs().at("output");
  ASSERT_EQ(got.shape(), (Shape{2, 2}));
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(got.f32()[i], want[i], 1e-6f);
  // Same seed, same model: the hash is stable; another seed changes it.
  EXPECT_EQ(g.Hash(), MakeBuiltinModel("mlp", params).Hash());
  auto other = params;
  other["seed"] = 6;
  EXPECT_NE(g.Hash(), MakeBuiltinModel("mlp", other).Hash());
}

}  // namespace
}  // namespace joulebench
