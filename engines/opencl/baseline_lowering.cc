// Per-op lowering of the baseline engine: each ONNX node becomes the launches a framework's eager mode would issue.
#include <clblast.h>

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "engines/opencl/baseline_builder.h"
#include "engines/window2d.h"
#include "harness/common/errors.h"

namespace joulebench {

std::vector<std::int64_t> Strides(const Shape& s) {
  std::vector<std::int64_t> st(s.size(), 1);
  for (std::int64_t i = static_cast<std::int64_t>(s.size()) - 2; i >= 0; --i) st[i] = st[i + 1] * s[i + 1];
  return st;
}

std::vector<std::int64_t> BroadcastStrides(const Shape& in, const Shape& out) {
  std::vector<std::int64_t> st(out.size(), 0);
  const auto s = Strides(in);
  for (std::size_t i = 0; i < in.size(); ++i) {
    const std::size_t o = out.size() - in.size() + i;
    st[o] = in[i] == 1 ? 0 : s[i];
  }
  return st;
}

namespace {

using Builder = OpenClBaselineEngine::Builder;
using DevTensor = OpenClBaselineEngine::DevTensor;

[[noreturn]] void Fail(const Node& n, const std::string& what) {
  throw InputError(fmt::format("opencl-baseline: {} node '{}': {}", n.op_type, n.name, what));
}

std::int64_t Axis(const Node& n, std::int64_t axis, std::int64_t rank) {
  const std::int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) Fail(n, fmt::format("axis {} out of range for rank {}", axis, rank));
  return a;
}

std::vector<std::int64_t> HostInts(Builder& b, const Node& n, std::size_t i) {
  const Tensor* t = i < n.inputs.size() && !n.inputs[i].empty() ? b.Host(n.inputs[i]) : nullptr;
  if (!t) Fail(n, fmt::format("input {} must be known before running (a constant or a shape computation)", i));
  std::vector<std::int64_t> v;
  for (std::int64_t k = 0; k < t->size(); ++k) v.push_back(t->AsInt(k));
  return v;
}

void ExpectFloat(const Node& n, const DevTensor& t) {
  if (t.type != DataType::kFloat32) Fail(n, fmt::format("expects float32, got {}", DataTypeName(t.type)));
}

int TypeCode(DataType t) { return t == DataType::kFloat32 ? 0 : t == DataType::kInt64 ? 1 : 2; }

// Copies `shape` elements from src (strides, offset) to dst (strides, offset).
void StridedCopy(Builder& b, const Node& n, const DevTensor& src, std::int64_t src_off,
                 const std::vector<std::int64_t>& src_st, const DevTensor& dst, std::int64_t dst_off,
                 const std::vector<std::int64_t>& dst_st, const Shape& shape) {
  std::vector<std::int64_t> meta{static_cast<std::int64_t>(shape.size())};
  meta.insert(meta.end(), shape.begin(), shape.end());
  meta.insert(meta.end(), src_st.begin(), src_st.end());
  meta.insert(meta.end(), dst_st.begin(), dst_st.end());
  const std::int64_t count = ElementCount(shape);
  if (count == 0) return;
  b.Kernel(n, "strided_copy",
           {M(src.buffer->mem()), L(src_off), M(dst.buffer->mem()), L(dst_off), M(b.Meta(meta)), L(count),
            I(static_cast<std::int32_t>(DataTypeSize(src.type)))},
           static_cast<std::size_t>(count), 64);
}

void Gemm(Builder& b, const Node& n, clblast::Transpose ta, clblast::Transpose tb, std::size_t m, std::size_t nn,
          std::size_t k, float alpha, cl_mem a, std::size_t a_off, std::size_t lda, std::size_t a_stride, cl_mem bb,
          std::size_t b_off, std::size_t ldb, std::size_t b_stride, cl_mem c, std::size_t c_off, std::size_t ldc,
          std::size_t c_stride, std::size_t batch) {
  cl_command_queue* q = b.Queue();
  b.Custom(n, batch > 1 ? "clblast_gemm_strided_batched" : "clblast_gemm", [=] {
    const auto st = batch > 1
                        ? clblast::GemmStridedBatched<float>(clblast::Layout::kRowMajor, ta, tb, m, nn, k, alpha, a,
                                                             a_off, lda, a_stride, bb, b_off, ldb, b_stride, 0.0f, c,
                                                             c_off, ldc, c_stride, batch, q)
                        : clblast::Gemm<float>(clblast::Layout::kRowMajor, ta, tb, m, nn, k, alpha, a, a_off, lda, bb,
                                               b_off, ldb, 0.0f, c, c_off, ldc, q);
    if (st != clblast::StatusCode::kSuccess) {
      throw EnvironmentError(fmt::format("CLBlast GEMM {}x{}x{} failed with status {}", m, nn, k, static_cast<int>(st)));
    }
  });
}

void Binary(Builder& b, const Node& n, int op) {
  DevTensor& x = b.Input(n, 0);
  DevTensor& y = b.Input(n, 1);
  ExpectFloat(n, x);
  ExpectFloat(n, y);
  DevTensor& out = b.Output(n, 0, DataType::kFloat32);
  std::vector<std::int64_t> meta{static_cast<std::int64_t>(out.shape.size())};
  meta.insert(meta.end(), out.shape.begin(), out.shape.end());
  for (const DevTensor* t : {&x, &y}) {
    const auto st = BroadcastStrides(t->shape, out.shape);
    meta.insert(meta.end(), st.begin(), st.end());
  }
  const std::int64_t count = ElementCount(out.shape);
  b.Kernel(n, "binary_f",
           {M(x.buffer->mem()), M(y.buffer->mem()), M(out.buffer->mem()), M(b.Meta(meta)), L(count), I(op), F(1.0f)},
           static_cast<std::size_t>(count), 64);
}

void Unary(Builder& b, const Node& n, int op, float alpha = 0, float beta = 0) {
  DevTensor& x = b.Input(n, 0);
  ExpectFloat(n, x);
  DevTensor& out = b.Output(n, 0, DataType::kFloat32);
  const std::int64_t count = ElementCount(out.shape);
  b.Kernel(n, "unary_f", {M(x.buffer->mem()), M(out.buffer->mem()), L(count), I(op), F(alpha), F(beta)},
           static_cast<std::size_t>(count), 64);
}

void Conv(Builder& b, const Node& n) {
  DevTensor& x = b.Input(n, 0);
  DevTensor& w = b.Input(n, 1);
  ExpectFloat(n, x);
  if (x.shape.size() != 4 || w.shape.size() != 4) Fail(n, "only 2-D convolution is supported");
  const bool has_bias = n.inputs.size() > 2 && !n.inputs[2].empty();
  DevTensor* bias = has_bias ? &b.Input(n, 2) : nullptr;
  const std::int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3], Mo = w.shape[0];
  const std::int64_t groups = n.IntAttr("group", 1);
  const auto ks = n.IntsAttr("kernel_shape", {w.shape[2], w.shape[3]});
  const Window2d g = ComputeWindow2d(n, H, W, ks[0], ks[1], false);
  DevTensor& y = b.Output(n, 0, DataType::kFloat32);
  const std::int64_t P = g.oh * g.ow;
  if (groups != 1) {  // grouped and depthwise: a direct convolution kernel, bias included
    const std::int64_t total = N * Mo * P;
    b.Kernel(n, "conv_direct",
             {M(x.buffer->mem()), M(w.buffer->mem()), M(bias ? bias->buffer->mem() : w.buffer->mem()),
              I(has_bias ? 1 : 0), M(y.buffer->mem()), L(C), L(H), L(W), L(Mo), L(groups), L(g.kh), L(g.kw), L(g.sh),
              L(g.sw), L(g.pt), L(g.pl), L(g.dh), L(g.dw), L(g.oh), L(g.ow), L(total)},
             static_cast<std::size_t>(total), 64);
    return;
  }
  const std::int64_t K = C * g.kh * g.kw;
  const bool pointwise = g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pl == 0 && g.pb == 0 &&
                         g.pr == 0;
  cl_mem cols = x.buffer->mem();
  if (!pointwise) {  // im2col into a scratch buffer for the whole batch, then one batched GEMM
    DevTensor& col = b.Scratch(n.outputs[0] + ".im2col", N * K * P);
    const std::int64_t total = N * K * P;
    b.Kernel(n, "im2col",
             {M(x.buffer->mem()), M(col.buffer->mem()), L(C), L(H), L(W), L(g.kh), L(g.kw), L(g.sh), L(g.sw), L(g.pt),
              L(g.pl), L(g.dh), L(g.dw), L(g.oh), L(g.ow), L(total)},
             static_cast<std::size_t>(total), 64);
    cols = col.buffer->mem();
  }
  // Y[n] (M x P) = W (M x K) * cols[n] (K x P)
  Gemm(b, n, clblast::Transpose::kNo, clblast::Transpose::kNo, Mo, P, K, 1.0f, w.buffer->mem(), 0, K, 0, cols, 0, P,
       K * P, y.buffer->mem(), 0, P, Mo * P, N);
  if (bias) {
    const std::int64_t count = N * Mo * P;
    b.Kernel(n, "bias_channel", {M(y.buffer->mem()), M(bias->buffer->mem()), L(Mo), L(P), L(count)},
             static_cast<std::size_t>(count), 64);
  }
}

