// Small helpers shared by the graph passes (engines/passes/*.cc): initializer lookup, scalar constants, inferred
// shapes, node positions.
#pragma once

#include <cmath>
#include <string>

#include "engines/passes/graph_passes.h"

namespace joulebench::passes {

inline const Tensor* Init(const Graph& g, const std::string& name) {
  auto it = g.initializers.find(name);
  return it == g.initializers.end() ? nullptr : &it->second;
}

inline bool IsScalar(const Graph& g, const std::string& name, float value) {
  const Tensor* t = Init(g, name);
  return t && t->type() == DataType::kFloat32 && t->size() == 1 &&
         std::fabs(t->f32()[0] - value) < 1e-6f * std::fabs(value) + 1e-12f;
}

// The value of a one-element float initializer, or NaN.
inline float ScalarValue(const Graph& g, const std::string& name) {
  const Tensor* t = Init(g, name);
  return t && t->type() == DataType::kFloat32 && t->size() == 1 ? t->f32()[0] : NAN;
}

inline std::string OtherInput(const Node& n, const std::string& mine) {
  return n.inputs.size() == 2 ? (n.inputs[0] == mine ? n.inputs[1] : n.inputs[0]) : "";
}

// The inferred shape of a value or of a graph input (a dynamic batch dimension matches `like`'s).
inline const Shape* ShapeOf(const Graph& g, const std::string& name, const Shape& like, Shape& storage) {
  if (auto it = g.value_shapes.find(name); it != g.value_shapes.end()) return &it->second;
  for (const auto& in : g.inputs) {
    if (in.name != name) continue;
    storage = in.shape;
    if (!storage.empty() && storage[0] < 0 && !like.empty()) storage[0] = like[0];
    return &storage;
  }
  return nullptr;
}

// Index of a node in g.nodes (pointers from GraphUses::SoleConsumer point into g.nodes).
inline std::size_t IndexOf(const Graph& g, const Node* n) { return static_cast<std::size_t>(n - g.nodes.data()); }

// Row-major strides of a shape.
inline std::vector<std::int64_t> ContiguousStrides(const Shape& s) {
  std::vector<std::int64_t> st(s.size(), 1);
  for (std::size_t i = s.size(); i-- > 1;) st[i - 1] = st[i] * s[i];
  return st;
}

// Keeps the nodes not in `removed`, putting `replacement[i]` in place of node i.
inline void Rebuild(Graph& g, const std::set<std::size_t>& removed, std::map<std::size_t, Node>& replacement) {
  std::vector<Node> kept;
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    if (auto it = replacement.find(i); it != replacement.end()) {
      kept.push_back(std::move(it->second));
    } else if (!removed.count(i)) {
      kept.push_back(std::move(g.nodes[i]));
    }
  }
  g.nodes = std::move(kept);
}

}  // namespace joulebench::passes
