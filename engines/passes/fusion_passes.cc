// Fusion passes: BatchNorm folded into the producing Conv's weights and bias; epilogue fusion of bias, residual
// Add and activation (Relu, Clip/Relu6, Sigmoid, HardSwish, Gelu, and GELU written out with Erf) into the producing
// Conv / MatMul / Gemm, giving FusedConv / FusedMatMul (graph_passes.h).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "engines/passes/graph_passes.h"
#include "engines/passes/pass_util.h"

namespace joulebench {
namespace {

using passes::IndexOf;
using passes::Init;
using passes::IsScalar;
using passes::OtherInput;
using passes::ShapeOf;

struct Activation {
  std::string kind;          // "" when none matched
  float clip_min = 0, clip_max = 0;
  std::vector<std::size_t> nodes;  // the nodes it replaces
  std::string output;
};

// The activation consuming `x` alone (or the erf-GELU pattern over x), if any.
Activation MatchActivation(const Graph& g, const GraphUses& uses, const std::string& x) {
  Activation a;
  const auto consumers = uses.Consumers(x);
  if (uses.IsGraphOutput(x)) return a;
  if (consumers.size() == 1) {
    const Node& n = g.nodes[consumers[0]];
    if (n.op_type == "Relu" || n.op_type == "Sigmoid" || n.op_type == "HardSwish" ||
        (n.op_type == "Gelu" && n.StringAttr("approximate", "none") == "none")) {
      return {n.op_type, 0, 0, {consumers[0]}, n.outputs[0]};
    }
    if (n.op_type == "Clip") {
      float lo = n.FloatAttr("min", -INFINITY), hi = n.FloatAttr("max", INFINITY);
      for (std::size_t i = 1; i < n.inputs.size() && i < 3; ++i) {
        if (n.inputs[i].empty()) continue;
        const Tensor* t = Init(g, n.inputs[i]);
        if (!t || t->size() != 1 || t->type() != DataType::kFloat32) return a;
        (i == 1 ? lo : hi) = t->f32()[0];
      }
      return {"Clip", lo, hi, {consumers[0]}, n.outputs[0]};
    }
  }
  // 0.5 * (x * (1 + erf(x / sqrt2))): Div(x, sqrt2) -> Erf -> Add(., 1) -> Mul(x, .) -> Mul(., 0.5)
  if (consumers.size() == 2) {
    const Node *div = nullptr, *mul = nullptr;
    for (auto c : consumers) {
      const Node& n = g.nodes[c];
      if (n.op_type == "Div" && n.inputs[0] == x && IsScalar(g, n.inputs[1], std::sqrt(2.0f))) div = &n;
      if (n.op_type == "Mul") mul = &n;
    }
    if (!div || !mul) return a;
    const Node* erf = uses.SoleConsumer(g, div->outputs[0]);
    if (!erf || erf->op_type != "Erf") return a;
    const Node* add = uses.SoleConsumer(g, erf->outputs[0]);
    if (!add || add->op_type != "Add" || !IsScalar(g, OtherInput(*add, erf->outputs[0]), 1.0f)) return a;
    const Node* m2 = uses.SoleConsumer(g, add->outputs[0]);
    if (m2 != mul || OtherInput(*mul, add->outputs[0]) != x) return a;
    const Node* half = uses.SoleConsumer(g, mul->outputs[0]);
    if (!half || half->op_type != "Mul" || !IsScalar(g, OtherInput(*half, mul->outputs[0]), 0.5f)) return a;
    return {"Gelu", 0, 0, {IndexOf(g, div), IndexOf(g, erf), IndexOf(g, add), IndexOf(g, mul), IndexOf(g, half)},
            half->outputs[0]};
  }
  return a;
}

}  // namespace

int FoldBatchNorm(Graph& g, PassReport& r) {
  const GraphUses uses(g);
  std::set<std::size_t> removed;
  int folded = 0;
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    Node& conv = g.nodes[i];
    if (conv.op_type != "Conv" || conv.inputs.size() < 2) continue;
    const Node* bn = uses.SoleConsumer(g, conv.outputs[0]);
    if (!bn || bn->op_type != "BatchNormalization" || (bn->outputs.size() > 1 && !bn->outputs[1].empty())) continue;
    const Tensor* w = Init(g, conv.inputs[1]);
    const Tensor* b = conv.inputs.size() > 2 && !conv.inputs[2].empty() ? Init(g, conv.inputs[2]) : nullptr;
    const Tensor *scale = Init(g, bn->inputs[1]), *shift = Init(g, bn->inputs[2]), *mean = Init(g, bn->inputs[3]),
                 *var = Init(g, bn->inputs[4]);
    if (!w || !scale || !shift || !mean || !var || (conv.inputs.size() > 2 && !conv.inputs[2].empty() && !b)) continue;
    const std::int64_t cout = w->shape()[0];
    if (scale->size() != cout || shift->size() != cout || mean->size() != cout || var->size() != cout) continue;
    const float eps = bn->FloatAttr("epsilon", 1e-5f);
    Tensor w2 = *w, b2(DataType::kFloat32, {cout});
    const std::int64_t per = w->size() / cout;
    // Spans hoisted out of the loops: a plan-cache hit on ResNet-50 folds 25 M weights.
    const auto wi = w->f32(), sc = scale->f32(), sh = shift->f32(), mu = mean->f32(), va = var->f32();
    const auto wo = w2.f32(), bo = b2.f32();
    for (std::int64_t c = 0; c < cout; ++c) {
      const double s = sc[c] / std::sqrt(static_cast<double>(va[c]) + eps);
      for (std::int64_t k = 0; k < per; ++k) wo[c * per + k] = static_cast<float>(wi[c * per + k] * s);
      bo[c] = static_cast<float>(((b ? b->f32()[c] : 0.0f) - mu[c]) * s + sh[c]);
    }
    const std::string wn = conv.name + ".bn_folded_weight", bname = conv.name + ".bn_folded_bias";
    g.initializers[wn] = std::move(w2);
    g.initializers[bname] = std::move(b2);
    conv.inputs.resize(3);
    conv.inputs[1] = wn;
    conv.inputs[2] = bname;
    r.groups.push_back({{"into", conv.name}, {"replaced", {conv.name, bn->name}}});
    conv.outputs[0] = bn->outputs[0];
    removed.insert(IndexOf(g, bn));
    ++folded;
  }
  std::map<std::size_t, Node> none;
  passes::Rebuild(g, removed, none);
  r.rewrites += folded;
  return folded;
}