void GemmOp(Builder& b, const Node& n) {
  DevTensor& a = b.Input(n, 0);
  DevTensor& w = b.Input(n, 1);
  ExpectFloat(n, a);
  const bool ta = n.IntAttr("transA", 0) != 0, tb = n.IntAttr("transB", 0) != 0;
  const float alpha = n.FloatAttr("alpha", 1.0f), beta = n.FloatAttr("beta", 1.0f);
  const std::int64_t Mr = ta ? a.shape[1] : a.shape[0], K = ta ? a.shape[0] : a.shape[1];
  const std::int64_t N = tb ? w.shape[0] : w.shape[1];
  DevTensor& y = b.Output(n, 0, DataType::kFloat32);
  Gemm(b, n, ta ? clblast::Transpose::kYes : clblast::Transpose::kNo,
       tb ? clblast::Transpose::kYes : clblast::Transpose::kNo, Mr, N, K, alpha, a.buffer->mem(), 0, ta ? Mr : K, 0,
       w.buffer->mem(), 0, tb ? K : N, 0, y.buffer->mem(), 0, N, 0, 1);
  if (n.inputs.size() > 2 && !n.inputs[2].empty() && beta != 0.0f) {  // y += beta * C (broadcast), its own kernel
    DevTensor& c = b.Input(n, 2);
    std::vector<std::int64_t> meta{2, Mr, N, Mr * N > 0 ? N : 0, 1};
    const auto cs = BroadcastStrides(c.shape, y.shape);
    meta.insert(meta.end(), cs.begin(), cs.end());
    b.Kernel(n, "binary_f",
             {M(y.buffer->mem()), M(c.buffer->mem()), M(y.buffer->mem()), M(b.Meta(meta)), L(Mr * N), I(5), F(beta)},
             static_cast<std::size_t>(Mr * N), 64);
  }
}

