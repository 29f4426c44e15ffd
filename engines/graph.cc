// Graph IR helpers: attribute access, parameter and FLOP counts, and the content hash.
#include "engines/graph.h"

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

std::int64_t Graph::ParameterCount() const {
  std::int64_t n = 0;
  for (const auto& [name, t] : initializers) n += t.size();
  return n;
}

double Graph::FlopsPerInference() const {
  double flops = 0;
  for (const auto& node : nodes) {
    if (node.op_type == "Gemm" && node.inputs.size() >= 2) {
      auto it = initializers.find(node.inputs[1]);
      if (it == initializers.end()) continue;
      const Shape& w = it->second.shape();  // weights [N, K] (transB=1) or [K, N]
      flops += 2.0 * static_cast<double>(w[0]) * static_cast<double>(w[1]);
      if (node.inputs.size() >= 3) flops += node.IntAttr("transB", 0) ? w[0] : w[1];  // bias add
    }
  }
  return flops;
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

std::string Graph::Hash() const {
  Fnv f;
  for (const auto& in : inputs) f.Add(in.name + ShapeToString(in.shape));
  for (const auto& node : nodes) {
    f.Add(node.op_type);
    for (const auto& i : node.inputs) f.Add(i);
    for (const auto& o : node.outputs) f.Add(o);
    for (const auto& [k, v] : node.attributes) {
      f.Add(k);
      std::visit([&](const auto& x) { f.Add(fmt::format("{}", x)); }, v);
    }
  }
  for (const auto& [name, t] : initializers) {
    f.Add(name + ShapeToString(t.shape()));
    f.Add(t.raw(), t.bytes());
  }
  return fmt::format("{:016x}", f.h);
}

Shape ResolveBatch(const Shape& shape, std::int64_t batch) {
  Shape out = shape;
  for (auto& d : out) {
    if (d < 0) d = batch;
  }
  return out;
}

}  // namespace joulebench
