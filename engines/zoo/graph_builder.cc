// GraphBuilder implementation.
#include "engines/zoo/graph_builder.h"

#include <cmath>

#include <fmt/format.h>

namespace joulebench::zoo {

GraphBuilder::GraphBuilder(std::string name, std::uint64_t seed) : rng_(seed) {
  g_.name = std::move(name);
  g_.opset = 17;
}

std::string GraphBuilder::Input(const std::string& name, DataType type, Shape shape) {
  g_.inputs.push_back({name, type, std::move(shape)});
  return name;
}

void GraphBuilder::Output(const std::string& tensor, DataType type, Shape shape) {
  g_.outputs.push_back({tensor, type, std::move(shape)});
}

std::string GraphBuilder::Weight(const std::string& name, Shape shape, float lo, float hi) {
  Tensor t(DataType::kFloat32, std::move(shape));
  std::uniform_real_distribution<float> dist(lo, hi);
  for (float& v : t.f32()) v = dist(rng_);
  g_.initializers[name] = std::move(t);
  return name;
}

std::string GraphBuilder::Constant(const std::string& name, Tensor value) {
  g_.initializers[name] = std::move(value);
  return name;
}

std::string GraphBuilder::Ints(const std::string& name, const std::vector<std::int64_t>& values) {
  Tensor t(DataType::kInt64, {static_cast<std::int64_t>(values.size())});
  std::copy(values.begin(), values.end(), t.i64().begin());
  return Constant(name, std::move(t));
}

std::string GraphBuilder::Scalar(const std::string& name, float value) {
  Tensor t(DataType::kFloat32, {});
  t.f32()[0] = value;
  return Constant(name, std::move(t));
}

std::string GraphBuilder::Op(const std::string& op, const std::string& name, std::vector<std::string> inputs,
                             std::map<std::string, Attribute> attrs, int n_outputs) {
  Node n;
  n.op_type = op;
  n.name = name;
  n.inputs = std::move(inputs);
  for (int i = 0; i < n_outputs; ++i) n.outputs.push_back(i == 0 ? name : fmt::format("{}:{}", name, i));
  n.attributes = std::move(attrs);
  g_.nodes.push_back(std::move(n));
  return name;
}

std::string GraphBuilder::BatchNorm(const std::string& name, const std::string& x, std::int64_t c) {
  const std::string scale = Weight(name + ".weight", {c}, 0.5f, 1.5f);
  const std::string bias = Weight(name + ".bias", {c}, -0.1f, 0.1f);
  const std::string mean = Weight(name + ".running_mean", {c}, -0.1f, 0.1f);
  const std::string var = Weight(name + ".running_var", {c}, 0.5f, 1.5f);
  return Op("BatchNormalization", name, {x, scale, bias, mean, var}, {{"epsilon", 1e-5f}});
}

std::string GraphBuilder::ConvBn(const std::string& name, const std::string& x, std::int64_t cin, std::int64_t cout,
                                 std::int64_t k, std::int64_t stride, std::int64_t groups, bool bn) {
  const float bound = std::sqrt(3.0f / static_cast<float>(cin / groups * k * k));
  const std::string w = Weight(name + ".weight", {cout, cin / groups, k, k}, -bound, bound);
  const std::int64_t pad = k / 2;
  const std::string y = Op("Conv", name, {x, w},
                           {{"kernel_shape", std::vector<std::int64_t>{k, k}},
                            {"strides", std::vector<std::int64_t>{stride, stride}},
                            {"pads", std::vector<std::int64_t>{pad, pad, pad, pad}},
                            {"group", groups}});
  return bn ? BatchNorm(name + ".bn", y, cout) : y;
}

std::string GraphBuilder::Linear(const std::string& name, const std::string& x, std::int64_t in, std::int64_t out) {
  const float bound = std::sqrt(3.0f / static_cast<float>(in));
  const std::string w = Weight(name + ".weight", {in, out}, -bound, bound);
  const std::string b = Weight(name + ".bias", {out}, -0.05f, 0.05f);
  return Op("Add", name + ".add", {Op("MatMul", name, {x, w}), b});
}

std::string GraphBuilder::LayerNorm(const std::string& name, const std::string& x, std::int64_t c) {
  const std::string scale = Weight(name + ".weight", {c}, 0.9f, 1.1f);
  const std::string bias = Weight(name + ".bias", {c}, -0.05f, 0.05f);
  return Op("LayerNormalization", name, {x, scale, bias}, {{"axis", std::int64_t{-1}}, {"epsilon", 1e-12f}});
}

Graph GraphBuilder::Finish() { return std::move(g_); }

}  // namespace joulebench::zoo
