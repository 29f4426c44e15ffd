// synthetic: an engine whose service time per query is a + b * batch seconds (busy-spinning or sleeping), for
// testing the harness and calibrating meters on any machine. It accepts any model and echoes its inputs.
#pragma once

#include "engines/engine.h"

namespace joulebench {

class SyntheticEngine : public Engine {
 public:
  // options: {"a_s": fixed seconds per query, "b_s": seconds per inference, "mode": "spin" | "sleep"}
  explicit SyntheticEngine(const nlohmann::json& options);
  std::vector<UnsupportedOp> Supports(const Graph&) const override { return {}; }
  void Prepare(const Graph& graph, Precision precision, std::int64_t batch) override;
  void Stage(const TensorMap& inputs) override { staged_ = inputs; }
  void Enqueue() override;
  void Wait() override {}
  TensorMap Outputs() override { return staged_; }
  nlohmann::json Describe() const override;

  double ServiceSeconds() const { return a_s_ + b_s_ * static_cast<double>(batch_); }

 private:
  double a_s_, b_s_;
  bool spin_;
  std::int64_t batch_ = 1;
  TensorMap staged_;
};

}  // namespace joulebench
