// Statistics against hand-computed values.
#include <gtest/gtest.h>

#include <cmath>

#include "harness/latency_histogram.h"
#include "harness/stats.h"

#include <random>

namespace joulebench {
namespace {

TEST(Stats, NearestRankPercentiles) {
  std::vector<double> v;
  for (int i = 100; i >= 1; --i) v.push_back(i);  // 1..100, unsorted
  EXPECT_EQ(Percentile(v, 0.50), 50);
  EXPECT_EQ(Percentile(v, 0.99), 99);
  EXPECT_EQ(Percentile(v, 0.999), 100);
  EXPECT_EQ(Percentile(v, 1.0), 100);
  EXPECT_EQ(Percentile(v, 0.0), 1);
  EXPECT_EQ(Percentile({7}, 0.9), 7);
  EXPECT_EQ(Percentile({}, 0.5), 0);
}

TEST(Stats, SummaryMatchesHandComputation) {
  // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sample variance 32/7.
  const Summary s = Summarize({2, 4, 4, 4, 5, 5, 7, 9});
  EXPECT_EQ(s.n, 8);
  EXPECT_DOUBLE_EQ(s.mean, 5.0);
  EXPECT_NEAR(s.stdev, std::sqrt(32.0 / 7.0), 1e-12);
  EXPECT_NEAR(s.ci95, 2.365 * std::sqrt(32.0 / 7.0) / std::sqrt(8.0), 1e-12);
  EXPECT_EQ(Summarize({3}).ci95, 0);
  EXPECT_DOUBLE_EQ(StudentT95(2), 4.303);
  EXPECT_DOUBLE_EQ(StudentT95(1000), 1.960);
}

}  // namespace
}  // namespace joulebench

namespace joulebench {
namespace {

TEST(LatencyHistogram, PercentilesStayWithinHalfAPercentOfExact) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> latency(0.0, 1.5);  // ms: spans microseconds to seconds
  std::vector<double> exact;
  LatencyHistogram h;
  for (int i = 0; i < 50000; ++i) {
    exact.push_back(latency(rng));
    h.Add(exact.back());
  }
  EXPECT_EQ(h.count(), 50000);
  for (double q : {0.0, 0.5, 0.9, 0.99, 0.999, 1.0}) {
    const double want = std::max(Percentile(exact, q), 1e-3);  // below 1 µs is reported as 1 µs
    EXPECT_NEAR(h.Percentile(q) / want, 1.0, 0.005) << "q=" << q;
  }
  // The record is compact: bucket counts, not one entry per query.
  EXPECT_LT(h.ToJson()["counts"].size(), 2000u);
}

TEST(LatencyHistogram, RoundTripsThroughJsonAndRejectsMalformedRecords) {
  LatencyHistogram h;
  for (double ms : {0.5, 1.0, 2.0, 2.0, 40.0}) h.Add(ms);
  const LatencyHistogram back = LatencyHistogram::FromJson(h.ToJson());
  EXPECT_EQ(back.count(), 5);
  EXPECT_EQ(back.Percentile(0.5), h.Percentile(0.5));
  EXPECT_NEAR(back.Percentile(1.0), 40.0, 0.2);
  EXPECT_THROW(LatencyHistogram::FromJson({{"unit", "ms"}}), std::invalid_argument);
  auto bad = h.ToJson();
  bad["counts"][0] = -1;
  EXPECT_THROW(LatencyHistogram::FromJson(bad), std::invalid_argument);
}

}  // namespace
}  // namespace joulebench
