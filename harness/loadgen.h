// The load generator: the harness owns the clocks, engines only execute. Back-to-back queries (single-stream,
// multi-stream, offline) or Poisson arrivals at a target QPS (server), where a query's latency runs from its
// scheduled arrival to its completion, so queueing delay counts as it does for a real service.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "engines/engine.h"

namespace joulebench {

struct LoadSpec {
  std::string mode = "offline";  // single-stream | multi-stream | offline | server
  double server_qps = 0;         // server: mean arrival rate (queries/s)
  double min_window_s = 1;
  std::int64_t min_queries = 1;
  std::function<void(std::int64_t queries_done)> on_query;  // optional (progress display)
};

struct LoadResult {
  std::vector<double> latencies_ms;  // per query, in issue order
  double duration_s = 0;             // first arrival (or issue) to last completion
  std::int64_t queries = 0;
};

// Exponential inter-arrival gaps at `qps` (a Poisson process), drawn from `rng`.
double NextArrivalGap(double qps, std::mt19937_64& rng);

// Issues queries until the window has lasted min_window_s and holds min_queries, or `stop()` says so.
LoadResult RunLoad(Engine& engine, const LoadSpec& spec, std::mt19937_64& rng, const std::function<bool()>& stop);

}  // namespace joulebench
