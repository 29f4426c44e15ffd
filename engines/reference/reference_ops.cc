// Reference operator kernels (fp32), following the ONNX operator specifications literally.
#include "engines/reference/reference_ops.h"

#include <algorithm>
#include <map>
#include <stdexcept>

#include <fmt/format.h>

#include "harness/common/errors.h"

namespace joulebench {
namespace {

// Gemm: Y = alpha * A' * B' + beta * C, A' = transA ? A^T : A, B' likewise; C broadcasts to [M, N].
std::vector<Tensor> Gemm(const Node& node, const std::vector<const Tensor*>& in) {
  const Tensor& a = *in.at(0);
  const Tensor& b = *in.at(1);
  const bool ta = node.IntAttr("transA", 0) != 0, tb = node.IntAttr("transB", 0) != 0;
  const float alpha = node.FloatAttr("alpha", 1.0f), beta = node.FloatAttr("beta", 1.0f);
  if (a.shape().size() != 2 || b.shape().size() != 2) {
    throw InputError(fmt::format("Gemm node '{}': inputs must be 2-D, got {} and {}", node.name,
                                 ShapeToString(a.shape()), ShapeToString(b.shape())));
  }
  const std::int64_t m = ta ? a.shape()[1] : a.shape()[0], k = ta ? a.shape()[0] : a.shape()[1];
  const std::int64_t kb = tb ? b.shape()[1] : b.shape()[0], n = tb ? b.shape()[0] : b.shape()[1];
  if (k != kb) {
    throw InputError(fmt::format("Gemm node '{}': inner dimensions differ ({} vs {})", node.name, k, kb));
  }
  Tensor y(DataType::kFloat32, {m, n});
  auto A = a.f32(), B = b.f32();
  auto Y = y.f32();
  for (std::int64_t i = 0; i < m; ++i) {
    for (std::int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (std::int64_t p = 0; p < k; ++p) {
        const float av = ta ? A[p * m + i] : A[i * k + p];
        const float bv = tb ? B[j * k + p] : B[p * n + j];
        acc += static_cast<double>(av) * bv;
      }
      Y[i * n + j] = alpha * static_cast<float>(acc);
    }
  }
  if (in.size() > 2 && in[2] != nullptr && beta != 0.0f) {
    const Tensor& c = *in[2];
    auto C = c.f32();
    const Shape& cs = c.shape();
    // Unidirectional broadcast of C to [M, N]: dimensions of size 1 (or missing) repeat.
    const std::int64_t cm = cs.size() == 2 ? cs[0] : 1;
    const std::int64_t cn = cs.empty() ? 1 : cs.back();
    if ((cm != 1 && cm != m) || (cn != 1 && cn != n)) {
      throw InputError(fmt::format("Gemm node '{}': C of shape {} does not broadcast to [{}, {}]", node.name,
                                   ShapeToString(cs), m, n));
    }
    for (std::int64_t i = 0; i < m; ++i) {
      for (std::int64_t j = 0; j < n; ++j) Y[i * n + j] += beta * C[(cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : j)];
    }
  }
  return {std::move(y)};
}

std::vector<Tensor> Relu(const Node&, const std::vector<const Tensor*>& in) {
  Tensor y(DataType::kFloat32, in.at(0)->shape());
  auto X = in[0]->f32();
  auto Y = y.f32();
  std::transform(X.begin(), X.end(), Y.begin(), [](float v) { return v > 0.0f ? v : 0.0f; });
  return {std::move(y)};
}

const std::map<std::string, ReferenceOp>& OpTable() {
  static const std::map<std::string, ReferenceOp> table = {
      {"Gemm", &Gemm},
      {"Relu", &Relu},
  };
  return table;
}

}  // namespace

ReferenceOp FindReferenceOp(const std::string& op_type) {
  auto it = OpTable().find(op_type);
  return it == OpTable().end() ? nullptr : it->second;
}

}  // namespace joulebench
