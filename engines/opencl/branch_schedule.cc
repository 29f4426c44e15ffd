// Finds the optimized graph's parallel branches and hoists each to the earliest place its inputs allow.
#include "engines/opencl/branch_schedule.h"

#include <algorithm>
#include <map>
#include <set>

namespace joulebench {
namespace {

bool IsFusedLayer(const Node& n) { return n.op_type.rfind("Fused", 0) == 0; }
// A join is lowered by the optimized engine itself, which puts the wait for the branch ahead of its launches.
bool IsJoinable(const Node& n) {
  return n.op_type == "FusedConv" || n.op_type == "FusedMatMul" || n.op_type == "FusedAttention" ||
         n.op_type == "FusedElementwise";
}

}  // namespace

std::vector<ParallelBranch> ScheduleParallelBranches(Graph& g) {
  std::set<std::string> graph_outputs;
  for (const auto& o : g.outputs) graph_outputs.insert(o.name);
  std::map<std::string, std::size_t> producer;
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    for (const auto& o : g.nodes[i].outputs) producer[o] = i;
  }
  // Every eligible node with its window [place, join): the best (most overlapped layers) per join.
  struct Window {
    std::size_t node, place, join;
    int overlapped;
  };
  std::map<std::size_t, Window> by_join;
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if ((n.op_type != "FusedConv" && n.op_type != "FusedMatMul") || n.outputs.size() != 1 ||
        graph_outputs.count(n.outputs[0])) {
      continue;
    }
    std::set<std::size_t> consumers;
    for (std::size_t j = 0; j < g.nodes.size(); ++j) {
      const auto& ins = g.nodes[j].inputs;
      if (std::find(ins.begin(), ins.end(), n.outputs[0]) != ins.end()) consumers.insert(j);
    }
    if (consumers.size() != 1) continue;
    const std::size_t join = *consumers.begin();
    if (join <= i || !IsJoinable(g.nodes[join])) continue;
    std::size_t place = 0;  // just after the producers of its computed inputs
    for (const auto& in : n.inputs) {
      if (auto it = producer.find(in); it != producer.end()) place = std::max(place, it->second + 1);
    }
    int overlapped = 0;
    for (std::size_t k = place; k < join; ++k) overlapped += k != i && IsFusedLayer(g.nodes[k]);
    if (overlapped == 0) continue;
    auto [it, fresh] = by_join.try_emplace(join, Window{i, place, join, overlapped});
    if (!fresh && overlapped > it->second.overlapped) it->second = Window{i, place, join, overlapped};
  }
  // Windows in graph order, none overlapping the one before: one branch in flight at a time.
  std::vector<Window> chosen;
  for (const auto& [join, w] : by_join) {
    if (chosen.empty() || w.place > chosen.back().join) chosen.push_back(w);
  }
  std::vector<ParallelBranch> branches;
  for (const Window& w : chosen) {
    branches.push_back({g.nodes[w.node].name, g.nodes[w.join].name, w.overlapped});
    // Moving a node within its own window leaves every other window's indices as they were.
    Node moved = std::move(g.nodes[w.node]);
    g.nodes.erase(g.nodes.begin() + static_cast<std::ptrdiff_t>(w.node));
    g.nodes.insert(g.nodes.begin() + static_cast<std::ptrdiff_t>(w.place), std::move(moved));
  }
  return branches;
}

}  // namespace joulebench
