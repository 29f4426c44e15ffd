// Attention fusion and layout passes:
//   fuse_attention       MatMul(Q, K) [x scale | / scale] -> Softmax(last axis) -> MatMul(., V) becomes one
//                        FusedAttention node (graph_passes.h), every operand addressed through explicit strides;
//   fuse_qkv             the three projections feeding a FusedAttention (same input, weights [K, N_i]) become one
//                        FusedMatMul over concatenated weights; the attention reads its slices through offsets;
//   eliminate_transposes Transpose/Reshape producers of FusedAttention's operands, and the Transpose(+Reshape)
//                        after its output, are absorbed into those strides (no copy is made); Transpose pairs are
//                        composed (removed when they cancel) and Reshape chains collapse into one Reshape.
#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "engines/passes/graph_passes.h"
#include "engines/passes/pass_util.h"

namespace joulebench {
namespace {

using passes::ContiguousStrides;
using passes::IndexOf;
using passes::Init;
using passes::ScalarValue;

constexpr std::int64_t kMaxHeadDim = 128;  // the fused kernel keeps a query row and an output row in registers

// An operand of rank 3 ([B, rows, cols]) or 4 ([B, H, rows, cols]) as 4 strides (b, h, row, col); h = 0 for rank 3.
std::vector<std::int64_t> Strides4(const Shape& s) {
  auto st = ContiguousStrides(s);
  if (s.size() == 3) st.insert(st.begin() + 1, 0);
  return st;
}

const Shape* Known(const Graph& g, const std::string& name) {
  auto it = g.value_shapes.find(name);
  if (it == g.value_shapes.end() || it->second.size() < 3 || it->second.size() > 4) return nullptr;
  if (std::any_of(it->second.begin(), it->second.end(), [](std::int64_t d) { return d <= 0; })) return nullptr;
  return &it->second;
}

std::vector<std::int64_t> Perm(const Node& t, std::size_t rank) {
  auto p = t.IntsAttr("perm");
  if (p.empty()) {
    for (std::size_t i = rank; i-- > 0;) p.push_back(static_cast<std::int64_t>(i));
  }
  return p;
}

}  // namespace

int FuseAttention(Graph& g, PassReport& r) {
  const GraphUses uses(g);
  std::set<std::size_t> removed;
  std::map<std::size_t, Node> replacement;
  int fused = 0;
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& qk = g.nodes[i];
    if (qk.op_type != "MatMul" || qk.inputs.size() != 2 || removed.count(i)) continue;
    const Shape *qs = Known(g, qk.inputs[0]), *ks = Known(g, qk.inputs[1]);
    if (!qs || !ks || qs->size() != ks->size() || Init(g, qk.inputs[1])) continue;
    const std::size_t rank = qs->size();
    if (!std::equal(qs->begin(), qs->end() - 2, ks->begin()) || (*qs)[rank - 1] != (*ks)[rank - 2]) continue;
    std::vector<const Node*> chain = {&qk};
    const Node* next = uses.SoleConsumer(g, qk.outputs[0]);
    float scale = 1;
    if (next && (next->op_type == "Mul" || next->op_type == "Div") && next->inputs.size() == 2) {
      const std::string other = next->inputs[0] == qk.outputs[0] ? next->inputs[1] : next->inputs[0];
      const float c = ScalarValue(g, other);
      if (std::isnan(c) || (next->op_type == "Div" && next->inputs[1] != other) || c == 0) continue;
      scale = next->op_type == "Mul" ? c : 1 / c;
      chain.push_back(next);
      next = uses.SoleConsumer(g, next->outputs[0]);
    }
    if (!next || next->op_type != "Softmax") continue;
    const std::int64_t axis = next->IntAttr("axis", g.opset >= 13 ? -1 : 1);
    if (axis != -1 && axis != static_cast<std::int64_t>(rank) - 1) continue;
    chain.push_back(next);
    const Node* pv = uses.SoleConsumer(g, next->outputs[0]);
    if (!pv || pv->op_type != "MatMul" || pv->inputs.size() != 2 || pv->inputs[0] != next->outputs[0]) continue;
    const Shape* vs = Known(g, pv->inputs[1]);
    if (!vs || vs->size() != rank || !std::equal(vs->begin(), vs->end() - 2, qs->begin()) ||
        (*vs)[rank - 2] != (*ks)[rank - 1] || Init(g, pv->inputs[1])) {
      continue;
    }
    chain.push_back(pv);
    const std::int64_t head_dim = (*qs)[rank - 1], v_dim = (*vs)[rank - 1];
    if (head_dim > kMaxHeadDim || v_dim > kMaxHeadDim) continue;
    Node f;
    f.op_type = "FusedAttention";
    f.name = qk.name;
    f.inputs = {qk.inputs[0], qk.inputs[1], pv->inputs[1]};
    f.outputs = {pv->outputs[0]};
    f.attributes["scale"] = scale;
    f.attributes["batch"] = (*qs)[0];
    f.attributes["heads"] = rank == 4 ? (*qs)[1] : std::int64_t{1};
    f.attributes["seq_q"] = (*qs)[rank - 2];
    f.attributes["seq_k"] = (*ks)[rank - 1];
    f.attributes["head_dim"] = head_dim;
    f.attributes["v_dim"] = v_dim;
    f.attributes["q_strides"] = Strides4(*qs);
    auto k4 = Strides4(*ks);  // the operand is [.., D, Sk]; the kernel reads K as (b, h, key, d)
    std::swap(k4[2], k4[3]);
    f.attributes["k_strides"] = k4;
    f.attributes["v_strides"] = Strides4(*vs);
    Shape os = *qs;
    os[rank - 1] = v_dim;
    f.attributes["o_strides"] = Strides4(os);
    std::vector<std::string> replaced;
    for (const Node* c : chain) {
      replaced.push_back(c->name);
      removed.insert(IndexOf(g, c));
    }
    r.groups.push_back({{"into", "FusedAttention " + f.name}, {"replaced", replaced}});
    replacement[IndexOf(g, pv)] = std::move(f);
    ++fused;
  }
  passes::Rebuild(g, removed, replacement);
  r.rewrites += fused;
  return fused;
}

