// Google Benchmark: the cost of one Read() per meter backend (fixtures and the fake NVML library stand in for
// hardware here; on a real machine pass --benchmark_filter=Real to time the real sources), and the CPU the
// sampler thread costs at 20 Hz and 1 kHz. Run: harness/scripts/bench-meters.sh
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdlib>
#include <functional>
#include <filesystem>
#include <fstream>
#include <thread>

#include "meters/cpu_estimate_meter.h"
#include "meters/nvml_meter.h"
#include "meters/rapl_meter.h"
#include "meters/replay_meter.h"
#include "meters/sampler.h"
#include "rapl_fixture.h"
#include "temp_dir.h"

namespace joulebench {
namespace {

void ReadLoop(benchmark::State& state, Meter& m) {
  const auto probe = m.Probe();
  if (!probe.available) {
    state.SkipWithError(probe.reason.c_str());
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(m.Read());
  state.counters["channels"] = static_cast<double>(m.Channels().size());
}

void BM_Read_CpuEstimate(benchmark::State& state) {
  CpuEstimateMeter m(10);
  ReadLoop(state, m);
}
BENCHMARK(BM_Read_CpuEstimate);

void BM_Read_RaplFixture(benchmark::State& state) {
  testing::TempDir tmp;
  testing::TwoSocketServer(tmp.path());
  RaplMeter m(tmp.path().string());
  ReadLoop(state, m);
}
BENCHMARK(BM_Read_RaplFixture);

void BM_Read_ReplayCsv(benchmark::State& state) {
  testing::TempDir tmp;
  {
    std::ofstream out(tmp / "t.csv");
    out << "time_s,channel,value\n";
    for (int i = 0; i < 10000; ++i) out << i * 0.001 << ",gpu_power," << 100 + i % 7 << "\n";
  }
  ReplayMeter m(tmp / "t.csv", 0, 1, true);
  ReadLoop(state, m);
}
BENCHMARK(BM_Read_ReplayCsv);

void BM_Read_NvmlFake(benchmark::State& state) {
  NvmlMeter m("all", JOULEBENCH_FAKE_NVML);
  ReadLoop(state, m);
}
BENCHMARK(BM_Read_NvmlFake);

// The real sources of this machine, skipped where absent (the H100 machine has NVML).
void BM_Read_RealNvml(benchmark::State& state) {
  NvmlMeter m("all", "libnvidia-ml.so.1");
  ReadLoop(state, m);
}
BENCHMARK(BM_Read_RealNvml);
void BM_Read_RealRapl(benchmark::State& state) {
  RaplMeter m("/sys");
  ReadLoop(state, m);
}
BENCHMARK(BM_Read_RealRapl);

// The cost of each NVML call joulebench makes, on the real library (which one makes Read() slow?).
void BM_RealNvmlCall(benchmark::State& state) {
  nvml::Api api;
  if (std::string err = api.Load("libnvidia-ml.so.1"); !err.empty() || api.Init() != nvml::kSuccess) {
    state.SkipWithError("no NVML here");
    return;
  }
  nvml::Device dev = nullptr;
  api.DeviceGetHandleByIndex(0, &dev);
  unsigned long long mj = 0;
  unsigned mw = 0;
  nvml::FieldValue f{};
  for (auto _ : state) {
    switch (state.range(0)) {
      case 0: benchmark::DoNotOptimize(api.DeviceGetTotalEnergyConsumption(dev, &mj)); break;
      case 1:
        f.field_id = nvml::kFieldPowerInstant;
        benchmark::DoNotOptimize(api.DeviceGetFieldValues(dev, 1, &f));
        break;
      case 2: benchmark::DoNotOptimize(api.DeviceGetPowerUsage(dev, &mw)); break;
    }
  }
  state.SetLabel(state.range(0) == 0 ? "TotalEnergyConsumption" : state.range(0) == 1 ? "FieldValues(POWER_INSTANT)"
                                                                                       : "PowerUsage");
  api.Shutdown();
  api.Unload();
}
BENCHMARK(BM_RealNvmlCall)->Arg(0)->Arg(1)->Arg(2);

double ProcessCpu() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

// CPU time of the whole process while the sampler runs for 1 s at the given rate, as a share of one core.
void SamplerOverhead(benchmark::State& state, const std::function<MeterSource()>& make) {
  const double rate = static_cast<double>(state.range(0));
  for (auto _ : state) {
    std::vector<MeterSource> sources;
    sources.push_back(make());
    if (!sources[0].probe.available) {
      state.SkipWithError(sources[0].probe.reason.c_str());
      return;
    }
    Sampler s(std::move(sources), Seconds(1.0 / rate));
    const double cpu0 = ProcessCpu();
    const auto t0 = std::chrono::steady_clock::now();
    s.Start();
    std::this_thread::sleep_for(std::chrono::seconds(1));
    s.Stop();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.counters["cpu_share_of_one_core"] = (ProcessCpu() - cpu0) / wall;
    state.counters["samples_per_s"] = static_cast<double>(s.TakeSamples().size()) / wall;
  }
}
void BM_SamplerOverhead(benchmark::State& state) {
  SamplerOverhead(state, [] {
    auto m = std::make_unique<CpuEstimateMeter>(10);
    auto channels = m->Channels();
    return MeterSource{"cpu-estimate", std::move(m), {true, "", {}}, channels};
  });
}
BENCHMARK(BM_SamplerOverhead)->Arg(20)->Arg(1000)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// The same with the real NVML library (skipped without a GPU): sampler ticks read instant and averaged power; the
// 3.4 ms energy counter is read only at window edges.
void BM_SamplerOverheadRealNvml(benchmark::State& state) {
  SamplerOverhead(state, [] {
    auto m = std::make_unique<NvmlMeter>("all", "libnvidia-ml.so.1");
    auto probe = m->Probe();
    auto channels = probe.available ? m->Channels() : std::vector<Channel>{};
    return MeterSource{"nvml", std::move(m), probe, channels};
  });
}
BENCHMARK(BM_SamplerOverheadRealNvml)->Arg(20)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace joulebench

BENCHMARK_MAIN();
