// Graph optimization passes of the optimized engines (the TensorRT playbook on the graph IR), each a unit that can
// be switched off for ablations. They run on a graph whose shapes are inferred at one batch size. A pass that
// throws leaves the graph as it was before that pass (a warning in the report, never a wrong answer).
//
// Fused operators the passes introduce (executed by engines that list them, never by the reference engine):
//   FusedConv(X, W, B?, R?)     = act(Conv(X, W) + B + R)     Conv attributes + activation attributes
//   FusedMatMul(A, W, B?, R?)   = act(A · W' + B + R)          W' = W or Wᵀ ("trans_b"); W a 2-D initializer
//   activation attributes: "activation" ("", Relu, Clip, Sigmoid, HardSwish, Gelu), "clip_min", "clip_max".
//   FusedAttention(Q, K, V)     = softmax(scale · Q·K, last axis) · V   per (batch, head): Q [S, D], K [D, Sk] as in
//                                 the MatMul, V [Sk, Dv]; attributes scale, batch, heads, seq_q, seq_k, head_dim, v_dim
//                                 and the strides of every operand as (b, h, row, col) — "q_strides", "k_strides" (K
//                                 read as key × d), "v_strides", "o_strides" — so Transpose/Reshape views cost nothing;
//                                 "q_offset", "k_offset", "v_offset" (default 0) where the operands share one buffer
//   FusedElementwise(v0..vN)    = a chain of elementwise operators; "body" holds OpenCL C statements over v0..vN
//                                 (inputs broadcast to the output's shape), "result" names the value written
#pragma once

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engines/graph.h"

namespace joulebench {

struct PassReport {
  std::string pass;
  int rewrites = 0;                 // nodes folded, removed or fused
  nlohmann::json groups = nlohmann::json::array();  // fusions: {"into": node, "replaced": [ONNX nodes]}
  std::string warning;              // set when the pass failed and was skipped
};

struct OptimizedGraph {
  Graph graph;
  std::vector<PassReport> reports;
  nlohmann::json ReportJson() const;
};

// Pass names in the order they run.
const std::vector<std::string>& GraphPassNames();
// Throws InputError naming the known passes for an unknown name in `disabled`.
void CheckPassNames(const std::set<std::string>& disabled);
// Runs every pass not in `disabled` on `shaped` (shapes inferred at the batch size).
OptimizedGraph OptimizeGraph(Graph shaped, const std::set<std::string>& disabled);  // by value: move it in

// Runs `passes` in order; one that throws is rolled back (its nodes restored, initializers it added removed) and
// reported with a warning, and the next pass runs on the graph as it was.
using GraphPass = int (*)(Graph&, PassReport&);
OptimizedGraph RunPasses(Graph shaped, const std::vector<std::pair<std::string, GraphPass>>& passes);

// Individual passes (exposed for focused tests). Each returns the number of rewrites.
int EliminateIdentity(Graph& g, PassReport& r);
int FoldConstants(Graph& g, PassReport& r);
int FoldBatchNorm(Graph& g, PassReport& r);
int FuseEpilogues(Graph& g, PassReport& r);
int FuseAttention(Graph& g, PassReport& r);
int EliminateTransposes(Graph& g, PassReport& r);
int FuseQkvProjections(Graph& g, PassReport& r);
int FuseElementwise(Graph& g, PassReport& r);
int RemoveDeadNodes(Graph& g, PassReport& r);

// Helpers shared by the passes.
struct GraphUses {
  explicit GraphUses(const Graph& g);
  std::vector<std::size_t> Consumers(const std::string& tensor) const;
  bool IsGraphOutput(const std::string& tensor) const { return outputs.count(tensor) != 0; }
  // The single consumer of `tensor` when it has exactly one and is not a graph output.
  const Node* SoleConsumer(const Graph& g, const std::string& tensor) const;
  std::map<std::string, std::vector<std::size_t>> consumers;
  std::set<std::string> outputs;
};

}  // namespace joulebench
