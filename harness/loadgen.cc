// Load generator implementation. Server arrivals are scheduled on absolute steady-clock deadlines, so a slow query
// delays later starts (queueing) but never the arrival schedule.
#include "harness/loadgen.h"

#include <thread>

namespace joulebench {

using Clock = std::chrono::steady_clock;

double NextArrivalGap(double qps, std::mt19937_64& rng) {
  std::exponential_distribution<double> gap(qps);
  return gap(rng);
}

LoadResult RunLoad(Engine& engine, const LoadSpec& spec, std::mt19937_64& rng, const std::function<bool()>& stop) {
  LoadResult r;
  const auto t0 = Clock::now();
  auto since = [&](Clock::time_point t) { return std::chrono::duration<double>(t - t0).count(); };
  const bool server = spec.mode == "server";
  double next_arrival = 0;  // seconds after t0
  while (!stop()) {
    Clock::time_point arrival = Clock::now();
    if (server) {
      arrival = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(next_arrival));
      std::this_thread::sleep_until(arrival);
      next_arrival += NextArrivalGap(spec.server_qps, rng);
    }
    engine.Infer();
    const auto done = Clock::now();
    r.latencies_ms.push_back(std::chrono::duration<double, std::milli>(done - arrival).count());
    if (spec.on_query) spec.on_query(static_cast<std::int64_t>(r.latencies_ms.size()));
    if (since(done) >= spec.min_window_s && static_cast<std::int64_t>(r.latencies_ms.size()) >= spec.min_queries) break;
  }
  engine.Wait();
  r.duration_s = since(Clock::now());
  r.queries = static_cast<std::int64_t>(r.latencies_ms.size());
  return r;
}

}  // namespace joulebench
