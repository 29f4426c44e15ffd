// Reference ops against independently derived expectations: hand-computed small cases and mathematical
// properties (a direct convolution loop written here, softmax rows summing to one, normalised moments, ...).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "engines/reference/reference_ops.h"
#include "harness/common/errors.h"

namespace joulebench {
namespace {

Tensor F(Shape s, std::vector<float> v) {
  Tensor t(DataType::kFloat32, std::move(s));
  std::copy(v.begin(), v.end(), t.f32().begin());
  return t;
}
Tensor I(Shape s, std::vector<std::int64_t> v) {
  Tensor t(DataType::kInt64, std::move(s));
  std::copy(v.begin(), v.end(), t.i64().begin());
  return t;
}
Tensor Rand(Shape s, std::uint64_t seed) {
  Tensor t(DataType::kFloat32, std::move(s));
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> d(-1, 1);
  for (auto& v : t.f32()) v = d(rng);
  return t;
}
std::vector<float> V(const Tensor& t) { return {t.f32().begin(), t.f32().end()}; }
std::vector<std::int64_t> Ints(const Tensor& t) { return {t.i64().begin(), t.i64().end()}; }

std::vector<Tensor> RunOp(const std::string& op, std::vector<const Tensor*> in, std::map<std::string, Attribute> attrs = {},
                        int opset = 17, int n_outputs = 1) {
  Node n{op, "t", {}, {}, std::move(attrs)};
  for (int i = 0; i < n_outputs; ++i) n.outputs.push_back("y" + std::to_string(i));
  return FindReferenceOp(op)(n, in, opset);
}

// Convolution straight from the definition, for odd shapes the im2col path must agree with.
Tensor DirectConv(const Tensor& x, const Tensor& w, std::int64_t stride, std::int64_t pad, std::int64_t dil,
                  std::int64_t groups) {
  const auto N = x.shape()[0], C = x.shape()[1], H = x.shape()[2], W = x.shape()[3];
  const auto M = w.shape()[0], Cg = w.shape()[1], KH = w.shape()[2], KW = w.shape()[3];
  const auto OH = (H + 2 * pad - dil * (KH - 1) - 1) / stride + 1, OW = (W + 2 * pad - dil * (KW - 1) - 1) / stride + 1;
  Tensor y(DataType::kFloat32, {N, M, OH, OW});
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t m = 0; m < M; ++m)
      for (std::int64_t oy = 0; oy < OH; ++oy)
        for (std::int64_t ox = 0; ox < OW; ++ox) {
          double acc = 0;
          const std::int64_t g = m / (M / groups);
          for (std::int64_t c = 0; c < Cg; ++c)
            for (std::int64_t i = 0; i < KH; ++i)
              for (std::int64_t j = 0; j < KW; ++j) {
                const auto iy = oy * stride - pad + i * dil, ix = ox * stride - pad + j * dil;
                if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                acc += double(x.f32()[((n * C + g * Cg + c) * H + iy) * W + ix]) * w.f32()[((m * Cg + c) * KH + i) * KW + j];
              }
          y.f32()[((n * M + m) * OH + oy) * OW + ox] = float(acc);
        }
  return y;
}

TEST(ReferenceOps, ConvMatchesTheDefinitionOnOddShapes) {
  struct Case { Shape x, w; std::int64_t stride, pad, dil, groups; };
  const Case cases[] = {{{1, 3, 7, 5}, {4, 3, 3, 3}, 1, 1, 1, 1},  {{3, 4, 9, 9}, {6, 2, 3, 3}, 2, 1, 1, 2},
                        {{2, 6, 8, 7}, {6, 1, 3, 3}, 1, 1, 1, 6},  {{1, 2, 11, 10}, {3, 2, 3, 3}, 1, 2, 2, 1},
                        {{1, 5, 6, 6}, {7, 5, 1, 1}, 2, 0, 1, 1}};
  int seed = 0;
  for (const auto& c : cases) {
    const Tensor x = Rand(c.x, ++seed), w = Rand(c.w, ++seed);
    const auto got = RunOp("Conv", {&x, &w},
                         {{"strides", std::vector<std::int64_t>{c.stride, c.stride}},
                          {"pads", std::vector<std::int64_t>{c.pad, c.pad, c.pad, c.pad}},
                          {"dilations", std::vector<std::int64_t>{c.dil, c.dil}},
                          {"group", c.groups}})[0];
    const Tensor want = DirectConv(x, w, c.stride, c.pad, c.dil, c.groups);
    ASSERT_EQ(got.shape(), want.shape());
    for (std::int64_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got.f32()[i], want.f32()[i], 1e-5f);
  }
}

TEST(ReferenceOps, ConvBiasAndSameUpperPadding) {
  const Tensor x = F({1, 1, 2, 3}, {1, 2, 3, 4, 5, 6}), w = F({1, 1, 2, 2}, {1, 1, 1, 1}), b = F({1}, {10});
  // SAME_UPPER with a 2x2 kernel pads one row/column at the end: sums of 2x2 windows, then the border.
  const auto y = RunOp("Conv", {&x, &w, &b}, {{"auto_pad", std::string("SAME_UPPER")}})[0];
  EXPECT_EQ(y.shape(), (Shape{1, 1, 2, 3}));
  EXPECT_EQ(V(y), (std::vector<float>{22, 26, 19, 19, 21, 16}));
}

TEST(ReferenceOps, MatMulBroadcastsBatchesAndPromotesVectors) {
  const Tensor a = Rand({2, 1, 3, 4}, 1), b = Rand({3, 4, 5}, 2);
  const auto y = RunOp("MatMul", {&a, &b})[0];
  ASSERT_EQ(y.shape(), (Shape{2, 3, 3, 5}));
  // y[i, j] = a[i, 0] @ b[j]
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 5; ++c) {
          double acc = 0;
          for (int k = 0; k < 4; ++k) acc += double(a.f32()[(i * 3 + r) * 4 + k]) * b.f32()[(j * 4 + k) * 5 + c];
          EXPECT_NEAR(y.f32()[((i * 3 + j) * 3 + r) * 5 + c], acc, 1e-5);
        }
  const Tensor v = F({2}, {1, 2}), m = F({2, 2}, {1, 2, 3, 4});
  const auto vm = RunOp("MatMul", {&v, &m})[0];
  EXPECT_EQ(vm.shape(), (Shape{2}));
  EXPECT_EQ(V(vm), (std::vector<float>{7, 10}));
}

