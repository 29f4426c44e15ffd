// Cleanup passes: Identity/Dropout removal, constant folding (shape subgraphs included, evaluated with the
// reference operators), dead-node removal; and the pass driver with its fallback on failure.
#include <algorithm>

#include <fmt/format.h>

#include "engines/passes/graph_passes.h"
#include "engines/reference/reference_ops.h"
#include "harness/common/errors.h"

namespace joulebench {

GraphUses::GraphUses(const Graph& g) {
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    for (const auto& in : g.nodes[i].inputs) {
      if (!in.empty()) consumers[in].push_back(i);
    }
  }
  for (const auto& o : g.outputs) outputs.insert(o.name);
}

std::vector<std::size_t> GraphUses::Consumers(const std::string& tensor) const {
  auto it = consumers.find(tensor);
  return it == consumers.end() ? std::vector<std::size_t>{} : it->second;
}

const Node* GraphUses::SoleConsumer(const Graph& g, const std::string& tensor) const {
  const auto c = Consumers(tensor);
  if (c.size() != 1 || IsGraphOutput(tensor)) return nullptr;
  return &g.nodes[c[0]];
}

namespace {

void Rename(Graph& g, const std::string& from, const std::string& to) {
  for (auto& n : g.nodes) {
    for (auto& in : n.inputs) {
      if (in == from) in = to;
    }
  }
}

}  // namespace

int EliminateIdentity(Graph& g, PassReport& r) {
  const GraphUses uses(g);
  std::vector<Node> kept;
  int removed = 0;
  std::vector<std::pair<std::string, std::string>> renames;
  for (auto& n : g.nodes) {
    const bool identity = n.op_type == "Identity" || (n.op_type == "Dropout" && (n.outputs.size() < 2 ||
                                                                                 n.outputs[1].empty() ||
                                                                                 uses.Consumers(n.outputs[1]).empty()));
    if (identity && !n.inputs.empty() && !uses.IsGraphOutput(n.outputs[0])) {
      renames.emplace_back(n.outputs[0], n.inputs[0]);
      ++removed;
      continue;
    }
    kept.push_back(std::move(n));
  }
  g.nodes = std::move(kept);
  for (const auto& [from, to] : renames) Rename(g, from, to);
  r.rewrites += removed;
  return removed;
}

int FoldConstants(Graph& g, PassReport& r) {
  int folded = 0;
  std::vector<Node> kept;
  for (auto& n : g.nodes) {
    const ReferenceOp op = FindReferenceOp(n.op_type);
    bool known = op != nullptr && !n.outputs.empty();
    Tensor shape_stand_in;
    std::vector<const Tensor*> ins;
    if (known && n.op_type == "Shape") {  // needs only the input's (inferred, concrete) shape
      auto s = g.value_shapes.find(n.inputs[0]);
      known = s != g.value_shapes.end() &&
              std::all_of(s->second.begin(), s->second.end(), [](std::int64_t d) { return d >= 0; });
      if (known) {
        shape_stand_in = Tensor(DataType::kFloat32, s->second);
        ins.push_back(&shape_stand_in);
      }
    } else {
      for (const auto& in : n.inputs) {
        if (in.empty()) {
          ins.push_back(nullptr);
          continue;
        }
        auto it = g.initializers.find(in);
        if (it == g.initializers.end()) {
          known = false;
          break;
        }
        ins.push_back(&it->second);
      }
    }
    if (!known || (n.inputs.empty() && n.op_type != "Constant")) {
      kept.push_back(std::move(n));
      continue;
    }
    auto outs = op(n, ins, g.opset);
    for (std::size_t i = 0; i < n.outputs.size() && i < outs.size(); ++i) {
      if (!n.outputs[i].empty()) g.initializers[n.outputs[i]] = std::move(outs[i]);
    }
    ++folded;
  }
  g.nodes = std::move(kept);
  r.rewrites += folded;
  return folded;
}

