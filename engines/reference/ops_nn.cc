// Reference neural-network ops: Conv (groups, strides, pads, dilations, auto_pad), Gemm, MatMul (batched,
// broadcasting), pooling, BatchNormalization, LayerNormalization, Softmax, ReduceMean. Float32, 2-D spatial.
#include <cmath>
#include <limits>

#include "engines/reference/ref_util.h"
#include "engines/window2d.h"
#include "engines/reference/reference_ops.h"

namespace joulebench {
namespace {

using ref::Fail;
using ref::In;

void ExpectFloat(const Node& n, const Tensor& t) {
  if (t.type() != DataType::kFloat32) Fail(n, fmt::format("expects float32, got {}", DataTypeName(t.type())));
}

// C[M,N] (+)= A[M,K] * B[K,N], row-major, inner loop over N (contiguous, vectorizable).
void MatMulRowMajor(const float* a, const float* b, float* c, std::int64_t m, std::int64_t k, std::int64_t n) {
  for (std::int64_t i = 0; i < m; ++i) {
    float* ci = c + i * n;
    for (std::int64_t p = 0; p < k; ++p) {
      const float av = a[i * k + p];
      const float* bp = b + p * n;
      for (std::int64_t j = 0; j < n; ++j) ci[j] += av * bp[j];
    }
  }
}

std::vector<Tensor> Conv(const Node& n, const std::vector<const Tensor*>& in, int) {
  const Tensor& x = In(n, in, 0);
  const Tensor& wt = In(n, in, 1);
  const Tensor* bias = ref::Opt(in, 2);
  ExpectFloat(n, x);
  if (x.shape().size() != 4 || wt.shape().size() != 4) Fail(n, "only 2-D convolution (4-D tensors) is supported");
  const std::int64_t N = x.shape()[0], C = x.shape()[1], H = x.shape()[2], W = x.shape()[3];
  const std::int64_t M = wt.shape()[0], Cg = wt.shape()[1];
  const std::int64_t groups = n.IntAttr("group", 1);
  if (groups <= 0 || C % groups != 0 || M % groups != 0 || Cg != C / groups) {
    Fail(n, fmt::format("channels {} / group {} do not match weights {}", C, groups, ShapeToString(wt.shape())));
  }
  const auto ks = n.IntsAttr("kernel_shape", {wt.shape()[2], wt.shape()[3]});
  const Window2d g = ComputeWindow2d(n, H, W, ks[0], ks[1], false);
  Tensor y(DataType::kFloat32, {N, M, g.oh, g.ow});
  const std::int64_t Mg = M / groups, K = Cg * g.kh * g.kw, P = g.oh * g.ow;
  std::vector<float> col(static_cast<std::size_t>(K * P));
  auto X = x.f32();
  auto Wt = wt.f32();
  auto Y = y.f32();
  for (std::int64_t b = 0; b < N; ++b) {
    for (std::int64_t gr = 0; gr < groups; ++gr) {
      // im2col: col[(c, i, j), (oy, ox)] = padded input value.
      for (std::int64_t c = 0; c < Cg; ++c) {
        const float* xc = X.data() + ((b * C) + gr * Cg + c) * H * W;
        for (std::int64_t i = 0; i < g.kh; ++i) {
          for (std::int64_t j = 0; j < g.kw; ++j) {
            float* row = col.data() + ((c * g.kh + i) * g.kw + j) * P;
            for (std::int64_t oy = 0; oy < g.oh; ++oy) {
              const std::int64_t iy = oy * g.sh - g.pt + i * g.dh;
              for (std::int64_t ox = 0; ox < g.ow; ++ox) {
                const std::int64_t ix = ox * g.sw - g.pl + j * g.dw;
                row[oy * g.ow + ox] = (iy >= 0 && iy < H && ix >= 0 && ix < W) ? xc[iy * W + ix] : 0.0f;
              }
            }
          }
        }
      }
      float* yg = Y.data() + (b * M + gr * Mg) * P;
      for (std::int64_t m = 0; m < Mg; ++m) {
        const float bv = bias ? bias->f32()[gr * Mg + m] : 0.0f;
        std::fill(yg + m * P, yg + (m + 1) * P, bv);
      }
      MatMulRowMajor(Wt.data() + gr * Mg * K, col.data(), yg, Mg, K, P);
    }
  }
  return {std::move(y)};
}

std::vector<Tensor> Gemm(const Node& n, const std::vector<const Tensor*>& in, int) {
  const Tensor& a = In(n, in, 0);
  const Tensor& b = In(n, in, 1);
  ExpectFloat(n, a);
  if (a.shape().size() != 2 || b.shape().size() != 2) {
    Fail(n, fmt::format("inputs must be 2-D, got {} and {}", ShapeToString(a.shape()), ShapeToString(b.shape())));
  }
  const bool ta = n.IntAttr("transA", 0) != 0, tb = n.IntAttr("transB", 0) != 0;
  const float alpha = n.FloatAttr("alpha", 1.0f), beta = n.FloatAttr("beta", 1.0f);
  const std::int64_t M = ta ? a.shape()[1] : a.shape()[0], K = ta ? a.shape()[0] : a.shape()[1];
  const std::int64_t Kb = tb ? b.shape()[1] : b.shape()[0], N = tb ? b.shape()[0] : b.shape()[1];
  if (K != Kb) Fail(n, fmt::format("inner dimensions differ ({} vs {})", K, Kb));
  Tensor y(DataType::kFloat32, {M, N});
  auto Y = y.f32();
  if (!ta && tb && M < 8) {  // few rows of the exported layout (weights [N, K]): dot products, no transpose copy
    for (std::int64_t i = 0; i < M; ++i) {
      for (std::int64_t j = 0; j < N; ++j) {
        const float* ar = a.f32().data() + i * K;
        const float* br = b.f32().data() + j * K;
        float acc = 0;
        for (std::int64_t p = 0; p < K; ++p) acc += ar[p] * br[p];
        Y[i * N + j] = acc;
      }
    }
  } else {  // other layouts: copy to row-major [M, K] x [K, N]
    std::vector<float> A(static_cast<std::size_t>(M * K)), B(static_cast<std::size_t>(K * N));
    for (std::int64_t i = 0; i < M; ++i) {
      for (std::int64_t p = 0; p < K; ++p) A[i * K + p] = ta ? a.f32()[p * M + i] : a.f32()[i * K + p];
    }
    for (std::int64_t p = 0; p < K; ++p) {
      for (std::int64_t j = 0; j < N; ++j) B[p * N + j] = tb ? b.f32()[j * K + p] : b.f32()[p * N + j];
    }
    MatMulRowMajor(A.data(), B.data(), Y.data(), M, K, N);
  }
  for (auto& v : Y) v *= alpha;
  if (const Tensor* c = ref::Opt(in, 2); c && beta != 0.0f) {
    const Shape cs = ref::Broadcast(n, {c->shape(), Shape{M, N}});
    if (cs != Shape{M, N}) Fail(n, fmt::format("C of shape {} does not broadcast to [{}, {}]", ShapeToString(c->shape()), M, N));
    const auto off = ref::BroadcastOffsets({M, N}, {c->shape()});
    for (std::int64_t i = 0; i < M * N; ++i) Y[i] += beta * c->f32()[off[0][i]];
  }
  return {std::move(y)};
}

std::vector<Tensor> MatMul(const Node& n, const std::vector<const Tensor*>& in, int) {
  const Tensor& a0 = In(n, in, 0);
  const Tensor& b0 = In(n, in, 1);
  ExpectFloat(n, a0);
  Shape as = a0.shape(), bs = b0.shape();
  const bool a1 = as.size() == 1, b1 = bs.size() == 1;
  if (a1) as.insert(as.begin(), 1);
  if (b1) bs.push_back(1);
  const std::int64_t M = as[as.size() - 2], K = as.back(), Kb = bs[bs.size() - 2], N = bs.back();
  if (K != Kb) Fail(n, fmt::format("inner dimensions differ: {} x {}", ShapeToString(a0.shape()), ShapeToString(b0.shape())));
  const Shape abatch(as.begin(), as.end() - 2), bbatch(bs.begin(), bs.end() - 2);
  const Shape batch = ref::Broadcast(n, {abatch, bbatch});
  const auto off = ref::BroadcastOffsets(batch, {abatch, bbatch});
  Shape out = batch;
  if (!a1) out.push_back(M);
  if (!b1) out.push_back(N);
  Tensor y(DataType::kFloat32, out);
  auto Y = y.f32();
  const std::int64_t nb = ElementCount(batch);
  for (std::int64_t i = 0; i < nb; ++i) {
    MatMulRowMajor(a0.f32().data() + off[0][i] * M * K, b0.f32().data() + off[1][i] * K * N, Y.data() + i * M * N, M,
                   K, N);
  }
  return {std::move(y)};
}

std::vector<Tensor> Pool(const Node& n, const std::vector<const Tensor*>& in, bool max_pool) {
  const Tensor& x = In(n, in, 0);
  ExpectFloat(n, x);
  if (x.shape().size() != 4) Fail(n, "only 2-D pooling (4-D tensors) is supported");
  const auto ks = n.IntsAttr("kernel_shape");
  if (ks.size() != 2) Fail(n, "kernel_shape must have 2 entries");
  const std::int64_t N = x.shape()[0], C = x.shape()[1], H = x.shape()[2], W = x.shape()[3];
  const Window2d g = ComputeWindow2d(n, H, W, ks[0], ks[1], n.IntAttr("ceil_mode", 0) != 0);
  const bool include_pad = n.IntAttr("count_include_pad", 0) != 0;
  Tensor y(DataType::kFloat32, {N, C, g.oh, g.ow});
  auto X = x.f32();
  auto Y = y.f32();
  for (std::int64_t nc = 0; nc < N * C; ++nc) {
    const float* xc = X.data() + nc * H * W;
    for (std::int64_t oy = 0; oy < g.oh; ++oy) {
      for (std::int64_t ox = 0; ox < g.ow; ++ox) {
        float acc = max_pool ? -std::numeric_limits<float>::infinity() : 0.0f;
        std::int64_t count = 0, padded = 0;
        for (std::int64_t i = 0; i < g.kh; ++i) {
          for (std::int64_t j = 0; j < g.kw; ++j) {
            const std::int64_t iy = oy * g.sh - g.pt + i * g.dh, ix = ox * g.sw - g.pl + j * g.dw;
            const bool inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
            // Padded positions count for count_include_pad only up to the padded input's edge.
            if (!inside) {
              padded += iy >= -g.pt && iy < H + g.pb && ix >= -g.pl && ix < W + g.pr;
              continue;
            }
            const float v = xc[iy * W + ix];
            acc = max_pool ? std::max(acc, v) : acc + v;
            ++count;
          }
        }
        Y[(nc * g.oh + oy) * g.ow + ox] =
            max_pool ? acc : acc / static_cast<float>(include_pad ? count + padded : std::max<std::int64_t>(count, 1));
      }
    }
  }
  return {std::move(y)};
}

std::vector<Tensor> MaxPool(const Node& n, const std::vector<const Tensor*>& in, int) { return Pool(n, in, true); }
std::vector<Tensor> AveragePool(const Node& n, const std::vector<const Tensor*>& in, int) { return Pool(n, in, false); }

std::vector<Tensor> GlobalAveragePool(const Node& n, const std::vector<const Tensor*>& in, int) {
  const Tensor& x = In(n, in, 0);
  ExpectFloat(n, x);
  if (x.shape().size() < 3) Fail(n, "input must have spatial dimensions");
  const std::int64_t nc = x.shape()[0] * x.shape()[1], hw = x.size() / nc;
  Shape out = {x.shape()[0], x.shape()[1]};
  out.resize(x.shape().size(), 1);
  Tensor y(DataType::kFloat32, out);
  for (std::int64_t i = 0; i < nc; ++i) {
    double s = 0;
    for (std::int64_t j = 0; j < hw; ++j) s += x.f32()[i * hw + j];
    y.f32()[i] = static_cast<float>(s / static_cast<double>(hw));
  }
  return {std::move(y)};
}

std::vector<Tensor> BatchNormalization(const Node& n, const std::vector<const Tensor*>& in, int) {
  const Tensor& x = In(n, in, 0);
  ExpectFloat(n, x);
  const auto scale = In(n, in, 1).f32(), bias = In(n, in, 2).f32(), mean = In(n, in, 3).f32(),
             var = In(n, in, 4).f32();
  const float eps = n.FloatAttr("epsilon", 1e-5f);
  if (x.shape().size() < 2) Fail(n, "input must have a channel dimension");
  const std::int64_t N = x.shape()[0], C = x.shape()[1], inner = x.size() / (N * C);
  Tensor y(DataType::kFloat32, x.shape());
  for (std::int64_t b = 0; b < N; ++b) {
    for (std::int64_t c = 0; c < C; ++c) {
      const float k = scale[c] / std::sqrt(var[c] + eps);
      for (std::int64_t i = 0; i < inner; ++i) {
        const std::int64_t o = (b * C + c) * inner + i;
        y.f32()[o] = (x.f32()[o] - mean[c]) * k + bias[c];
      }
    }
  }
  return {std::move(y)};
}

std::vector<Tensor> LayerNormalization(const Node& n, const std::vector<const Tensor*>& in, int) {
  const Tensor& x = In(n, in, 0);
  ExpectFloat(n, x);
  const Tensor& scale = In(n, in, 1);
  const Tensor* bias = ref::Opt(in, 2);
  const std::int64_t rank = static_cast<std::int64_t>(x.shape().size());
  const std::int64_t axis = ref::Axis(n, n.IntAttr("axis", -1), rank);
  const float eps = n.FloatAttr("epsilon", 1e-5f);
  std::int64_t inner = 1;
  for (std::int64_t d = axis; d < rank; ++d) inner *= x.shape()[d];
  const std::int64_t outer = x.size() / inner;
  const Shape norm(x.shape().begin() + axis, x.shape().end());
  const auto soff = ref::BroadcastOffsets(norm, {scale.shape()});
  const auto boff = bias ? ref::BroadcastOffsets(norm, {bias->shape()}) : decltype(soff){};
  Tensor y(DataType::kFloat32, x.shape());
  for (std::int64_t o = 0; o < outer; ++o) {
    const float* xo = x.f32().data() + o * inner;
    double mean = 0, var = 0;
    for (std::int64_t i = 0; i < inner; ++i) mean += xo[i];
    mean /= static_cast<double>(inner);
    for (std::int64_t i = 0; i < inner; ++i) var += (xo[i] - mean) * (xo[i] - mean);
    var /= static_cast<double>(inner);
    const double inv = 1.0 / std::sqrt(var + eps);
    for (std::int64_t i = 0; i < inner; ++i) {
      const double v = (xo[i] - mean) * inv * scale.f32()[soff[0][i]] + (bias ? bias->f32()[boff[0][i]] : 0.0f);
      y.f32()[o * inner + i] = static_cast<float>(v);
    }
  }
  return {std::move(y)};
}

// Softmax: opset >= 13 normalises along `axis` (default -1); before, the input is coerced to 2-D at `axis`
// (default 1) and each row is normalised.
std::vector<Tensor> Softmax(const Node& n, const std::vector<const Tensor*>& in, int opset) {
  const Tensor& x = In(n, in, 0);
  ExpectFloat(n, x);
  const std::int64_t rank = static_cast<std::int64_t>(x.shape().size());
  const std::int64_t axis = ref::Axis(n, n.IntAttr("axis", opset >= 13 ? -1 : 1), rank);
  std::int64_t len = 1, stride = 1;
  if (opset >= 13) {
    len = x.shape()[axis];
    for (std::int64_t d = axis + 1; d < rank; ++d) stride *= x.shape()[d];
  } else {
    for (std::int64_t d = axis; d < rank; ++d) len *= x.shape()[d];
  }
  const std::int64_t outer = x.size() / (len * stride);
  Tensor y(DataType::kFloat32, x.shape());
  auto X = x.f32();
  auto Y = y.f32();
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::int64_t s = 0; s < stride; ++s) {
      const std::int64_t base = o * len * stride + s;
      float mx = -std::numeric_limits<float>::infinity();
      for (std::int64_t i = 0; i < len; ++i) mx = std::max(mx, X[base + i * stride]);
      double sum = 0;
      for (std::int64_t i = 0; i < len; ++i) sum += std::exp(static_cast<double>(X[base + i * stride] - mx));
      for (std::int64_t i = 0; i < len; ++i) {
        Y[base + i * stride] = static_cast<float>(std::exp(static_cast<double>(X[base + i * stride] - mx)) / sum);
      }
    }
  }
  return {std::move(y)};
}