int EliminateTransposes(Graph& g, PassReport& r) {
  int rewrites = 0;
  // 1. Transpose(Transpose(x)) -> one Transpose, or nothing when the permutations cancel; Reshape(Reshape(x)) ->
  //    Reshape(x). The inner node must have no other consumer (it then becomes dead).
  {
    const GraphUses uses(g);
    std::map<std::string, std::size_t> producer;
    for (std::size_t i = 0; i < g.nodes.size(); ++i) {
      for (const auto& o : g.nodes[i].outputs) producer[o] = i;
    }
    std::vector<std::pair<std::string, std::string>> renames;
    std::set<std::size_t> removed;
    for (auto& n : g.nodes) {
      if (n.inputs.empty() || !producer.count(n.inputs[0])) continue;
      const Node& inner = g.nodes[producer[n.inputs[0]]];
      if (inner.op_type != n.op_type || uses.SoleConsumer(g, inner.outputs[0]) != &n) continue;
      if (n.op_type == "Reshape") {
        r.groups.push_back({{"into", "Reshape " + n.name}, {"replaced", {inner.name, n.name}}});
        n.inputs[0] = inner.inputs[0];
        ++rewrites;
      } else if (n.op_type == "Transpose") {
        const Shape* s = g.value_shapes.count(inner.outputs[0]) ? &g.value_shapes.at(inner.outputs[0]) : nullptr;
        if (!s) continue;
        const auto p1 = Perm(inner, s->size()), p2 = Perm(n, s->size());
        std::vector<std::int64_t> p(p2.size());
        for (std::size_t k = 0; k < p2.size(); ++k) p[k] = p1[static_cast<std::size_t>(p2[k])];
        std::vector<std::int64_t> identity(p.size());
        std::iota(identity.begin(), identity.end(), 0);
        if (p == identity && !uses.IsGraphOutput(n.outputs[0])) {
          renames.emplace_back(n.outputs[0], inner.inputs[0]);
          removed.insert(IndexOf(g, &n));
          r.groups.push_back({{"into", "nothing (permutations cancel)"}, {"replaced", {inner.name, n.name}}});
        } else {
          n.inputs[0] = inner.inputs[0];
          n.attributes["perm"] = p;
          r.groups.push_back({{"into", "Transpose " + n.name}, {"replaced", {inner.name, n.name}}});
        }
        ++rewrites;
      }
    }
    std::map<std::size_t, Node> none;
    passes::Rebuild(g, removed, none);
    for (const auto& [from, to] : renames) {
      for (auto& n : g.nodes) std::replace(n.inputs.begin(), n.inputs.end(), from, to);
    }
  }
  // 2. FusedAttention reads its operands through Transpose / Reshape views and writes through the Transpose
  //    (+ Reshape) after it: the strides change, no data moves. Reshape of a node output is a view of a contiguous
  //    buffer, so Transpose(Reshape(u)) reads u directly.
  const GraphUses uses(g);
  std::map<std::string, std::size_t> producer;
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    for (const auto& o : g.nodes[i].outputs) producer[o] = i;
  }
  auto sole_producer = [&](const std::string& t, const Node& consumer) -> const Node* {
    auto it = producer.find(t);
    if (it == producer.end() || uses.SoleConsumer(g, t) != &consumer) return nullptr;
    return &g.nodes[it->second];
  };
  std::set<std::size_t> removed;
  for (auto& n : g.nodes) {
    if (n.op_type != "FusedAttention") continue;
    static const char* kStrideAttr[] = {"q_strides", "k_strides", "v_strides"};
    for (std::size_t slot = 0; slot < 3; ++slot) {
      const Node* t = sole_producer(n.inputs[slot], n);
      if (!t || (t->op_type != "Transpose" && t->op_type != "Reshape")) continue;
      const Shape* view = g.value_shapes.count(t->outputs[0]) ? &g.value_shapes.at(t->outputs[0]) : nullptr;
      if (!view || view->size() != 4) continue;  // the strides attributes are (b, h, row, col)
      std::string base;
      std::vector<std::int64_t> st;  // strides of the view's dimensions in the base buffer
      std::vector<std::string> absorbed = {t->name};
      if (t->op_type == "Reshape") {
        base = t->inputs[0];
        st = ContiguousStrides(*view);
      } else {
        const Shape* xs = g.value_shapes.count(t->inputs[0]) ? &g.value_shapes.at(t->inputs[0]) : nullptr;
        if (!xs) continue;
        const auto xst = ContiguousStrides(*xs);
        const auto perm = Perm(*t, xs->size());
        for (auto p : perm) st.push_back(xst[static_cast<std::size_t>(p)]);
        base = t->inputs[0];
        if (const Node* rs = sole_producer(base, *t); rs && rs->op_type == "Reshape") {
          base = rs->inputs[0];  // a Reshape of a contiguous tensor: same buffer, same element order
          absorbed.push_back(rs->name);
        }
      }
      if (slot == 1) std::swap(st[2], st[3]);  // K is read as (b, h, key, d)
      // The absorbed views had no other consumer: drop them now so that later passes see the real consumers.
      removed.insert(IndexOf(g, t));
      if (absorbed.size() > 1) removed.insert(producer.at(t->inputs[0]));
      n.inputs[slot] = base;
      n.attributes[kStrideAttr[slot]] = st;
      r.groups.push_back({{"into", "FusedAttention " + n.name + " (operand strides)"}, {"replaced", absorbed}});
      ++rewrites;
    }
    // The output: O [B, H, S, Dv] -> Transpose(perm) -> T (-> Reshape -> R). O's dimension perm[k] lands at T's
    // contiguous stride k; R shares T's buffer.
    const Node* t = uses.SoleConsumer(g, n.outputs[0]);
    const Shape* os = g.value_shapes.count(n.outputs[0]) ? &g.value_shapes.at(n.outputs[0]) : nullptr;
    if (!t || t->op_type != "Transpose" || !os || os->size() != 4 || !g.value_shapes.count(t->outputs[0])) continue;
    const auto tst = ContiguousStrides(g.value_shapes.at(t->outputs[0]));
    const auto perm = Perm(*t, 4);
    std::vector<std::int64_t> ost(4);
    for (std::size_t k = 0; k < 4; ++k) ost[static_cast<std::size_t>(perm[k])] = tst[k];
    std::vector<std::string> absorbed = {t->name};
    std::string out = t->outputs[0];
    removed.insert(IndexOf(g, t));
    if (const Node* rs = uses.SoleConsumer(g, out); rs && rs->op_type == "Reshape" && rs->inputs[0] == out) {
      out = rs->outputs[0];
      absorbed.push_back(rs->name);
      removed.insert(IndexOf(g, rs));
    }
    n.outputs[0] = out;
    n.attributes["o_strides"] = ost;
    r.groups.push_back({{"into", "FusedAttention " + n.name + " (output strides)"}, {"replaced", absorbed}});
    ++rewrites;
  }
  std::map<std::size_t, Node> none;
  passes::Rebuild(g, removed, none);
  r.rewrites += rewrites;
  return rewrites;
}