TEST(ReferenceOps, BroadcastingArithmeticAndIntegerShapes) {
  const Tensor a = F({2, 3}, {1, 2, 3, 4, 5, 6}), b = F({3}, {10, 20, 30});
  EXPECT_EQ(V(RunOp("Add", {&a, &b})[0]), (std::vector<float>{11, 22, 33, 14, 25, 36}));
  const Tensor col = F({2, 1}, {2, 4});
  EXPECT_EQ(V(RunOp("Div", {&a, &col})[0]), (std::vector<float>{0.5f, 1, 1.5f, 1, 1.25f, 1.5f}));
  const Tensor p = F({}, {2});
  EXPECT_EQ(V(RunOp("Pow", {&a, &p})[0]), (std::vector<float>{1, 4, 9, 16, 25, 36}));
  const Tensor i1 = I({2}, {6, 8}), i2 = I({1}, {2});
  EXPECT_EQ(RunOp("Div", {&i1, &i2})[0].i64()[1], 4);
  const Tensor bad = F({4}, {1, 2, 3, 4});
  EXPECT_THROW(RunOp("Add", {&a, &bad}), InputError);
}

TEST(ReferenceOps, Activations) {
  const Tensor x = F({5}, {-4, -1, 0, 1, 4});
  const auto hsw = V(RunOp("HardSwish", {&x})[0]);
  const float want_hsw[] = {0, -1.0f / 3, 0, 2.0f / 3, 4};  // x * clamp(x / 6 + 1/2, 0, 1)
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(hsw[i], want_hsw[i], 1e-6f);
  EXPECT_EQ(V(RunOp("LeakyRelu", {&x}, {{"alpha", 0.1f}})[0]), (std::vector<float>{-0.4f, -0.1f, 0, 1, 4}));
  const Tensor lo = F({}, {0}), hi = F({}, {3});
  EXPECT_EQ(V(RunOp("Clip", {&x, &lo, &hi})[0]), (std::vector<float>{0, 0, 0, 1, 3}));
  EXPECT_EQ(V(RunOp("Clip", {&x}, {{"min", -2.0f}, {"max", 2.0f}}, 6)[0]), (std::vector<float>{-2, -1, 0, 1, 2}));
  const auto g = V(RunOp("Gelu", {&x})[0]);
  EXPECT_NEAR(g[3], 0.8413447f, 1e-6f);  // Phi(1)
  EXPECT_NEAR(g[1], -0.1586553f, 1e-6f);
  const auto hs = V(RunOp("HardSigmoid", {&x})[0]);
  EXPECT_FLOAT_EQ(hs[2], 0.5f);
  EXPECT_FLOAT_EQ(hs[4], 1.0f);
  EXPECT_NEAR(V(RunOp("Sigmoid", {&x})[0])[3], 0.7310586f, 1e-6f);
}

