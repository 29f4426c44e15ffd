// Reference engine: interprets the graph node by node with the reference ops, keeping every tensor.
#include "engines/reference/reference_engine.h"

#include <fmt/format.h>

#include "engines/reference/reference_ops.h"
#include "harness/common/errors.h"

namespace joulebench {

std::vector<UnsupportedOp> ReferenceEngine::Supports(const Graph& graph) const {
  std::vector<UnsupportedOp> missing;
  for (const auto& node : graph.nodes) {
    if (!FindReferenceOp(node.op_type)) {
      missing.push_back({node.op_type, node.name, "the reference engine has no kernel for this operator"});
    }
  }
  return missing;
}

void ReferenceEngine::Prepare(const Graph& graph, Precision precision, std::int64_t batch) {
  if (precision != Precision::kFp32) {
    throw InputError(fmt::format("reference engine: precision {} is not available (only fp32)",
                                 PrecisionName(precision)));
  }
  for (const auto& in : graph.inputs) {
    if (!in.shape.empty() && in.shape[0] > 0 && in.shape[0] != batch) {
      throw InputError(fmt::format("{}: input '{}' has a fixed batch of {} ({}), so batch {} cannot run; use batch {} "
                                   "or a model with a dynamic batch (joulebench models make ... --batch dynamic)",
                                   graph.source, in.name, in.shape[0], ShapeToString(in.shape), batch, in.shape[0]));
    }
  }
  graph_ = graph;
  batch_ = batch;
  staged_.clear();
  values_.clear();
}

void ReferenceEngine::Stage(const TensorMap& inputs) { staged_ = inputs; }

void ReferenceEngine::Enqueue() {
  values_ = staged_;  // initializers are read in place from graph_, never copied per inference
  for (const auto& node : graph_.nodes) {
    std::vector<const Tensor*> in;
    for (const auto& name : node.inputs) {
      if (name.empty()) {
        in.push_back(nullptr);
        continue;
      }
      if (auto it = values_.find(name); it != values_.end()) {
        in.push_back(&it->second);
      } else if (auto w = graph_.initializers.find(name); w != graph_.initializers.end()) {
        in.push_back(&w->second);
      } else {
        throw InputError(fmt::format("reference engine: node '{}' reads '{}', which nothing produced", node.name,
                                     name));
      }
    }
    auto outs = FindReferenceOp(node.op_type)(node, in, graph_.opset);
    for (std::size_t i = 0; i < node.outputs.size() && i < outs.size(); ++i) {
      values_.insert_or_assign(node.outputs[i], std::move(outs[i]));
    }
  }
}

TensorMap ReferenceEngine::Outputs() {
  TensorMap out;
  for (const auto& info : graph_.outputs) {
    auto it = values_.find(info.name);
    if (it != values_.end()) out.emplace(info.name, it->second);
  }
  return out;
}

nlohmann::json ReferenceEngine::Describe() const {
  nlohmann::json ops = nlohmann::json::object();
  for (const auto& node : graph_.nodes) ops[node.op_type] = ops.value(node.op_type, 0) + 1;
  return {{"engine", "reference"},       {"device", "host CPU, 1 thread"},
          {"precision", "fp32"},         {"batch", batch_},
          {"kernels_per_inference", graph_.nodes.size()}, {"ops", ops},
          {"fusion", "none"}};
}

}  // namespace joulebench
