// Graph IR helpers: attribute access, parameter and FLOP counts, and the content hash.
#include "engines/graph.h"

#include <cstring>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace joulebench {

std::int64_t Node::IntAttr(const std::string& key, std::int64_t fallback) const {
  auto it = attributes.find(key);
  if (it == attributes.end()) return fallback;
  if (auto* v = std::get_if<std::int64_t>(&it->second)) return *v;
  return fallback;
}

float Node::FloatAttr(const std::string& key, float fallback) const {
  auto it = attributes.find(key);
  if (it == attributes.end()) return fallback;
  if (auto* v = std::get_if<float>(&it->second)) return *v;
  return fallback;
}

std::string Node::StringAttr(const std::string& key, const std::string& fallback) const {
  auto it = attributes.find(key);
  if (it == attributes.end()) return fallback;
  if (auto* v = std::get_if<std::string>(&it->second)) return *v;
  return fallback;
}

std::vector<std::int64_t> Node::IntsAttr(const std::string& key, std::vector<std::int64_t> fallback) const {
  auto it = attributes.find(key);
  if (it == attributes.end()) return fallback;
  if (auto* v = std::get_if<std::vector<std::int64_t>>(&it->second)) return *v;
  return fallback;
}

const Tensor* Node::TensorAttr(const std::string& key) const {
  auto it = attributes.find(key);
  if (it == attributes.end()) return nullptr;
  return std::get_if<Tensor>(&it->second);
}

std::int64_t Graph::ParameterCount() const {
  std::int64_t n = 0;
  for (const auto& [name, t] : initializers) n += t.size();
  return n;
}

double Graph::FlopsPerInference() const {
  auto shape_of = [&](const std::string& name) -> Shape {
    if (auto it = initializers.find(name); it != initializers.end()) return it->second.shape();
    for (const auto& in : inputs) {
      if (in.name == name) return in.shape;
    }
    if (auto it = value_shapes.find(name); it != value_shapes.end()) return it->second;
    return {};
  };
  auto count = [](const Shape& s, std::size_t from) {
    double n = 1;
    for (std::size_t i = from; i < s.size(); ++i) n *= s[i] < 0 ? 1.0 : static_cast<double>(s[i]);
    return n;
  };
  double flops = 0;
  for (const auto& node : nodes) {
    if (node.op_type == "Conv" && node.inputs.size() >= 2) {
      const Shape out = shape_of(node.outputs[0]), w = shape_of(node.inputs[1]);
      if (out.size() != 4 || w.size() != 4) continue;
      const double elements = count(out, 0), macs = count(w, 1);
      flops += 2 * elements * macs + (node.inputs.size() > 2 ? elements : 0);
    } else if (node.op_type == "Gemm" && node.inputs.size() >= 2) {
      const Shape a = shape_of(node.inputs[0]), b = shape_of(node.inputs[1]);
      if (b.size() != 2) continue;
      const bool ta = node.IntAttr("transA", 0) != 0, tb = node.IntAttr("transB", 0) != 0;
      const double k = static_cast<double>(tb ? b[1] : b[0]), n = static_cast<double>(tb ? b[0] : b[1]);
      const double m = a.size() == 2 ? count({ta ? a[1] : a[0]}, 0) : 1;
      flops += 2 * m * n * k + (node.inputs.size() > 2 ? m * n : 0);
    } else if (node.op_type == "MatMul" && node.inputs.size() >= 2) {
      const Shape a = shape_of(node.inputs[0]), out = shape_of(node.outputs[0]);
      if (a.empty() || out.empty()) continue;
      flops += 2 * count(out, 0) * static_cast<double>(a.back());
    }
  }
  // Shapes with a fixed batch count every sample of it; dynamic ones (-1) were counted as one.
  const double batch = !inputs.empty() && !inputs[0].shape.empty() && inputs[0].shape[0] > 0
                           ? static_cast<double>(inputs[0].shape[0])
                           : 1.0;
  return flops / batch;
}

namespace {
// FNV-1a 64-bit: enough to key caches and tell models apart; not a security hash.
struct Fnv {
  std::uint64_t h = 1469598103934665603ull;
  void Add(const void* data, std::size_t n) {
    auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  }
  void Add(const std::string& s) { Add(s.data(), s.size() + 1); }
};
}  // namespace

std::string Graph::Hash(bool weights) const {
  Fnv f;
  for (const auto& in : inputs) f.Add(in.name + ShapeToString(in.shape));
  for (const auto& node : nodes) {
    f.Add(node.op_type);
    for (const auto& i : node.inputs) f.Add(i);
    for (const auto& o : node.outputs) f.Add(o);
    for (const auto& [k, v] : node.attributes) {
      f.Add(k);
      std::visit(
          [&](const auto& x) {
            if constexpr (std::is_same_v<std::decay_t<decltype(x)>, Tensor>) {
              f.Add(ShapeToString(x.shape()));
              f.Add(x.raw(), x.bytes());
            } else {
              f.Add(fmt::format("{}", x));
            }
          },
          v);
    }
  }
  for (const auto& [name, t] : initializers) {
    f.Add(name + ShapeToString(t.shape()));
    if (weights) f.Add(t.raw(), t.bytes());
  }
  return fmt::format("{:016x}", f.h);
}

std::string Graph::WeightsDigest() const {
  // Four independent multiply-rotate lanes over 8-byte words (the xxHash64 round), then the tail byte by byte:
  // about 20x faster than the byte-wise FNV of Hash() on large models; a change detector, not a cryptographic hash.
  constexpr std::uint64_t kP1 = 11400714785074694791ull, kP2 = 14029467366897019727ull;
  auto round = [](std::uint64_t acc, std::uint64_t w) {
    acc += w * kP2;
    acc = (acc << 31) | (acc >> 33);
    return acc * kP1;
  };
  std::uint64_t lanes[4] = {kP1, kP2, 0, ~kP1};
  Fnv tail;
  for (const auto& [name, t] : initializers) {
    tail.Add(name + ShapeToString(t.shape()));
    const auto* p = reinterpret_cast<const unsigned char*>(t.raw());
    const std::size_t n = t.bytes();
    std::size_t i = 0;
    for (; i + 32 <= n; i += 32) {
      std::uint64_t w[4];
      std::memcpy(w, p + i, 32);
      for (int k = 0; k < 4; ++k) lanes[k] = round(lanes[k], w[k]);
    }
    tail.Add(p + i, n - i);
  }
  for (std::uint64_t lane : lanes) tail.Add(&lane, sizeof lane);
  return fmt::format("{:016x}", tail.h);
}

Shape ResolveBatch(const Shape& shape, std::int64_t batch) {
  Shape out = shape;
  for (auto& d : out) {
    if (d < 0) d = batch;
  }
  return out;
}

}  // namespace joulebench
