// fuse_elementwise: chains of float elementwise operators (each intermediate consumed only by the next, all of the
// chain's output shape) become one FusedElementwise node whose "body" attribute is the chain as OpenCL C statements
// over its inputs v0..vN; the engine generates one kernel per distinct body. Scalar constants are inlined; other
// inputs may broadcast.
#include <algorithm>
#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "engines/passes/graph_passes.h"
#include "engines/passes/pass_util.h"

namespace joulebench {
namespace {

using passes::IndexOf;
using passes::Init;

constexpr std::size_t kMaxInputs = 8;

// A float literal of OpenCL C: always with a decimal point or exponent ("1.00000000f"), infinities by name.
std::string Literal(float v) {
  if (std::isinf(v)) return v > 0 ? "INFINITY" : "(-INFINITY)";
  if (std::isnan(v)) return "NAN";
  return fmt::format("{:#.9g}f", v);
}

// The OpenCL C expression of `n` over argument expressions (variable names or literals), or nullopt when the node
// is not a fusible elementwise operator. `lo`/`hi` are Clip's bounds when known.
std::optional<std::string> Expression(const Node& n, const std::vector<std::string>& a, float lo, float hi) {
  static const std::map<std::string, const char*> binary = {
      {"Add", "({} + {})"}, {"Sub", "({} - {})"}, {"Mul", "({} * {})"}, {"Div", "({} / {})"}, {"Pow", "pow({}, {})"}};
  static const std::map<std::string, const char*> unary = {
      {"Relu", "fmax({0}, 0.0f)"},
      {"Sigmoid", "(1.0f / (1.0f + exp(-{0})))"},
      {"Tanh", "tanh({0})"},
      {"Erf", "erf({0})"},
      {"Exp", "exp({0})"},
      {"Neg", "(-{0})"},
      {"Sqrt", "sqrt({0})"},
      {"HardSwish", "({0} * fmin(fmax({0} / 6.0f + 0.5f, 0.0f), 1.0f))"}};
  if (auto it = binary.find(n.op_type); it != binary.end() && a.size() == 2) {
    return fmt::format(fmt::runtime(it->second), a[0], a[1]);
  }
  if (a.empty()) return std::nullopt;
  if (auto it = unary.find(n.op_type); it != unary.end()) return fmt::format(fmt::runtime(it->second), a[0]);
  if (n.op_type == "LeakyRelu") return fmt::format("({0} >= 0.0f ? {0} : {1} * {0})", a[0], Literal(n.FloatAttr("alpha", 0.01f)));
  if (n.op_type == "HardSigmoid") {
    return fmt::format("fmin(fmax({1} * {0} + {2}, 0.0f), 1.0f)", a[0], Literal(n.FloatAttr("alpha", 0.2f)),
                       Literal(n.FloatAttr("beta", 0.5f)));
  }
  if (n.op_type == "Gelu") {
    if (n.StringAttr("approximate", "none") == "tanh") {
      return fmt::format("(0.5f * {0} * (1.0f + tanh(0.7978845608f * ({0} + 0.044715f * {0} * {0} * {0}))))", a[0]);
    }
    return fmt::format("(0.5f * {0} * (1.0f + erf({0} * 0.70710678118654752f)))", a[0]);
  }
  if (n.op_type == "Clip") return fmt::format("fmin(fmax({}, {}), {})", a[0], Literal(lo), Literal(hi));
  return std::nullopt;
}

struct Fusible {
  bool ok = false;
  std::vector<std::string> data_inputs;  // the inputs the expression reads (Clip's bounds excluded)
  float lo = -INFINITY, hi = INFINITY;
};

Fusible Check(const Graph& g, const Node& n) {
  Fusible f;
  if (n.outputs.size() != 1 || !g.value_shapes.count(n.outputs[0]) || n.inputs.empty()) return f;
  static const std::set<std::string> ops = {"Add",  "Sub", "Mul", "Div",       "Pow",         "Relu",      "Sigmoid",
                                            "Tanh", "Erf", "Exp", "Neg",       "Sqrt",        "HardSwish", "LeakyRelu",
                                            "HardSigmoid", "Gelu", "Clip"};
  if (!ops.count(n.op_type)) return f;
  f.data_inputs = {n.inputs[0]};
  if (n.op_type == "Clip") {
    f.lo = n.FloatAttr("min", -INFINITY);
    f.hi = n.FloatAttr("max", INFINITY);
    for (std::size_t i = 1; i < n.inputs.size() && i < 3; ++i) {
      if (n.inputs[i].empty()) continue;
      const Tensor* t = Init(g, n.inputs[i]);
      if (!t || t->size() != 1 || t->type() != DataType::kFloat32) return f;
      (i == 1 ? f.lo : f.hi) = t->f32()[0];
    }
  } else if (n.inputs.size() == 2) {
    f.data_inputs.push_back(n.inputs[1]);
  }
  // Float operands only: initializers are checked here, computed values by the engine at lowering.
  for (const auto& in : f.data_inputs) {
    const Tensor* t = Init(g, in);
    if (in.empty() || (t && t->type() != DataType::kFloat32)) return f;
  }
  f.ok = true;
  return f;
}

}  // namespace

int FuseElementwise(Graph& g, PassReport& r) {
  const GraphUses uses(g);
  std::set<std::size_t> removed;
  std::map<std::size_t, Node> replacement;
  int fused = 0;
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    if (removed.count(i)) continue;
    Fusible first = Check(g, g.nodes[i]);
    if (!first.ok) continue;
    const Shape& shape = g.value_shapes.at(g.nodes[i].outputs[0]);
    // Extend along sole consumers of the same output shape.
    std::vector<std::pair<std::size_t, Fusible>> chain = {{i, first}};
    for (;;) {
      const Node* c = uses.SoleConsumer(g, g.nodes[chain.back().first].outputs[0]);
      if (!c || removed.count(IndexOf(g, c))) break;
      Fusible f = Check(g, *c);
      if (!f.ok || g.value_shapes.at(c->outputs[0]) != shape) break;
      chain.emplace_back(IndexOf(g, c), f);
    }
    if (chain.size() < 2) continue;
    // Build the body; stop early when the inputs would exceed kMaxInputs.
    std::vector<std::string> inputs, lines, replaced;
    std::map<std::string, std::string> var;  // tensor -> expression variable
    std::size_t used = 0;
    for (std::size_t k = 0; k < chain.size(); ++k) {
      const Node& n = g.nodes[chain[k].first];
      std::vector<std::string> args, fresh;
      for (const auto& in : chain[k].second.data_inputs) {
        if (auto it = var.find(in); it != var.end()) {
          args.push_back(it->second);
        } else if (const Tensor* t = Init(g, in); t && t->size() == 1) {
          args.push_back(Literal(t->f32()[0]));
        } else {
          auto already = std::find(fresh.begin(), fresh.end(), in);
          if (already == fresh.end()) fresh.push_back(in);
          args.push_back(fmt::format("v{}", inputs.size() + static_cast<std::size_t>(std::find(fresh.begin(), fresh.end(), in) - fresh.begin())));
        }
      }
      if (inputs.size() + fresh.size() > kMaxInputs) break;
      inputs.insert(inputs.end(), fresh.begin(), fresh.end());
      for (std::size_t f = 0; f < fresh.size(); ++f) var[fresh[f]] = fmt::format("v{}", inputs.size() - fresh.size() + f);
      const auto e = Expression(n, args, chain[k].second.lo, chain[k].second.hi);
      if (!e) break;
      lines.push_back(fmt::format("const float t{} = {};", k, *e));
      var[n.outputs[0]] = fmt::format("t{}", k);
      replaced.push_back(n.name);
      used = k + 1;
    }
    if (used < 2) continue;
    const Node& last = g.nodes[chain[used - 1].first];
    Node f;
    f.op_type = "FusedElementwise";
    f.name = g.nodes[i].name;
    f.inputs = inputs;
    f.outputs = {last.outputs[0]};
    std::string body;
    for (const auto& l : lines) body += l + "\n";
    f.attributes["body"] = body;
    f.attributes["result"] = fmt::format("t{}", used - 1);
    for (std::size_t k = 0; k < used; ++k) removed.insert(chain[k].first);
    r.groups.push_back({{"into", "FusedElementwise " + f.name}, {"replaced", replaced}});
    replacement[chain[used - 1].first] = std::move(f);
    ++fused;
  }
  passes::Rebuild(g, removed, replacement);
  r.rewrites += fused;
  return fused;
}

}  // namespace joulebench