void MatMul(Builder& b, const Node& n) {
  DevTensor& a = b.Input(n, 0);
  DevTensor& w = b.Input(n, 1);
  ExpectFloat(n, a);
  Shape as = a.shape, bs = w.shape;
  if (as.size() == 1) as.insert(as.begin(), 1);
  if (bs.size() == 1) bs.push_back(1);
  const std::int64_t Mr = as[as.size() - 2], K = as.back(), N = bs.back();
  DevTensor& y = b.Output(n, 0, DataType::kFloat32);
  const Shape abatch(as.begin(), as.end() - 2), bbatch(bs.begin(), bs.end() - 2);
  const std::int64_t na = ElementCount(abatch), nb = ElementCount(bbatch);
  if (nb == 1) {  // weights: one GEMM over all rows of A
    Gemm(b, n, clblast::Transpose::kNo, clblast::Transpose::kNo, na * Mr, N, K, 1.0f, a.buffer->mem(), 0, K, 0,
         w.buffer->mem(), 0, N, 0, y.buffer->mem(), 0, N, 0, 1);
  } else if (abatch == bbatch) {
    Gemm(b, n, clblast::Transpose::kNo, clblast::Transpose::kNo, Mr, N, K, 1.0f, a.buffer->mem(), 0, K, Mr * K,
         w.buffer->mem(), 0, N, K * N, y.buffer->mem(), 0, N, Mr * N, na);
  } else {
    Fail(n, fmt::format("batch dimensions {} and {} need a broadcast the baseline does not implement",
                        ShapeToString(abatch), ShapeToString(bbatch)));
  }
}