int FuseEpilogues(Graph& g, PassReport& r) {
  const GraphUses uses(g);
  std::set<std::size_t> removed;
  std::map<std::size_t, Node> replacement;  // at the position of the chain's last node
  int fused = 0;
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (removed.count(i)) continue;
    Node f;
    std::string bias;
    if (n.op_type == "Conv" && n.inputs.size() >= 2 && Init(g, n.inputs[1])) {
      const Tensor* w = Init(g, n.inputs[1]);
      const std::int64_t group = n.IntAttr("group", 1);
      if (w->shape().size() != 4 || n.StringAttr("auto_pad", "NOTSET") != "NOTSET") continue;
      if (group != 1 && !(w->shape()[1] == 1 && group == w->shape()[0])) continue;  // dense or depthwise
      f = n;
      f.op_type = "FusedConv";
      if (n.inputs.size() > 2) bias = n.inputs[2];
    } else if ((n.op_type == "MatMul" && n.inputs.size() == 2) ||
               (n.op_type == "Gemm" && n.IntAttr("transA", 0) == 0 && n.FloatAttr("alpha", 1) == 1.0f &&
                n.FloatAttr("beta", 1) == 1.0f)) {
      const Tensor* w = Init(g, n.inputs[1]);
      if (!w || w->shape().size() != 2) continue;
      f.op_type = "FusedMatMul";
      f.name = n.name;
      f.inputs = {n.inputs[0], n.inputs[1]};
      f.attributes["trans_b"] = n.op_type == "Gemm" ? n.IntAttr("transB", 0) : std::int64_t{0};
      if (n.op_type == "Gemm" && n.inputs.size() > 2 && !n.inputs[2].empty()) {
        const Tensor* c = Init(g, n.inputs[2]);
        const std::int64_t cols = w->shape()[f.IntAttr("trans_b", 0) ? 0 : 1];
        if (!c || c->size() != cols) continue;  // only a per-column bias folds into the epilogue
        bias = n.inputs[2];
      }
    } else {
      continue;
    }
    std::vector<std::string> replaced = {n.name};
    std::string out = n.outputs[0];
    std::size_t last = i;
    const Shape* out_shape = g.value_shapes.count(out) ? &g.value_shapes.at(out) : nullptr;
    auto absorb = [&](const Node* c) {
      replaced.push_back(c->name);
      removed.insert(IndexOf(g, c));
      last = std::max(last, IndexOf(g, c));
      out = c->outputs[0];
    };
    // A bias Add after MatMul: a per-column initializer.
    if (f.op_type == "FusedMatMul" && bias.empty()) {
      const Node* add = uses.SoleConsumer(g, out);
      if (add && add->op_type == "Add" && !removed.count(IndexOf(g, add))) {
        const Tensor* b = Init(g, OtherInput(*add, out));
        const Tensor* w = Init(g, n.inputs[1]);
        if (b && b->shape().size() == 1 && b->size() == w->shape()[f.IntAttr("trans_b", 0) ? 0 : 1]) {
          bias = OtherInput(*add, out);
          absorb(add);
        }
      }
    }
    // A residual Add of a computed tensor with the same shape.
    std::string residual;
    if (const Node* add = uses.SoleConsumer(g, out);
        add && add->op_type == "Add" && out_shape && !removed.count(IndexOf(g, add))) {
      const std::string other = OtherInput(*add, out);
      Shape storage;
      const Shape* s = ShapeOf(g, other, *out_shape, storage);
      if (!other.empty() && !Init(g, other) && other != out && s && *s == *out_shape) {
        residual = other;
        absorb(add);
      }
    }
    const Activation act = MatchActivation(g, uses, out);
    const bool act_free = std::none_of(act.nodes.begin(), act.nodes.end(), [&](std::size_t k) { return removed.count(k); });
    if (!act.kind.empty() && act_free) {
      for (auto k : act.nodes) {
        replaced.push_back(g.nodes[k].name);
        removed.insert(k);
        last = std::max(last, k);
      }
      out = act.output;
      f.attributes["activation"] = act.kind;
      f.attributes["clip_min"] = act.clip_min;
      f.attributes["clip_max"] = act.clip_max;
    }
    if (replaced.size() == 1 && f.op_type == "FusedMatMul" && bias.empty()) continue;  // nothing gained
    f.inputs.resize(2);
    f.inputs.push_back(bias);
    f.inputs.push_back(residual);
    f.outputs = {out};
    if (!f.Has("activation")) f.attributes["activation"] = std::string();
    r.groups.push_back({{"into", f.op_type + " " + f.name}, {"replaced", replaced}});
    removed.insert(i);
    replacement[last] = std::move(f);
    ++fused;
  }
  passes::Rebuild(g, removed, replacement);
  r.rewrites += fused;
  return fused;
}

}  // namespace joulebench
