// Reference engine: plain single-threaded C++ on the CPU in fp32, written for clarity over speed.
// It is the numerical oracle other engines are compared with; each op lives in reference_ops.cc.
#pragma once

#include "engines/engine.h"

namespace joulebench {

class ReferenceEngine : public Engine {
 public:
  std::vector<UnsupportedOp> Supports(const Graph& graph) const override;
  void Prepare(const Graph& graph, Precision precision, std::int64_t batch) override;
  void Stage(const TensorMap& inputs) override;
  void Enqueue() override;
  void Wait() override {}
  TensorMap Outputs() override;
  nlohmann::json Describe() const override;

 private:
  Graph graph_;
  std::int64_t batch_ = 0;
  TensorMap staged_;
  TensorMap values_;  // every tensor of the last inference, by name
};

}  // namespace joulebench