void Pool(Builder& b, const Node& n, bool is_max) {
  DevTensor& x = b.Input(n, 0);
  ExpectFloat(n, x);
  if (x.shape.size() != 4) Fail(n, "only 2-D pooling is supported");
  const auto ks = n.IntsAttr("kernel_shape");
  const Window2d g = ComputeWindow2d(n, x.shape[2], x.shape[3], ks.at(0), ks.at(1), n.IntAttr("ceil_mode", 0) != 0);
  DevTensor& y = b.Output(n, 0, DataType::kFloat32);
  const std::int64_t total = ElementCount(y.shape);
  b.Kernel(n, "pool2d",
           {M(x.buffer->mem()), M(y.buffer->mem()), L(x.shape[2]), L(x.shape[3]), L(g.oh), L(g.ow), L(g.kh), L(g.kw),
            L(g.sh), L(g.sw), L(g.pt), L(g.pl), L(g.pb), L(g.pr), L(g.dh), L(g.dw), I(is_max ? 1 : 0),
            I(n.IntAttr("count_include_pad", 0) != 0 ? 1 : 0), L(total)},
           static_cast<std::size_t>(total), 64);
}

constexpr std::size_t kRowGroup = 128;  // work-group size of the row reductions (a power of two)

void RowKernel(Builder& b, const Node& n, const char* kernel, std::vector<KernelArg> args, std::int64_t rows) {
  args.push_back(Local(kRowGroup * sizeof(float)));
  b.Kernel(n, kernel, args, static_cast<std::size_t>(rows) * kRowGroup, kRowGroup);
}

