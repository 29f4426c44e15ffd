// Meters through the real binary: a run metered by the fake NVML library (counter, cross-checks, device state),
// a GPU lost mid-run, no meter at all, replayed traces, `joulebench meters` on a RAPL fixture, and hwmon through
// the real libsensors in a private mount namespace.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "harness/store.h"
#include "process.h"
#include "rapl_fixture.h"
#include "temp_dir.h"

namespace joulebench {
namespace {

using testing::Finished;
using testing::TempDir;

using testing::RunCli;

std::string Scenario(const TempDir& tmp, const std::string& meters_json, const std::string& extra = "",
                     const std::string& batch_sizes = "[1, 4]", const std::string& quantization = "0.5") {
  const std::string path = tmp / "s.json";
  std::ofstream(path) << R"({"model": {"builtin": "mlp", "params": {"input": 64, "hidden": [64], "output": 8}},
    "engines": ["reference"], "batch_sizes": )" + batch_sizes + R"(,
    "load": {"warmup_s": 0, "warmup_queries": 1, "min_duration_s": 0.4, "min_queries": 5, "repetitions": 2,
             "energy_quantization": )" + quantization + R"(},
    "idle": {"enabled": true, "settle_s": 0, "duration_s": 0.3}, "meter_calibration_s": 0.5,
    "meters": )" + meters_json + extra + "}";
  return path;
}

std::string FakeNvmlMeters() {
  return std::string(R"(["nvml"], "meter_options": {"nvml": {"library": ")") + JOULEBENCH_FAKE_NVML + "\"}}";
}

TEST(CliMeters, RunMeteredByFakeNvml) {
  TempDir tmp;
  const std::string db = tmp / "n.db";
  unsetenv("FAKE_NVML_MODE");
  setenv("FAKE_NVML_WATTS", "300", 1);
  // Quantization target 0.2 with the fake's 100 ms tick: every window is widened from 0.4 s to 0.5 s.
  auto r = RunCli(tmp, {"run", Scenario(tmp, FakeNvmlMeters(), "", "[1, 4]", "0.2"), "--db", db});
  unsetenv("FAKE_NVML_WATTS");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Store store(db);
  const auto run = *store.LatestRunId();
  const auto channels = store.Channels(run);
  ASSERT_EQ(channels.size(), 3u);
  EXPECT_EQ(channels[0].name, "nvml::gpu0_energy");
  ASSERT_TRUE(channels[0].measured_update_period_s.has_value());
  EXPECT_NEAR(*channels[0].measured_update_period_s, 0.1, 0.02);  // the fake's 100 ms tick, measured
  EXPECT_TRUE(channels[1].cross_check_only);
  for (const auto& cell : store.Cells(run)) {
    for (const auto& m : store.Measurements(cell.id)) {
      ASSERT_EQ(m.energy.size(), 3u);
      EXPECT_EQ(m.energy[0].method, "counter");
      EXPECT_GE(m.duration_s, 0.45);
      EXPECT_NE(m.validity_reasons.dump().find("window widened from 0.4 s to 0."), std::string::npos)
          << m.validity_reasons.dump();
      EXPECT_NEAR(m.energy[0].avg_power_w, 300, 300 * 0.1 / 0.5 + 1);  // within one tick
      EXPECT_NEAR(m.energy[0].uncertainty_j, m.energy[0].energy_j * 0.2, m.energy[0].energy_j * 0.02);
      EXPECT_NEAR(m.energy[1].avg_power_w, 300, 1e-6);  // instant power, integrated
      EXPECT_EQ(m.state_start["nvml"]["gpu0"]["sm_clock_mhz"], 1980);
      EXPECT_EQ(m.state_end["nvml"]["gpu0"]["temperature_c"], 45);
      EXPECT_EQ(m.energy_validity, "VALID") << m.validity_reasons.dump();
      EXPECT_NE(m.validity_reasons.dump().find("cross-check gpu0: nvml::gpu0_instant_power differs"),
                std::string::npos);
    }
  }
  EXPECT_NE(r.out.find("counter · nvml::gpu0_energy"), std::string::npos) << r.out;
}