// ReduceMean (axes as an attribute, opsets up to 17; axes as input from 18 also accepted).
std::vector<Tensor> ReduceMean(const Node& n, const std::vector<const Tensor*>& in, int) {
  const Tensor& x = In(n, in, 0);
  ExpectFloat(n, x);
  const std::int64_t rank = static_cast<std::int64_t>(x.shape().size());
  auto axes = n.IntsAttr("axes");
  if (const Tensor* a = ref::Opt(in, 1)) axes = ref::Ints(*a);
  std::vector<bool> reduce(static_cast<std::size_t>(rank), axes.empty());
  for (auto a : axes) reduce[static_cast<std::size_t>(ref::Axis(n, a, rank))] = true;
  const bool keep = n.IntAttr("keepdims", 1) != 0;
  Shape kept, out;
  for (std::int64_t d = 0; d < rank; ++d) {
    kept.push_back(reduce[d] ? 1 : x.shape()[d]);
    if (!reduce[d] || keep) out.push_back(reduce[d] ? 1 : x.shape()[d]);
  }
  std::vector<double> acc(static_cast<std::size_t>(ElementCount(kept)), 0.0);
  const auto off = ref::BroadcastOffsets(x.shape(), {kept});
  for (std::int64_t i = 0; i < x.size(); ++i) acc[static_cast<std::size_t>(off[0][i])] += x.f32()[i];
  const double count = static_cast<double>(x.size()) / static_cast<double>(acc.size());
  Tensor y(DataType::kFloat32, out);
  for (std::size_t i = 0; i < acc.size(); ++i) y.f32()[static_cast<std::int64_t>(i)] = static_cast<float>(acc[i] / count);
  return {std::move(y)};
}

}  // namespace

void RegisterNnOps(ReferenceOpTable& t) {
  t["Conv"] = &Conv;
  t["Gemm"] = &Gemm;
  t["MatMul"] = &MatMul;
  t["MaxPool"] = &MaxPool;
  t["AveragePool"] = &AveragePool;
  t["GlobalAveragePool"] = &GlobalAveragePool;
  t["BatchNormalization"] = &BatchNormalization;
  t["LayerNormalization"] = &LayerNormalization;
  t["Softmax"] = &Softmax;
  t["ReduceMean"] = &ReduceMean;
}

}  // namespace joulebench
