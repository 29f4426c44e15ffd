// Compact latency record kept with every measurement: a log-bucketed histogram (buckets grow by 1% from 1 µs),
// so any percentile read back from it is within 0.5% of the exact nearest-rank value, whatever the query count.
// Stored as JSON {"unit":"us","growth":1.01,"first":i0,"counts":[...]} (docs/results-schema.md).
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

namespace joulebench {

class LatencyHistogram {
 public:
  static constexpr double kGrowth = 1.01;  // bucket i covers [g^i, g^(i+1)) µs
  void Add(double latency_ms);
  std::int64_t count() const { return count_; }
  // Nearest-rank percentile, reported as the bucket's geometric midpoint (relative error <= 0.5%).
  double Percentile(double q) const;
  nlohmann::json ToJson() const;
  // Throws std::invalid_argument for a malformed record.
  static LatencyHistogram FromJson(const nlohmann::json& j);

 private:
  std::int64_t first_ = 0;             // bucket index of counts_[0]
  std::vector<std::int64_t> counts_;   // dense from first_ to the highest bucket seen
  std::int64_t count_ = 0;
};

}  // namespace joulebench
