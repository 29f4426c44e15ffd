// synthetic engine: a precise service time from the steady clock (spin) or a sleep.
#include "engines/synthetic/synthetic_engine.h"

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "harness/common/errors.h"

namespace joulebench {

SyntheticEngine::SyntheticEngine(const nlohmann::json& o)
    : a_s_(o.value("a_s", 0.001)), b_s_(o.value("b_s", 0.0001)), spin_(o.value("mode", "spin") == "spin") {}

void SyntheticEngine::Prepare(const Graph&, Precision precision, std::int64_t batch) {
  if (precision != Precision::kFp32) {
    throw InputError(fmt::format("synthetic engine: precision {} is not available", PrecisionName(precision)));
  }
  batch_ = batch;
}

void SyntheticEngine::Enqueue() {
  const auto end = std::chrono::steady_clock::now() +
                   std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(ServiceSeconds()));
  if (!spin_) {
    std::this_thread::sleep_until(end);
    return;
  }
  while (std::chrono::steady_clock::now() < end) {
  }
}

nlohmann::json SyntheticEngine::Describe() const {
  return {{"engine", "synthetic"}, {"a_s", a_s_}, {"b_s", b_s_}, {"mode", spin_ ? "spin" : "sleep"},
          {"batch", batch_}, {"service_s", ServiceSeconds()}};
}

}  // namespace joulebench
