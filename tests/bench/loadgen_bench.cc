// Google Benchmark: the harness's own cost per query. A null engine (synthetic, a = b = 0) runs through the real
// load loop (RunLoad) for a fixed window; the figures are the dispatch overhead per query (wall time / queries)
// and the sustained query rate, with and without the live progress hook. Run: harness/scripts/bench-harness.sh
#include <benchmark/benchmark.h>

#include <cmath>
#include <sstream>

#include "engines/synthetic/synthetic_engine.h"
#include "harness/latency_histogram.h"
#include "harness/loadgen.h"
#include "harness/progress.h"

namespace joulebench {
namespace {

// One iteration = one 0.5 s offline window of back-to-back null queries.
void BM_NullEngineDispatch(benchmark::State& state) {
  SyntheticEngine engine({{"a_s", 0.0}, {"b_s", 0.0}, {"mode", "spin"}});
  engine.Prepare(Graph{}, Precision::kFp32, 1);
  std::ostringstream sink;
  Progress progress(sink, /*live=*/state.range(0) == 1, /*quiet=*/false);
  std::mt19937_64 rng(1);
  std::int64_t queries = 0;
  double seconds = 0;
  for (auto _ : state) {
    LoadSpec spec{"offline", 0, 0.5, 1};
    if (progress.live()) {
      spec.on_query = [&](std::int64_t q) {
        if (progress.Due()) progress.Update(q, NAN);
      };
    }
    const LoadResult r = RunLoad(engine, spec, rng, [] { return false; });
    queries += r.queries;
    seconds += r.duration_s;
  }
  state.counters["ns_per_query"] = 1e9 * seconds / static_cast<double>(queries);
  state.counters["queries_per_s"] = static_cast<double>(queries) / seconds;
  state.SetLabel(state.range(0) == 1 ? "with live progress hook" : "plain");
}
BENCHMARK(BM_NullEngineDispatch)->Arg(0)->Arg(1)->Iterations(4)->Unit(benchmark::kMillisecond)->UseRealTime();

// What the runner adds per query after the window: one histogram insertion.
void BM_HistogramAdd(benchmark::State& state) {
  LatencyHistogram h;
  double ms = 0.001;
  for (auto _ : state) {
    h.Add(ms);
    ms = ms > 1000 ? 0.001 : ms * 1.37;
  }
  benchmark::DoNotOptimize(h.count());
}
BENCHMARK(BM_HistogramAdd);

}  // namespace
}  // namespace joulebench

BENCHMARK_MAIN();