TEST(ReferenceOps, SoftmaxRowsSumToOneAlongTheAxisByOpset) {
  const Tensor x = Rand({2, 3, 4}, 7);
  const auto y13 = RunOp("Softmax", {&x}, {{"axis", std::int64_t{1}}}, 13)[0];
  for (int a = 0; a < 2; ++a)
    for (int c = 0; c < 4; ++c) {
      double s = 0;
      for (int b = 0; b < 3; ++b) s += y13.f32()[(a * 3 + b) * 4 + c];
      EXPECT_NEAR(s, 1.0, 1e-6);
    }
  const auto y11 = RunOp("Softmax", {&x}, {{"axis", std::int64_t{1}}}, 11)[0];  // coerced to [2, 12]
  for (int a = 0; a < 2; ++a) {
    double s = 0;
    for (int i = 0; i < 12; ++i) s += y11.f32()[a * 12 + i];
    EXPECT_NEAR(s, 1.0, 1e-6);
  }
}

TEST(ReferenceOps, Normalizations) {
  const Tensor x = Rand({3, 8}, 3), scale = F({8}, {1, 1, 1, 1, 1, 1, 1, 1}), bias = F({8}, {0, 0, 0, 0, 0, 0, 0, 0});
  const auto y = RunOp("LayerNormalization", {&x, &scale, &bias}, {{"epsilon", 0.0f}})[0];
  for (int r = 0; r < 3; ++r) {
    double m = 0, v = 0;
    for (int i = 0; i < 8; ++i) m += y.f32()[r * 8 + i];
    for (int i = 0; i < 8; ++i) v += std::pow(y.f32()[r * 8 + i] - m / 8, 2);
    EXPECT_NEAR(m / 8, 0, 1e-6);
    EXPECT_NEAR(v / 8, 1, 1e-5);
  }
  const Tensor bx = F({1, 2, 1, 2}, {1, 2, 3, 4}), s = F({2}, {2, 1}), b = F({2}, {1, 0}), mean = F({2}, {1, 3}),
               var = F({2}, {4, 1});
  const auto bn = RunOp("BatchNormalization", {&bx, &s, &b, &mean, &var}, {{"epsilon", 0.0f}})[0];
  EXPECT_EQ(V(bn), (std::vector<float>{1, 2, 0, 1}));  // 2*(x-1)/2+1 ; (x-3)/1
}