TEST(CliMeters, GpuLostMidRunInvalidatesOnlyLaterMeasurements) {
  TempDir tmp;
  const std::string db = tmp / "lost.db";
  // Calibration takes 0.5 s, then each cell ~1.1 s (0.3 s idle, 2 x 0.4 s): lose the GPU during cell 2.
  setenv("FAKE_NVML_MODE", "lost_at=2.2", 1);
  auto r = RunCli(tmp, {"run", Scenario(tmp, FakeNvmlMeters(), "", "[1, 4, 16]"), "--db", db});
  unsetenv("FAKE_NVML_MODE");
  ASSERT_EQ(r.exit_code, 0) << r.err;  // the sweep goes on
  Store store(db);
  const auto run = *store.LatestRunId();
  EXPECT_EQ(store.GetRun(run)->status, "completed");
  int with_counter = 0, lost = 0;
  for (const auto& cell : store.Cells(run)) {
    EXPECT_EQ(cell.status, "completed");
    for (const auto& m : store.Measurements(cell.id)) {
      const bool has_counter = !m.energy.empty() && m.energy[0].method == "counter";
      with_counter += has_counter;
      if (!has_counter) {
        ++lost;
        EXPECT_EQ(m.energy_validity, "INVALID");
        EXPECT_NE(m.validity_reasons.dump().find("GPU is lost"), std::string::npos) << m.validity_reasons.dump();
      }
    }
  }
  EXPECT_GE(with_counter, 1);
  EXPECT_GE(lost, 1);
}

TEST(CliMeters, NoMeterIsAnEnvironmentErrorUnlessAllowed) {
  TempDir tmp;
  const std::string db = tmp / "none.db";
  auto r = RunCli(tmp, {"run", Scenario(tmp, R"(["nvml"], "meter_options": {"nvml": {"library": "/nope.so"}})"),
                        "--db", db});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("cannot load /nope.so"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"allow_unmetered\": true"), std::string::npos) << r.err;

  auto ok = RunCli(tmp, {"run",
                         Scenario(tmp, R"(["nvml"], "meter_options": {"nvml": {"library": "/nope.so"}})",
                                  R"(, "allow_unmetered": true)"),
                         "--db", db});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  Store store(db);
  const auto run = *store.LatestRunId();
  for (const auto& cell : store.Cells(run)) {
    for (const auto& m : store.Measurements(cell.id)) {
      EXPECT_TRUE(m.energy.empty());  // absent, not zero
      EXPECT_EQ(m.energy_validity, "UNMEASURED");
      EXPECT_NE(m.validity_reasons.dump().find("cannot load /nope.so"), std::string::npos);
      EXPECT_GT(m.throughput_ips, 0);
    }
  }
}

TEST(CliMeters, ReplayedTraceGivesItsPower) {
  TempDir tmp;
  const std::string csv = tmp / "trace.csv";
  {
    std::ofstream out(csv);
    out << "time_s,channel,value\n";
    for (int i = 0; i <= 100; ++i) out << i * 0.1 << ",board_power,75\n" << i * 0.1 << ",board_energy," << 7.5 * i << "\n";
  }
  const std::string db = tmp / "replay.db";
  auto r = RunCli(tmp, {"run", Scenario(tmp, R"(["replay"], "meter_options": {"replay": {"file": ")" + csv + "\"}}"),
                        "--db", db});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Store store(db);
  const auto run = *store.LatestRunId();
  for (const auto& cell : store.Cells(run)) {
    for (const auto& m : store.Measurements(cell.id)) {
      for (const auto& e : m.energy) EXPECT_NEAR(e.avg_power_w, 75, 75 * 0.1 / 0.4 + 1e-6);
      EXPECT_NEAR(*m.energy[0].idle_power_w, 75, 75 * 0.1 / 0.3 + 1e-6);
    }
  }
  // The run's own samples replay too: a .db source.
  auto again = RunCli(tmp, {"meters", "--meter", "replay", "--replay", db, "--calibrate", "0.3"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("replay::replay::board_power"), std::string::npos) << again.out;
}

