// Reference elementwise ops: broadcasting arithmetic (float32 and int64), activations, Where, Cast.
#include <algorithm>
#include <cmath>

#include "engines/reference/ref_util.h"
#include "engines/reference/reference_ops.h"

namespace joulebench {
namespace {

using ref::Fail;
using ref::In;

template <typename FloatOp, typename IntOp>
std::vector<Tensor> Binary(const Node& node, const std::vector<const Tensor*>& in, FloatOp fop, IntOp iop) {
  const Tensor& a = In(node, in, 0);
  const Tensor& b = In(node, in, 1);
  if (a.type() != b.type()) {
    Fail(node, fmt::format("input types differ ({} and {})", DataTypeName(a.type()), DataTypeName(b.type())));
  }
  const Shape out_shape = ref::Broadcast(node, {a.shape(), b.shape()});
  const auto off = ref::BroadcastOffsets(out_shape, {a.shape(), b.shape()});
  Tensor y(a.type(), out_shape);
  const std::int64_t n = y.size();
  if (a.type() == DataType::kFloat32) {
    auto A = a.f32(), B = b.f32();
    auto Y = y.f32();
    for (std::int64_t i = 0; i < n; ++i) Y[i] = fop(A[off[0][i]], B[off[1][i]]);
  } else if (a.type() == DataType::kInt64) {
    auto A = a.i64(), B = b.i64();
    auto Y = y.i64();
    for (std::int64_t i = 0; i < n; ++i) Y[i] = iop(A[off[0][i]], B[off[1][i]]);
  } else {
    Fail(node, "bool inputs are not supported");
  }
  return {std::move(y)};
}

template <typename F>
std::vector<Tensor> Unary(const Node& node, const std::vector<const Tensor*>& in, F f) {
  const Tensor& x = In(node, in, 0);
  if (x.type() != DataType::kFloat32) Fail(node, fmt::format("expects float32, got {}", DataTypeName(x.type())));
  Tensor y(DataType::kFloat32, x.shape());
  auto X = x.f32();
  auto Y = y.f32();
  for (std::int64_t i = 0; i < x.size(); ++i) Y[i] = f(X[i]);
  return {std::move(y)};
}

std::int64_t IntDiv(const Node& node, std::int64_t a, std::int64_t b) {
  if (b == 0) Fail(node, "integer division by zero");
  return a / b;
}

#define JB_BINARY(NAME, FEXPR, IEXPR)                                                          \
  std::vector<Tensor> NAME(const Node& n, const std::vector<const Tensor*>& in, int) {        \
    return Binary(n, in, [](float a, float b) { return FEXPR; },                               \
                  [&n](std::int64_t a, std::int64_t b) { (void)n; return IEXPR; });            \
  }
JB_BINARY(Add, a + b, a + b)
JB_BINARY(Sub, a - b, a - b)
JB_BINARY(Mul, a * b, a * b)
JB_BINARY(Div, a / b, IntDiv(n, a, b))
JB_BINARY(Pow, std::pow(a, b), static_cast<std::int64_t>(std::pow(static_cast<double>(a), static_cast<double>(b))))
#undef JB_BINARY

#define JB_UNARY(NAME, EXPR)                                                  \
  std::vector<Tensor> NAME(const Node& n, const std::vector<const Tensor*>& in, int) { \
    return Unary(n, in, [&n](float x) { (void)n; return EXPR; });             \
  }
JB_UNARY(Sqrt, std::sqrt(x))
JB_UNARY(Erf, std::erf(x))
JB_UNARY(Exp, std::exp(x))
JB_UNARY(Neg, -x)
JB_UNARY(Relu, x > 0.0f ? x : 0.0f)
JB_UNARY(Sigmoid, 1.0f / (1.0f + std::exp(-x)))
JB_UNARY(Tanh, std::tanh(x))
JB_UNARY(LeakyRelu, x >= 0.0f ? x : n.FloatAttr("alpha", 0.01f) * x)
JB_UNARY(HardSigmoid, std::max(0.0f, std::min(1.0f, n.FloatAttr("alpha", 0.2f) * x + n.FloatAttr("beta", 0.5f))))
JB_UNARY(HardSwish, x * std::max(0.0f, std::min(1.0f, x / 6.0f + 0.5f)))
#undef JB_UNARY

// Gelu (opset 20; accepted at any opset): approximate = "none" (erf) or "tanh".
std::vector<Tensor> Gelu(const Node& n, const std::vector<const Tensor*>& in, int) {
  if (n.StringAttr("approximate", "none") == "tanh") {
    return Unary(n, in, [](float x) {
      const float k = std::sqrt(2.0f / static_cast<float>(M_PI));
      return 0.5f * x * (1.0f + std::tanh(k * (x + 0.044715f * x * x * x)));
    });
  }
  return Unary(n, in, [](float x) { return 0.5f * x * (1.0f + std::erf(x / std::sqrt(2.0f))); });
}

// Clip: bounds are inputs 1 and 2 from opset 11, attributes min/max before.
std::vector<Tensor> Clip(const Node& n, const std::vector<const Tensor*>& in, int opset) {
  float lo = -INFINITY, hi = INFINITY;
  if (opset >= 11) {
    if (const Tensor* t = ref::Opt(in, 1)) lo = static_cast<float>(t->AsDouble(0));
    if (const Tensor* t = ref::Opt(in, 2)) hi = static_cast<float>(t->AsDouble(0));
  } else {
    lo = n.FloatAttr("min", lo);
    hi = n.FloatAttr("max", hi);
  }
  return Unary(n, in, [lo, hi](float x) { return std::min(hi, std::max(lo, x)); });
}

std::vector<Tensor> Where(const Node& n, const std::vector<const Tensor*>& in, int) {
  const Tensor& c = In(n, in, 0);
  const Tensor& x = In(n, in, 1);
  const Tensor& y = In(n, in, 2);
  if (c.type() != DataType::kBool) Fail(n, "condition must be bool");
  if (x.type() != y.type()) Fail(n, "X and Y types differ");
  const Shape out_shape = ref::Broadcast(n, {c.shape(), x.shape(), y.shape()});
  const auto off = ref::BroadcastOffsets(out_shape, {c.shape(), x.shape(), y.shape()});
  Tensor out(x.type(), out_shape);
  const std::size_t es = DataTypeSize(x.type());
  auto C = c.b8();
  for (std::int64_t i = 0; i < out.size(); ++i) {
    const Tensor& src = C[off[0][i]] ? x : y;
    const std::int64_t o = C[off[0][i]] ? off[1][i] : off[2][i];
    std::copy_n(src.raw() + o * es, es, out.raw() + i * es);
  }
  return {std::move(out)};
}

std::vector<Tensor> Equal(const Node& n, const std::vector<const Tensor*>& in, int) {
  const Tensor& a = In(n, in, 0);
  const Tensor& b = In(n, in, 1);
  const Shape out_shape = ref::Broadcast(n, {a.shape(), b.shape()});
  const auto off = ref::BroadcastOffsets(out_shape, {a.shape(), b.shape()});
  Tensor y(DataType::kBool, out_shape);
  auto Y = y.b8();
  for (std::int64_t i = 0; i < y.size(); ++i) Y[i] = a.AsDouble(off[0][i]) == b.AsDouble(off[1][i]);
  return {std::move(y)};
}

// Cast: `to` is an ONNX TensorProto data type: 1 float, 6 int32 and 7 int64 (held as int64), 9 bool.
std::vector<Tensor> Cast(const Node& n, const std::vector<const Tensor*>& in, int) {
  const Tensor& x = In(n, in, 0);
  const std::int64_t to = n.IntAttr("to", 1);
  DataType type;
  if (to == 1) {
    type = DataType::kFloat32;
  } else if (to == 6 || to == 7) {
    type = DataType::kInt64;
  } else if (to == 9) {
    type = DataType::kBool;
  } else {
    Fail(n, fmt::format("cast to ONNX type {} is not supported (float, int32, int64, bool are)", to));
  }
  Tensor y(type, x.shape());
  for (std::int64_t i = 0; i < x.size(); ++i) {
    const double v = x.AsDouble(i);
    if (type == DataType::kFloat32) y.f32()[i] = static_cast<float>(v);
    if (type == DataType::kInt64) y.i64()[i] = static_cast<std::int64_t>(v);
    if (type == DataType::kBool) y.b8()[i] = v != 0;
  }
  return {std::move(y)};
}

}  // namespace

void RegisterElementwiseOps(ReferenceOpTable& t) {
  for (auto [name, op] : std::initializer_list<std::pair<const char*, ReferenceOp>>{
           {"Add", &Add},         {"Sub", &Sub},       {"Mul", &Mul},         {"Div", &Div},
           {"Pow", &Pow},         {"Sqrt", &Sqrt},     {"Erf", &Erf},         {"Exp", &Exp},
           {"Neg", &Neg},         {"Relu", &Relu},     {"Sigmoid", &Sigmoid}, {"Tanh", &Tanh},
           {"LeakyRelu", &LeakyRelu}, {"HardSigmoid", &HardSigmoid}, {"HardSwish", &HardSwish},
           {"Gelu", &Gelu},       {"Clip", &Clip},     {"Where", &Where},     {"Equal", &Equal},
           {"Cast", &Cast}}) {
    t[name] = op;
  }
}

}  // namespace joulebench