TEST(ReferenceOps, PoolingWithPadsAndCeilMode) {
  const Tensor x = F({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  const auto mp = RunOp("MaxPool", {&x}, {{"kernel_shape", std::vector<std::int64_t>{2, 2}},
                                         {"strides", std::vector<std::int64_t>{2, 2}}, {"ceil_mode", std::int64_t{1}}})[0];
  EXPECT_EQ(mp.shape(), (Shape{1, 1, 2, 2}));
  EXPECT_EQ(V(mp), (std::vector<float>{5, 6, 8, 9}));
  const auto ap = RunOp("AveragePool", {&x}, {{"kernel_shape", std::vector<std::int64_t>{3, 3}},
                                             {"pads", std::vector<std::int64_t>{1, 1, 1, 1}}})[0];
  EXPECT_FLOAT_EQ(ap.f32()[0], (1 + 2 + 4 + 5) / 4.0f);  // padding excluded by default
  EXPECT_FLOAT_EQ(ap.f32()[4], 5.0f);
  EXPECT_FLOAT_EQ(V(RunOp("GlobalAveragePool", {&x})[0])[0], 5.0f);
  const Tensor r = Rand({2, 3, 4}, 9);
  const auto rm = RunOp("ReduceMean", {&r}, {{"axes", std::vector<std::int64_t>{-1}}, {"keepdims", std::int64_t{0}}})[0];
  EXPECT_EQ(rm.shape(), (Shape{2, 3}));
  EXPECT_NEAR(rm.f32()[5], (r.f32()[20] + r.f32()[21] + r.f32()[22] + r.f32()[23]) / 4, 1e-6);
}

TEST(ReferenceOps, ShapeSubgraphAsExportersWriteIt) {
  // Shape -> Gather -> Unsqueeze -> Concat -> Reshape: reshape [N, 6] into [N, 2, 3] whatever N is.
  const Tensor x = Rand({4, 6}, 11);
  const auto shape = RunOp("Shape", {&x})[0];
  EXPECT_EQ(Ints(shape), (std::vector<std::int64_t>{4, 6}));
  const Tensor zero = I({}, {0});
  const auto n = RunOp("Gather", {&shape, &zero})[0];
  const Tensor axes = I({1}, {0});
  const auto n1 = RunOp("Unsqueeze", {&n, &axes})[0];
  const Tensor rest = I({2}, {2, 3});
  const auto target = RunOp("Concat", {&n1, &rest}, {{"axis", std::int64_t{0}}})[0];
  const auto y = RunOp("Reshape", {&x, &target})[0];
  EXPECT_EQ(y.shape(), (Shape{4, 2, 3}));
  const Tensor keep = I({3}, {0, -1, 3});
  EXPECT_EQ(RunOp("Reshape", {&x, &keep})[0].shape(), (Shape{4, 2, 3}));  // 0 copies, -1 infers
}

TEST(ReferenceOps, DataMovement) {
  const Tensor x = F({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(V(RunOp("Transpose", {&x})[0]), (std::vector<float>{1, 4, 2, 5, 3, 6}));
  const Tensor starts = I({1}, {-1}), ends = I({1}, {-4}), ax = I({1}, {1}), steps = I({1}, {-2});
  EXPECT_EQ(V(RunOp("Slice", {&x, &starts, &ends, &ax, &steps})[0]), (std::vector<float>{3, 1, 6, 4}));
  const Tensor split = I({2}, {1, 2});
  const auto parts = RunOp("Split", {&x, &split}, {{"axis", std::int64_t{1}}}, 17, 2);
  EXPECT_EQ(V(parts[1]), (std::vector<float>{2, 3, 5, 6}));
  const Tensor idx = I({2}, {-1, 0});
  EXPECT_EQ(V(RunOp("Gather", {&x, &idx}, {{"axis", std::int64_t{1}}})[0]), (std::vector<float>{3, 1, 6, 4}));
  const Tensor pads = I({4}, {0, 1, 0, 1});
  EXPECT_EQ(V(RunOp("Pad", {&x, &pads}, {{"mode", std::string("reflect")}})[0]),
            (std::vector<float>{2, 1, 2, 3, 2, 5, 4, 5, 6, 5}));
  EXPECT_EQ(V(RunOp("Pad", {&x, &pads}, {{"mode", std::string("edge")}})[0]),
            (std::vector<float>{1, 1, 2, 3, 3, 4, 4, 5, 6, 6}));
  const Tensor sq = F({1, 3, 1}, {1, 2, 3});
  const Tensor sq_axes = I({1}, {0});
  EXPECT_EQ(RunOp("Squeeze", {&sq, &sq_axes})[0].shape(), (Shape{3, 1}));
  EXPECT_EQ(RunOp("Squeeze", {&sq})[0].shape(), (Shape{3}));
  EXPECT_EQ(RunOp("Flatten", {&sq}, {{"axis", std::int64_t{2}}})[0].shape(), (Shape{3, 1}));
  Tensor cond(DataType::kBool, {3});
  cond.b8()[0] = 1, cond.b8()[1] = 0, cond.b8()[2] = 1;
  const Tensor a = F({3}, {1, 2, 3}), b = F({1}, {-1});
  EXPECT_EQ(V(RunOp("Where", {&cond, &a, &b})[0]), (std::vector<float>{1, -1, 3}));
  const Tensor f = F({3}, {1.7f, -2.2f, 0});
  EXPECT_EQ(Ints(RunOp("Cast", {&f}, {{"to", std::int64_t{7}}})[0]), (std::vector<std::int64_t>{1, -2, 0}));
  const Tensor shp = I({2}, {2, 2});
  Tensor seven(DataType::kFloat32, {1});
  seven.f32()[0] = 7;
  EXPECT_EQ(V(RunOp("ConstantOfShape", {&shp}, {{"value", seven}})[0]), (std::vector<float>{7, 7, 7, 7}));
}

}  // namespace
}  // namespace joulebench