TEST(CliMeters, MetersCommandOnARaplFixture) {
  TempDir tmp;
  testing::TwoSocketServer(tmp.path());
  auto r = RunCli(tmp, {"meters", "--sysfs-root", tmp.path().string(), "--meter", "rapl", "--calibrate", "0.05"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("rapl::package-1.core_energy"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("value did not change enough"), std::string::npos);  // a static fixture never ticks
  auto w = RunCli(tmp, {"meters", "--sysfs-root", tmp.path().string(), "--meter", "rapl", "--calibrate", "0",
                        "--watch", "--count", "1", "--interval", "0.1"});
  EXPECT_EQ(w.exit_code, 0);
  EXPECT_NE(w.out.find("rapl::psys_energy 0.00 W"), std::string::npos) << w.out;
  auto none = RunCli(tmp, {"meters", "--sysfs-root", (tmp / "nothing"), "--meter", "rapl", "--calibrate", "0"});
  EXPECT_EQ(none.exit_code, 3);
  EXPECT_NE(none.out.find("rapl: unavailable · RAPL:"), std::string::npos) << none.out;
}

TEST(CliMeters, HwmonThroughLibsensorsInAPrivateMountNamespace) {
  if (geteuid() != 0 || system("unshare -m --propagation private true 2>/dev/null") != 0) {
    GTEST_SKIP() << "needs root and unshare(CLONE_NEWNS) to mount a fixture hwmon tree over /sys/class; the RAPL "
                    "fixture tests cover the sysfs logic";
  }
  TempDir tmp;
  const std::string script =
      "mount -t tmpfs none /sys/class && mkdir -p /sys/class/hwmon/hwmon0 && cd /sys/class/hwmon/hwmon0 && "
      "echo fakeina > name && echo 12500000 > power1_input && echo 'Board' > power1_label && "
      "echo 3000000 > energy1_input && exec " +
      testing::kBinary + " meters --meter hwmon --calibrate 0 --watch --count 1 --interval 0.1";
  const std::string cmd = "unshare -m --propagation private sh -c \"" + script + "\" > " + (tmp / "o") + " 2>&1";
  ASSERT_EQ(system(cmd.c_str()), 0) << testing::Slurp(tmp / "o");
  const std::string out = testing::Slurp(tmp / "o");
  EXPECT_NE(out.find("hwmon::fakeina-virtual-0.power1_power"), std::string::npos) << out;
  EXPECT_NE(out.find("\"Board\""), std::string::npos) << out;
  EXPECT_NE(out.find("hwmon::fakeina-virtual-0.power1_power 12.50 W"), std::string::npos) << out;
  EXPECT_NE(out.find("hwmon::fakeina-virtual-0.energy1_energy"), std::string::npos) << out;
}

}  // namespace
}  // namespace joulebench

namespace joulebench {
namespace {

// Server mode end to end: the max-QPS search converges near the synthetic engine's known capacity, repetitions
// run at that rate and record whether the bound held; J/inference equals the replayed power over the window.
TEST(CliLoad, ServerModeFindsTheCapacityOfAKnownEngine) {
  TempDir tmp;
  const std::string csv = tmp / "flat.csv";
  {
    std::ofstream out(csv);
    out << "time_s,channel,value\n";
    for (int i = 0; i <= 100; ++i) out << i * 0.1 << ",board_power,50\n";
  }
  std::ofstream(tmp / "server.json") << R"({"model": {"builtin": "mlp", "params": {"input": 4, "hidden": [4], "output": 2}},
    "engines": ["synthetic"], "engine_options": {"synthetic": {"a_s": 0.004, "b_s": 0.001, "mode": "sleep"}},
    "batch_sizes": [1],
    "load": {"mode": "server", "find_max_qps": true, "latency_bound_ms": 250, "latency_percentile": 0.9,
             "warmup_s": 0, "warmup_queries": 1, "min_duration_s": 1, "min_queries": 20, "repetitions": 1},
    "meters": ["replay"], "meter_options": {"replay": {"file": ")" << csv << R"("}}, "meter_calibration_s": 0.2,
    "idle": {"enabled": false}})";
  auto r = RunCli(tmp, {"run", tmp / "server.json", "--db", tmp / "s.db"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Store store(tmp / "s.db");
  const auto cells = store.Cells(*store.LatestRunId());
  ASSERT_EQ(cells.size(), 1u);
  ASSERT_TRUE(cells[0].max_qps.has_value());
  const double capacity = 1 / 0.005;  // 200 QPS
  EXPECT_GT(*cells[0].max_qps, 0.4 * capacity) << r.err;  // a generous bound lets the search approach capacity
  EXPECT_LT(*cells[0].max_qps, 1.05 * capacity) << r.err;
  const auto ms = store.Measurements(cells[0].id);
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_DOUBLE_EQ(*ms[0].target_qps, *cells[0].max_qps);
  EXPECT_TRUE(ms[0].bound_met.has_value());
  EXPECT_GE(ms[0].latency_p50_ms, 5.0);  // never faster than the service time
  ASSERT_EQ(ms[0].energy.size(), 1u);
  EXPECT_NEAR(ms[0].energy[0].avg_power_w, 50, 0.5);
  EXPECT_NEAR(ms[0].energy[0].j_per_inference, 50 * ms[0].duration_s / ms[0].inferences,
              0.05 * ms[0].energy[0].j_per_inference);
}

}  // namespace
}  // namespace joulebench

