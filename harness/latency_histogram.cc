// Latency histogram implementation: bucket index floor(log(µs)/log(1.01)), latencies under 1 µs in bucket 0.
#include "harness/latency_histogram.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace joulebench {
namespace {

std::int64_t BucketOf(double latency_ms) {
  const double us = std::max(latency_ms * 1e3, 1.0);
  return static_cast<std::int64_t>(std::floor(std::log(us) / std::log(LatencyHistogram::kGrowth)));
}

}  // namespace

void LatencyHistogram::Add(double latency_ms) {
  const std::int64_t b = BucketOf(latency_ms);
  if (counts_.empty()) {
    first_ = b;
    counts_.assign(1, 0);
  } else if (b < first_) {
    counts_.insert(counts_.begin(), static_cast<std::size_t>(first_ - b), 0);
    first_ = b;
  } else if (b >= first_ + static_cast<std::int64_t>(counts_.size())) {
    counts_.resize(static_cast<std::size_t>(b - first_ + 1), 0);
  }
  ++counts_[static_cast<std::size_t>(b - first_)];
  ++count_;
}

double LatencyHistogram::Percentile(double q) const {
  if (count_ == 0) return 0;
  const auto rank = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(q * static_cast<double>(count_))));
  std::int64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const double lo = std::pow(kGrowth, static_cast<double>(first_ + static_cast<std::int64_t>(i)));
      return lo * std::sqrt(kGrowth) * 1e-3;  // geometric midpoint, in ms
    }
  }
  return 0;
}

nlohmann::json LatencyHistogram::ToJson() const {
  return {{"unit", "us"}, {"growth", kGrowth}, {"first", first_}, {"counts", counts_}};
}

LatencyHistogram LatencyHistogram::FromJson(const nlohmann::json& j) {
  if (!j.is_object() || j.value("unit", "") != "us" || j.value("growth", 0.0) != kGrowth ||
      !j.contains("first") || !j.contains("counts") || !j["counts"].is_array()) {
    throw std::invalid_argument("latency histogram: expected {\"unit\":\"us\",\"growth\":1.01,\"first\":N,\"counts\":[...]}");
  }
  LatencyHistogram h;
  h.first_ = j["first"].get<std::int64_t>();
  h.counts_ = j["counts"].get<std::vector<std::int64_t>>();
  for (auto c : h.counts_) {
    if (c < 0) throw std::invalid_argument("latency histogram: negative count");
    h.count_ += c;
  }
  return h;
}

}  // namespace joulebench