int RemoveDeadNodes(Graph& g, PassReport& r) {
  std::set<std::string> live;
  for (const auto& o : g.outputs) live.insert(o.name);
  std::vector<bool> keep(g.nodes.size(), false);
  for (std::size_t i = g.nodes.size(); i-- > 0;) {
    const auto& n = g.nodes[i];
    keep[i] = std::any_of(n.outputs.begin(), n.outputs.end(), [&](const std::string& o) { return live.count(o); });
    if (keep[i]) live.insert(n.inputs.begin(), n.inputs.end());
  }
  std::vector<Node> kept;
  int removed = 0;
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    if (keep[i]) {
      kept.push_back(std::move(g.nodes[i]));
    } else {
      ++removed;
    }
  }
  g.nodes = std::move(kept);
  for (auto it = g.initializers.begin(); it != g.initializers.end();) {
    it = live.count(it->first) ? std::next(it) : g.initializers.erase(it);
  }
  r.rewrites += removed;
  return removed;
}

const std::vector<std::string>& GraphPassNames() {
  static const std::vector<std::string> names = {"eliminate_identity", "fold_constants",       "fold_batchnorm",
                                                 "fuse_epilogue",      "fuse_attention",       "eliminate_transposes",
                                                 "fuse_qkv",           "fuse_elementwise",     "remove_dead_nodes"};
  return names;
}

void CheckPassNames(const std::set<std::string>& disabled) {
  for (const auto& d : disabled) {
    if (std::find(GraphPassNames().begin(), GraphPassNames().end(), d) == GraphPassNames().end()) {
      throw InputError(fmt::format("unknown graph pass \"{}\"; the passes are: {}", d,
                                   fmt::join(GraphPassNames(), ", ")));
    }
  }
}

nlohmann::json OptimizedGraph::ReportJson() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : reports) {
    nlohmann::json j = {{"pass", r.pass}, {"rewrites", r.rewrites}};
    if (!r.groups.empty()) j["fused_groups"] = r.groups;
    if (!r.warning.empty()) j["warning"] = r.warning;
    out.push_back(j);
  }
  return out;
}

OptimizedGraph OptimizeGraph(Graph shaped, const std::set<std::string>& disabled) {
  CheckPassNames(disabled);
  static const std::map<std::string, GraphPass> all = {{"eliminate_identity", &EliminateIdentity},
                                                       {"fold_constants", &FoldConstants},
                                                       {"fold_batchnorm", &FoldBatchNorm},
                                                       {"fuse_epilogue", &FuseEpilogues},
                                                       {"fuse_attention", &FuseAttention},
                                                       {"eliminate_transposes", &EliminateTransposes},
                                                       {"fuse_qkv", &FuseQkvProjections},
                                                       {"fuse_elementwise", &FuseElementwise},
                                                       {"remove_dead_nodes", &RemoveDeadNodes}};
  std::vector<std::pair<std::string, GraphPass>> passes;
  for (const auto& name : GraphPassNames()) {
    if (!disabled.count(name)) passes.emplace_back(name, all.at(name));
  }
  return RunPasses(std::move(shaped), passes);
}

OptimizedGraph RunPasses(Graph shaped, const std::vector<std::pair<std::string, GraphPass>>& passes) {
  OptimizedGraph out{std::move(shaped), {}};
  for (const auto& [name, pass] : passes) {
    PassReport report{name};
    // Rollback state: passes rewrite nodes and only add initializers (remove_dead_nodes erases after its last
    // possible failure), so the node list and the initializer names restore the graph without copying weights.
    std::vector<Node> nodes_before = out.graph.nodes;
    std::set<std::string> names_before;
    for (const auto& [k, t] : out.graph.initializers) names_before.insert(k);
    try {
      pass(out.graph, report);
    } catch (const std::exception& e) {
      out.graph.nodes = std::move(nodes_before);  // fall back to the graph as it was: slower, never wrong
      for (auto it = out.graph.initializers.begin(); it != out.graph.initializers.end();) {
        it = names_before.count(it->first) ? std::next(it) : out.graph.initializers.erase(it);
      }
      report = PassReport{name};
      report.warning = fmt::format("pass {} failed and was skipped: {}", name, e.what());
    }
    out.reports.push_back(std::move(report));
  }
  return out;
}

}  // namespace joulebench