namespace joulebench {
namespace {

TEST(CliLoad, VerdictsForVariationAndThrottlingAndTheCompareTable) {
  TempDir tmp;
  const std::string scen = tmp / "v.json";
  std::ofstream(scen) << R"({"model": {"builtin": "mlp", "params": {"input": 4, "hidden": [4], "output": 2}},
    "engines": ["synthetic"], "engine_options": {"synthetic": {"a_s": 0.001, "b_s": 0.0001}}, "batch_sizes": [1, 2],
    "load": {"warmup_s": 0, "warmup_queries": 1, "min_duration_s": 0.3, "min_queries": 5, "repetitions": 2,
             "energy_quantization": 0.5, "max_variation": 1e-12},
    "meters": ["nvml"], "meter_options": {"nvml": {"library": ")" << JOULEBENCH_FAKE_NVML << R"("}},
    "meter_calibration_s": 0.3, "idle": {"enabled": false}, "cooldown": {"enabled": true}})";
  setenv("FAKE_NVML_THROTTLE", "0x40", 1);
  auto r = RunCli(tmp, {"run", scen, "--db", tmp / "v.db"});
  unsetenv("FAKE_NVML_THROTTLE");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The fake GPU reports a steady 45 °C: the cooldown before the second cell is met at once, through real NVML calls.
  EXPECT_NE(r.err.find("[2/2] cooled to within 2 °C of the run-start temperature after 0.0 s"), std::string::npos)
      << r.err;
  auto again = RunCli(tmp, {"run", scen, "--db", tmp / "v.db", "--quiet"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  Store store(tmp / "v.db");
  const auto first = store.Cells(1);
  ASSERT_EQ(first.size(), 2u);
  for (const auto& m : store.Measurements(first[0].id)) {
    EXPECT_EQ(m.perf_validity, "INVALID");  // any variation exceeds 1e-12
    EXPECT_NE(m.validity_reasons.dump().find("run-to-run variation of throughput"), std::string::npos);
    EXPECT_EQ(m.energy_validity, "INVALID");
    EXPECT_NE(m.validity_reasons.dump().find("gpu0 throttled (hw_thermal_slowdown)"), std::string::npos)
        << m.validity_reasons.dump();
  }
  for (const auto& m : store.Measurements(store.Cells(2)[0].id)) {
    EXPECT_EQ(m.validity_reasons.dump().find("throttled"), std::string::npos);  // the second run was not throttled
  }
  auto cmp = RunCli(tmp, {"compare", "1", "2", "--db", tmp / "v.db"});
  ASSERT_EQ(cmp.exit_code, 0) << cmp.err;
  EXPECT_NE(cmp.out.find("synthetic fp32 b2 offline"), std::string::npos) << cmp.out;
  EXPECT_NE(cmp.out.find("A/B J"), std::string::npos);
  EXPECT_EQ(RunCli(tmp, {"compare", "1", "9", "--db", tmp / "v.db"}).exit_code, 2);
}

}  // namespace
}  // namespace joulebench