void LowerShapeOp(Builder& b, const Node& n) {
  const std::string& op = n.op_type;
  if (op == "Transpose") {
    DevTensor& x = b.Input(n, 0);
    DevTensor& y = b.Output(n, 0, x.type);
    std::vector<std::int64_t> perm = n.IntsAttr("perm");
    if (perm.empty()) {
      for (std::size_t i = x.shape.size(); i-- > 0;) perm.push_back(static_cast<std::int64_t>(i));
    }
    const auto xs = Strides(x.shape);
    std::vector<std::int64_t> src(perm.size());
    for (std::size_t i = 0; i < perm.size(); ++i) src[i] = xs[static_cast<std::size_t>(perm[i])];
    StridedCopy(b, n, x, 0, src, y, 0, Strides(y.shape), y.shape);
  } else if (op == "Concat") {
    DevTensor& y = b.Output(n, 0, b.Input(n, 0).type);
    const std::int64_t axis = Axis(n, n.IntAttr("axis", 0), static_cast<std::int64_t>(y.shape.size()));
    const auto ys = Strides(y.shape);
    std::int64_t at = 0;
    for (std::size_t i = 0; i < n.inputs.size(); ++i) {
      DevTensor& x = b.Input(n, i);
      StridedCopy(b, n, x, 0, Strides(x.shape), y, at * ys[axis], ys, x.shape);
      at += x.shape[axis];
    }
  } else if (op == "Split" || op == "Slice") {
    DevTensor& x = b.Input(n, 0);
    const std::int64_t rank = static_cast<std::int64_t>(x.shape.size());
    const auto xs = Strides(x.shape);
    if (op == "Split") {
      const std::int64_t axis = Axis(n, n.IntAttr("axis", 0), rank);
      std::int64_t at = 0;
      for (std::size_t i = 0; i < n.outputs.size(); ++i) {
        DevTensor& y = b.Output(n, i, x.type);
        StridedCopy(b, n, x, at * xs[axis], xs, y, 0, Strides(y.shape), y.shape);
        at += y.shape[axis];
      }
      return;
    }
    const auto starts = HostInts(b, n, 1), ends = HostInts(b, n, 2);
    std::vector<std::int64_t> axes = n.inputs.size() > 3 && !n.inputs[3].empty() ? HostInts(b, n, 3)
                                                                                 : std::vector<std::int64_t>{};
    std::vector<std::int64_t> steps = n.inputs.size() > 4 && !n.inputs[4].empty() ? HostInts(b, n, 4)
                                                                                  : std::vector<std::int64_t>{};
    if (axes.empty()) {
      axes.resize(starts.size());
      std::iota(axes.begin(), axes.end(), 0);
    }
    if (steps.empty()) steps.assign(starts.size(), 1);
    DevTensor& y = b.Output(n, 0, x.type);
    std::int64_t off = 0;
    std::vector<std::int64_t> src = xs;
    for (std::size_t i = 0; i < starts.size(); ++i) {
      const std::int64_t a = Axis(n, axes[i], rank), dim = x.shape[a];
      std::int64_t s = starts[i] < 0 ? starts[i] + dim : starts[i];
      s = steps[i] > 0 ? std::clamp<std::int64_t>(s, 0, dim) : std::clamp<std::int64_t>(s, -1, dim - 1);
      off += s * xs[a];
      src[a] = xs[a] * steps[i];
    }
    StridedCopy(b, n, x, off, src, y, 0, Strides(y.shape), y.shape);
  } else if (op == "Gather") {
    DevTensor& data = b.Input(n, 0);
    DevTensor& idx = b.Input(n, 1);
    if (idx.type != DataType::kInt64) Fail(n, "indices must be int64");
    DevTensor& y = b.Output(n, 0, data.type);
    const std::int64_t rank = static_cast<std::int64_t>(data.shape.size());
    const std::int64_t axis = Axis(n, n.IntAttr("axis", 0), rank);
    std::int64_t inner = 1;
    for (std::int64_t d = axis + 1; d < rank; ++d) inner *= data.shape[d];
    const std::int64_t count = ElementCount(y.shape);
    b.Kernel(n, "gather_any",
             {M(data.buffer->mem()), M(idx.buffer->mem()), M(y.buffer->mem()), L(data.shape[axis]), L(inner),
              L(ElementCount(idx.shape)), L(count), I(static_cast<std::int32_t>(DataTypeSize(data.type)))},
             static_cast<std::size_t>(count), 64);
  } else if (op == "Pad") {
    DevTensor& x = b.Input(n, 0);
    ExpectFloat(n, x);
    const auto pads = b.opset >= 11 ? HostInts(b, n, 1) : n.IntsAttr("pads");
    const float value = b.opset >= 11 ? (n.inputs.size() > 2 && !n.inputs[2].empty()
                                             ? static_cast<float>(b.Host(n.inputs[2])->AsDouble(0))
                                             : 0.0f)
                                      : n.FloatAttr("value", 0);
    const std::string mode = n.StringAttr("mode", "constant");
    DevTensor& y = b.Output(n, 0, DataType::kFloat32);
    const std::int64_t rank = static_cast<std::int64_t>(x.shape.size());
    std::vector<std::int64_t> meta{rank};
    meta.insert(meta.end(), y.shape.begin(), y.shape.end());
    meta.insert(meta.end(), x.shape.begin(), x.shape.end());
    meta.insert(meta.end(), pads.begin(), pads.begin() + rank);
    const auto xs = Strides(x.shape);
    meta.insert(meta.end(), xs.begin(), xs.end());
    const std::int64_t count = ElementCount(y.shape);
    b.Kernel(n, "pad_f",
             {M(x.buffer->mem()), M(y.buffer->mem()), M(b.Meta(meta)), L(count),
              I(mode == "constant" ? 0 : mode == "edge" ? 1 : 2), F(value)},
             static_cast<std::size_t>(count), 64);
  } else {  // views: same buffer, new shape
    b.View(n, b.Input(n, 0));
  }
}

}  // namespace

const std::vector<std::string>& BaselineDeviceOps() {
  static const std::vector<std::string> ops = {
      "Conv", "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Pow", "Relu", "Sigmoid", "Tanh", "LeakyRelu", "Clip",
      "HardSigmoid", "HardSwish", "Gelu", "Sqrt", "Erf", "Exp", "Neg", "Softmax", "LayerNormalization",
      "BatchNormalization", "MaxPool", "AveragePool", "GlobalAveragePool", "Flatten", "Reshape", "Squeeze",
      "Unsqueeze", "Identity", "Dropout", "Transpose", "Concat", "Split", "Slice", "Gather", "Pad", "Where", "Cast",
      "ReduceMean"};
  return ops;
}

