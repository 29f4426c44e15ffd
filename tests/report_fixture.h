// A fixed fake run in a real SQLite file and a fleet profile, shared by the report tests (report_test.cc) and the
// browser test (report_browser_test.cc).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "harness/store.h"
#include "reports/fleet_profile.h"

namespace joulebench::testing {

inline FleetProfile Profile(const std::string& json) { return ParseFleetProfile(json, "test", "."); }

inline const char* kFleet = R"({"name": "test fleet", "traffic": {"requests_per_day": 8640000, "peak_to_average": 2},
  "slo": {"percentile": 0.99, "latency_ms": 50}, "target_utilization": 0.5,
  "grid": {"intensity_g_per_kwh": {"value": 400, "source": "test grid", "year": 2024, "range": [300, 500]}},
  "pue": {"value": 1.5, "source": "test", "range": [1.2, 1.6]}, "electricity": {"price_per_kwh": 0.1, "currency": "USD"},
  "embodied": {"gpu_kg": 150, "server_kg": 2400, "gpus_per_server": 8, "lifetime_years": {"value": 5, "range": [4, 6]}}})";

// A fixed fake run: two engines at batch 8, two repetitions each, one GPU energy counter, idle power.
inline std::int64_t FakeRun(Store& store, const std::vector<std::pair<std::string, double>>& engines_j, double p99_ms,
                            bool with_energy = true) {
  RunRecord r{0, "2026-11-24T10:00:00.000Z", "", "running", "0.1.0", "abc123", "gpu-host", 1, "fake", "fake.json", "{}", "{}"};
  const auto run = store.BeginRun(r);
  store.AddEnvironment(run, {{"model.name", "resnet50"}, {"model.hash", "feedface"}});
  const auto meter = store.AddMeter(run, "nvml", true, "", {});
  const auto ch = store.AddChannel(meter, {0, "", "nvml::gpu0_energy", "gpu0", "", "J", "counter", 0.001, 0.1, false, "counter"});
  int idx = 0;
  for (const auto& [engine, j] : engines_j) {
    CellRecord c;
    c.run_id = run;
    c.idx = idx++;
    c.engine = engine;
    c.precision = "fp32";
    c.batch = 8;
    c.load_mode = "offline";
    c.status = "completed";
    c.model_hash = "feedface";
    c.id = store.AddCell(c);
    for (int rep = 1; rep <= 2; ++rep) {
      MeasurementRecord m;
      m.cell_id = c.id;
      m.repetition = rep;
      m.started_at = "2026-11-24T10:00:01.000Z";
      m.duration_s = 10;
      m.inferences = static_cast<std::int64_t>(10 * 4 / j * 100);
      m.queries = m.inferences / 8;
      m.throughput_ips = static_cast<double>(m.inferences) / 10 * (rep == 1 ? 1.01 : 0.99);
      m.latency_p99_ms = p99_ms;
      m.energy_validity = with_energy ? "VALID" : "UNMEASURED";
      std::vector<SampleRecord> samples;
      if (with_energy) {
        const double jr = j * (rep == 1 ? 1.02 : 0.98);
        m.energy.push_back({ch, jr * static_cast<double>(m.inferences), 0.1, 100.0, 0, 0, jr, std::nullopt, "counter"});
        // The energy window on the samples' clock, and counter samples every 0.5 s: 100 W idle around 300 W.
        m.window_start_s = 30.0 * (idx * 2 + rep);
        m.window_end_s = *m.window_start_s + 10;
        double energy = 1000;
        for (double t = *m.window_start_s - 4; t <= *m.window_end_s + 4; t += 0.5) {
          const bool busy = t > *m.window_start_s && t <= *m.window_end_s;
          energy += (busy ? 300 : 100) * 0.5;
          samples.push_back({ch, t, energy});
        }
      }
      store.AddMeasurement(m, samples);
    }
  }
  store.FinishRun(run, "completed");
  return run;
}

}  // namespace joulebench::testing
