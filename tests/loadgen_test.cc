// The load generator with the synthetic engine (known service time): Poisson arrivals pass a Kolmogorov-Smirnov
// test, back-to-back latency never undercuts the service time, and queueing shows up in server latencies.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "engines/synthetic/synthetic_engine.h"
#include "harness/loadgen.h"
#include "harness/stats.h"

namespace joulebench {
namespace {

TEST(LoadGen, PoissonArrivalsPassAKolmogorovSmirnovTest) {
  std::mt19937_64 rng(12345);
  const double qps = 250;
  std::vector<double> gaps;
  for (int i = 0; i < 20000; ++i) gaps.push_back(NextArrivalGap(qps, rng));
  std::sort(gaps.begin(), gaps.end());
  double d = 0, mean = 0;
  for (std::size_t i = 0; i < gaps.size(); ++i) {
    const double cdf = 1 - std::exp(-qps * gaps[i]);  // exponential inter-arrival times
    d = std::max({d, std::fabs(cdf - static_cast<double>(i) / gaps.size()),
                  std::fabs(cdf - static_cast<double>(i + 1) / gaps.size())});
    mean += gaps[i];
  }
  EXPECT_LT(d, 1.36 / std::sqrt(static_cast<double>(gaps.size())));  // KS critical value at alpha = 0.05
  EXPECT_NEAR(mean / gaps.size(), 1 / qps, 0.02 / qps);
  // Evenly spaced arrivals would fail the same test.
  double d_uniform = 0;
  for (std::size_t i = 0; i < gaps.size(); ++i) {
    d_uniform = std::max(d_uniform, std::fabs((1 - std::exp(-1.0)) - static_cast<double>(i) / gaps.size()));
  }
  EXPECT_GT(d_uniform, 1.36 / std::sqrt(static_cast<double>(gaps.size())));
}

TEST(LoadGen, BackToBackQueriesTakeAtLeastTheServiceTime) {
  SyntheticEngine e({{"a_s", 0.001}, {"b_s", 0.0005}, {"mode", "spin"}});
  e.Prepare(Graph{}, Precision::kFp32, 4);
  std::mt19937_64 rng(1);
  const LoadResult r = RunLoad(e, {"offline", 0, 0.2, 20}, rng, [] { return false; });
  EXPECT_GE(r.queries, 20);
  EXPECT_GE(r.duration_s, 0.2);
  EXPECT_GE(Percentile(r.latencies_ms, 0.0), 3.0);  // a + 4 b = 3 ms, spun on the steady clock
  EXPECT_GE(r.duration_s, r.queries * 0.003);        // the window holds every query's service time
}

TEST(LoadGen, ServerLatencyIncludesQueueingBeyondCapacity) {
  SyntheticEngine e({{"a_s", 0.002}, {"b_s", 0.0001}, {"mode", "sleep"}});
  e.Prepare(Graph{}, Precision::kFp32, 1);  // 2.1 ms per query: capacity ~476 QPS
  std::mt19937_64 rng(2);
  const LoadResult over = RunLoad(e, {"server", 2000, 0.3, 50}, rng, [] { return false; });
  // Arrivals four times faster than service: the queue grows, the last queries wait far longer than 2.1 ms.
  EXPECT_GT(over.latencies_ms.back(), 20.0);
  EXPECT_GT(Percentile(over.latencies_ms, 0.99), 10 * Percentile(over.latencies_ms, 0.0));
}

}  // namespace
}  // namespace joulebench