void LowerBaselineNode(Builder& b, const Node& n) {
  const std::string& op = n.op_type;
  static const std::map<std::string, int> binary = {{"Add", 0}, {"Sub", 1}, {"Mul", 2}, {"Div", 3}, {"Pow", 4}};
  static const std::map<std::string, int> unary = {{"Relu", 0}, {"Sigmoid", 1}, {"Tanh", 2}, {"HardSwish", 6},
                                                   {"Sqrt", 9}, {"Erf", 10},    {"Exp", 11},  {"Neg", 12}};
  if (auto it = binary.find(op); it != binary.end()) return Binary(b, n, it->second);
  if (auto it = unary.find(op); it != unary.end()) return Unary(b, n, it->second);
  if (op == "LeakyRelu") return Unary(b, n, 3, n.FloatAttr("alpha", 0.01f));
  if (op == "HardSigmoid") return Unary(b, n, 5, n.FloatAttr("alpha", 0.2f), n.FloatAttr("beta", 0.5f));
  if (op == "Gelu") return Unary(b, n, n.StringAttr("approximate", "none") == "tanh" ? 8 : 7);
  if (op == "Clip") {
    float lo = -3.4e38f, hi = 3.4e38f;
    if (b.opset >= 11) {
      if (n.inputs.size() > 1 && !n.inputs[1].empty()) lo = static_cast<float>(b.Host(n.inputs[1])->AsDouble(0));
      if (n.inputs.size() > 2 && !n.inputs[2].empty()) hi = static_cast<float>(b.Host(n.inputs[2])->AsDouble(0));
    } else {
      lo = n.FloatAttr("min", lo);
      hi = n.FloatAttr("max", hi);
    }
    return Unary(b, n, 4, lo, hi);
  }
  if (op == "Conv") return Conv(b, n);
  if (op == "Gemm") return GemmOp(b, n);
  if (op == "MatMul") return MatMul(b, n);
  if (op == "MaxPool" || op == "AveragePool") return Pool(b, n, op == "MaxPool");
  if (op == "GlobalAveragePool") {
    DevTensor& x = b.Input(n, 0);
    DevTensor& y = b.Output(n, 0, DataType::kFloat32);
    const std::int64_t rows = x.shape[0] * x.shape[1];
    return RowKernel(b, n, "global_avg", {M(x.buffer->mem()), M(y.buffer->mem()), L(ElementCount(x.shape) / rows)}, rows);
  }
  if (op == "BatchNormalization") {
    DevTensor& x = b.Input(n, 0);
    DevTensor& y = b.Output(n, 0, DataType::kFloat32);
    const std::int64_t count = ElementCount(x.shape), inner = count / (x.shape[0] * x.shape[1]);
    return b.Kernel(n, "batchnorm",
                    {M(x.buffer->mem()), M(y.buffer->mem()), M(b.Input(n, 1).buffer->mem()),
                     M(b.Input(n, 2).buffer->mem()), M(b.Input(n, 3).buffer->mem()), M(b.Input(n, 4).buffer->mem()),
                     F(n.FloatAttr("epsilon", 1e-5f)), L(x.shape[1]), L(inner), L(count)},
                    static_cast<std::size_t>(count), 64);
  }
  if (op == "Softmax") {
    DevTensor& x = b.Input(n, 0);
    DevTensor& y = b.Output(n, 0, DataType::kFloat32);
    const std::int64_t rank = static_cast<std::int64_t>(x.shape.size());
    const std::int64_t axis = Axis(n, n.IntAttr("axis", b.opset >= 13 ? -1 : 1), rank);
    std::int64_t len = 1, stride = 1;
    if (b.opset >= 13) {
      len = x.shape[axis];
      for (std::int64_t d = axis + 1; d < rank; ++d) stride *= x.shape[d];
    } else {
      for (std::int64_t d = axis; d < rank; ++d) len *= x.shape[d];
    }
    return RowKernel(b, n, "softmax", {M(x.buffer->mem()), M(y.buffer->mem()), L(len), L(stride)},
                     ElementCount(x.shape) / len);
  }
  if (op == "LayerNormalization") {
    DevTensor& x = b.Input(n, 0);
    const std::int64_t rank = static_cast<std::int64_t>(x.shape.size());
    const std::int64_t axis = Axis(n, n.IntAttr("axis", -1), rank);
    std::int64_t inner = 1;
    for (std::int64_t d = axis; d < rank; ++d) inner *= x.shape[d];
    DevTensor& scale = b.Input(n, 1);
    if (ElementCount(scale.shape) != inner) Fail(n, "scale must cover the normalised dimensions exactly");
    const bool has_bias = n.inputs.size() > 2 && !n.inputs[2].empty();
    DevTensor& bias = has_bias ? b.Input(n, 2) : scale;
    DevTensor& y = b.Output(n, 0, DataType::kFloat32);
    return RowKernel(b, n, "layernorm",
                     {M(x.buffer->mem()), M(y.buffer->mem()), M(scale.buffer->mem()), M(bias.buffer->mem()),
                      I(has_bias ? 1 : 0), L(inner), F(n.FloatAttr("epsilon", 1e-5f))},
                     ElementCount(x.shape) / inner);
  }
  if (op == "Where") {
    DevTensor& c = b.Input(n, 0);
    DevTensor& x = b.Input(n, 1);
    DevTensor& z = b.Input(n, 2);
    if (c.type != DataType::kBool) Fail(n, "condition must be bool");
    DevTensor& y = b.Output(n, 0, x.type);
    std::vector<std::int64_t> meta{static_cast<std::int64_t>(y.shape.size())};
    meta.insert(meta.end(), y.shape.begin(), y.shape.end());
    for (const DevTensor* t : {&c, &x, &z}) {
      const auto st = BroadcastStrides(t->shape, y.shape);
      meta.insert(meta.end(), st.begin(), st.end());
    }
    const std::int64_t count = ElementCount(y.shape);
    return b.Kernel(n, "where_any",
                    {M(c.buffer->mem()), M(x.buffer->mem()), M(z.buffer->mem()), M(y.buffer->mem()), M(b.Meta(meta)),
                     L(count), I(static_cast<std::int32_t>(DataTypeSize(x.type)))},
                    static_cast<std::size_t>(count), 64);
  }
  if (op == "Cast") {
    DevTensor& x = b.Input(n, 0);
    const std::int64_t to = n.IntAttr("to", 1);
    const DataType type = to == 1 ? DataType::kFloat32 : to == 9 ? DataType::kBool : DataType::kInt64;
    DevTensor& y = b.Output(n, 0, type);
    const std::int64_t count = ElementCount(y.shape);
    return b.Kernel(n, "cast_any",
                    {M(x.buffer->mem()), I(TypeCode(x.type)), M(y.buffer->mem()), I(TypeCode(type)), L(count)},
                    static_cast<std::size_t>(count), 64);
  }
  if (op == "ReduceMean") {
    DevTensor& x = b.Input(n, 0);
    const std::int64_t rank = static_cast<std::int64_t>(x.shape.size());
    auto axes = n.inputs.size() > 1 && !n.inputs[1].empty() ? HostInts(b, n, 1) : n.IntsAttr("axes");
    std::vector<bool> red(static_cast<std::size_t>(rank), axes.empty());
    for (auto a : axes) red[static_cast<std::size_t>(Axis(n, a, rank))] = true;
    DevTensor& y = b.Output(n, 0, DataType::kFloat32);
    const auto xs = Strides(x.shape);
    std::vector<std::int64_t> out_shape, kept_st, red_shape, red_st;
    for (std::int64_t d = 0; d < rank; ++d) {
      out_shape.push_back(red[d] ? 1 : x.shape[d]);
      kept_st.push_back(red[d] ? 0 : xs[d]);
      red_shape.push_back(red[d] ? x.shape[d] : 1);
      red_st.push_back(red[d] ? xs[d] : 0);
    }
    std::vector<std::int64_t> meta{rank};
    for (const auto* v : {&out_shape, &kept_st, &red_shape, &red_st}) meta.insert(meta.end(), v->begin(), v->end());
    const std::int64_t count = ElementCount(y.shape);
    return b.Kernel(n, "reduce_mean",
                    {M(x.buffer->mem()), M(y.buffer->mem()), M(b.Meta(meta)), L(count), L(ElementCount(red_shape))},
                    static_cast<std::size_t>(count), 64);
  }
  LowerShapeOp(b, n);
}

}  // namespace joulebench