int FuseQkvProjections(Graph& g, PassReport& r) {
  // FusedAttention whose three operands come from FusedMatMuls over the same input (weights [K, N_i], optional
  // bias, no residual, no activation, each consumed only by the attention): one FusedMatMul over the weights
  // concatenated by columns, and the attention reads its slices through offsets and widened row strides.
  const GraphUses uses(g);
  std::map<std::string, std::size_t> producer;
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    for (const auto& o : g.nodes[i].outputs) producer[o] = i;
  }
  std::set<std::size_t> removed;
  std::map<std::size_t, Node> replacement;
  int merged = 0;
  for (auto& a : g.nodes) {
    if (a.op_type != "FusedAttention") continue;
    std::vector<const Node*> proj;
    for (std::size_t slot = 0; slot < 3; ++slot) {
      auto it = producer.find(a.inputs[slot]);
      const Node* p = it == producer.end() ? nullptr : &g.nodes[it->second];
      if (!p || p->op_type != "FusedMatMul" || p->IntAttr("trans_b", 0) != 0 || !p->StringAttr("activation", "").empty() ||
          (p->inputs.size() > 3 && !p->inputs[3].empty()) || uses.SoleConsumer(g, p->outputs[0]) != &a ||
          removed.count(IndexOf(g, p)) || !Init(g, p->inputs[1]) || !g.value_shapes.count(p->outputs[0])) {
        break;
      }
      proj.push_back(p);
    }
    if (proj.size() != 3 || proj[0] == proj[1] || proj[1] == proj[2] || proj[0] == proj[2]) continue;
    const bool bias = proj[0]->inputs.size() > 2 && !proj[0]->inputs[2].empty();
    bool same = true;
    for (const Node* p : proj) {
      same &= p->inputs[0] == proj[0]->inputs[0] && Init(g, p->inputs[1])->shape().size() == 2 &&
              Init(g, p->inputs[1])->shape()[0] == Init(g, proj[0]->inputs[1])->shape()[0] &&
              (p->inputs.size() > 2 && !p->inputs[2].empty()) == bias && (!bias || Init(g, p->inputs[2]));
    }
    if (!same) continue;
    // Convert each operand's strides from its own [.., N_i] layout to the concatenated [.., N] layout: a stride
    // that is a whole number of rows widens to rows of N, one within a row stays.
    std::int64_t total = 0;
    std::vector<std::int64_t> cols;
    for (const Node* p : proj) {
      cols.push_back(Init(g, p->inputs[1])->shape()[1]);
      total += cols.back();
    }
    static const char* kStrideAttr[] = {"q_strides", "k_strides", "v_strides"};
    std::vector<std::vector<std::int64_t>> widened(3);
    bool ok = true;
    for (std::size_t slot = 0; slot < 3 && ok; ++slot) {
      for (auto st : a.IntsAttr(kStrideAttr[slot])) {
        if (st % cols[slot] == 0) {
          widened[slot].push_back(st / cols[slot] * total);
        } else if (st < cols[slot]) {
          widened[slot].push_back(st);
        } else {
          ok = false;
        }
      }
    }
    if (!ok) continue;
    const std::int64_t K = Init(g, proj[0]->inputs[1])->shape()[0];
    Tensor w(DataType::kFloat32, {K, total}), b(DataType::kFloat32, {total});
    std::int64_t at = 0;
    for (std::size_t slot = 0; slot < 3; ++slot) {
      const Tensor& wi = *Init(g, proj[slot]->inputs[1]);
      for (std::int64_t row = 0; row < K; ++row) {
        std::copy_n(wi.f32().data() + row * cols[slot], cols[slot], w.f32().data() + row * total + at);
      }
      if (bias) std::copy_n(Init(g, proj[slot]->inputs[2])->f32().data(), cols[slot], b.f32().data() + at);
      at += cols[slot];
    }
    Node f = *proj[0];
    f.name = proj[0]->name + "+qkv";
    const std::string out = f.name + ".out";
    g.initializers[f.name + ".weight"] = std::move(w);
    f.inputs[1] = f.name + ".weight";
    if (bias) {
      g.initializers[f.name + ".bias"] = std::move(b);
      f.inputs[2] = f.name + ".bias";
    }
    f.outputs = {out};
    Shape os = g.value_shapes.at(proj[0]->outputs[0]);
    os.back() = total;
    g.value_shapes[out] = os;
    at = 0;
    static const char* kOffsetAttr[] = {"q_offset", "k_offset", "v_offset"};
    for (std::size_t slot = 0; slot < 3; ++slot) {
      a.inputs[slot] = out;
      a.attributes[kStrideAttr[slot]] = widened[slot];
      a.attributes[kOffsetAttr[slot]] = at;
      at += cols[slot];
      removed.insert(IndexOf(g, proj[slot]));
    }
    r.groups.push_back({{"into", "FusedMatMul " + f.name}, {"replaced", {proj[0]->name, proj[1]->name, proj[2]->name}}});
    replacement[std::min({IndexOf(g, proj[0]), IndexOf(g, proj[1]), IndexOf(g, proj[2])})] = std::move(f);
    ++merged;
  }
  passes::Rebuild(g, removed, replacement);
  r.rewrites += merged;
  return merged;
}

}  // namespace joulebench
