// kernel_objective=measured-energy through the real binary: opencl-optimized (PoCL here) selects each layer's
// kernel among its fastest candidates by the energy the run's nvml meter reads (the fake NVML library, a constant
// power and a counter that steps every 100 ms), `check` opens that counter itself, and both refuse clearly where
// there is no counter.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "engines/opencl/cl_runtime.h"
#include "harness/store.h"
#include "process.h"
#include "temp_dir.h"

namespace joulebench {
namespace {

using testing::RunCli;
using testing::TempDir;

std::string EnergyScenario(const TempDir& tmp, const std::string& meters,
                           const std::string& selection = R"("energy_candidates": 2)") {
  const std::string path = tmp / "e.json";
  std::ofstream(path) << R"({"model": {"builtin": "mlp", "params": {"input": 64, "hidden": [64], "output": 8}},
    "engines": ["opencl-optimized"], "batch_sizes": [4],
    "engine_options": {"opencl-optimized": {"kernel_selection": "time", "kernel_objective": "measured-energy",
                                            "energy_window_ms": 150, "plan_cache": false, )"
                      << selection << R"(}},
    "load": {"warmup_s": 0, "warmup_queries": 1, "min_duration_s": 0.2, "min_queries": 3, "repetitions": 1,
             "energy_quantization": 1},
    "idle": {"enabled": false}, "meter_calibration_s": 0.3, )"
                      << meters << "}";
  return path;
}

std::string FakeNvmlMeters() {
  return std::string(R"("meters": ["nvml"], "meter_options": {"nvml": {"library": ")") + JOULEBENCH_FAKE_NVML + "\"}}";
}

// Runs the MLP scenario with `selection` under the fake NVML library at 300 W; the cell's Describe() (empty on failure).
nlohmann::json RunMeasured(const TempDir& tmp, const std::string& selection) {
  setenv("FAKE_NVML_WATTS", "300", 1);
  unsetenv("FAKE_NVML_MODE");
  auto r = RunCli(tmp, {"run", EnergyScenario(tmp, FakeNvmlMeters(), selection), "--db", tmp / "e.db"});
  unsetenv("FAKE_NVML_WATTS");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (r.exit_code != 0) return nlohmann::json();
  Store store(tmp / "e.db");
  const auto cells = store.Cells(*store.LatestRunId());
  EXPECT_EQ(cells.size(), 1u);
  return cells.size() == 1 ? nlohmann::json::parse(cells[0].describe_json) : nlohmann::json();
}

TEST(CliMeasuredEnergy, ChoosesAmongTheFastestByTheCounter) {
  TempDir tmp;
  const auto d = RunMeasured(tmp, R"("energy_candidates": 2)");
  ASSERT_TRUE(d.is_object());
  EXPECT_NE(d["kernel_objective"].get<std::string>().find("measured energy (the 2 fastest candidates, 150 ms"),
            std::string::npos)
      << d["kernel_objective"];
  ASSERT_EQ(d["kernel_energy_j"].size(), 2u) << d.dump();  // both layers of the MLP
  for (const auto& [node, energies] : d["kernel_energy_j"].items()) {
    ASSERT_EQ(energies.size(), 2u) << node;  // the two fastest of the layer's timed candidates
    const auto& times = d["kernel_timings_s"][node];
    std::string least;
    for (const auto& [cand, joules] : energies.items()) {
      const double watts = d["kernel_power_w"][node][cand].get<double>();
      // The counter's steps are 30 J apart at 300 W; the window spans two or more of them.
      EXPECT_NEAR(watts, 300, 45) << node << " " << cand;
      // Joules per run over the power: the seconds per run while measured, about the timed seconds (PoCL shares the
      // CPU with the counter's reader thread); a miscount of the runs would be off by the ~4 ms chunk's size.
      const double seconds = joules.get<double>() / watts, timed = times[cand].get<double>();
      EXPECT_GT(seconds, timed / 2) << node << " " << cand;
      EXPECT_LT(seconds, timed * 2) << node << " " << cand;
      for (const auto& [other, t] : times.items()) {  // measured: no faster candidate was left out
        if (!energies.contains(other)) {
          EXPECT_GE(t.get<double>(), times[cand].get<double>()) << other;
        }
      }
      if (least.empty() || joules.get<double>() < energies[least].get<double>()) least = cand;
    }
    EXPECT_EQ(d["kernel_choice_per_node"][node], least) << node;
  }
}

// energy_slack: of the (up to 50) timed candidates, only those within 30% of the layer's fastest time are measured.
TEST(CliMeasuredEnergy, SlackMeasuresOnlyTheCandidatesNearTheFastest) {
  TempDir tmp;
  const auto d = RunMeasured(tmp, R"("energy_candidates": 50, "energy_slack": 30)");
  ASSERT_TRUE(d.is_object());
  EXPECT_NE(d["kernel_objective"].get<std::string>().find("the 50 fastest candidates within 30% of the fastest's time"),
            std::string::npos)
      << d["kernel_objective"];
  int left_out = 0;
  for (const auto& [node, times] : d["kernel_timings_s"].items()) {
    double fastest = 1e30;
    for (const auto& [cand, t] : times.items()) fastest = std::min(fastest, t.get<double>());
    std::set<std::string> near;
    for (const auto& [cand, t] : times.items()) {
      const double limit = fastest * 1.3, s = t.get<double>();
      if (std::abs(s - limit) < 1e-3 * limit) continue;  // too close to the edge to say
      if (s < limit) near.insert(cand);
      else ++left_out;
    }
    const auto measured = d["kernel_energy_j"].value(node, nlohmann::json::object());
    std::set<std::string> got;
    for (const auto& [cand, joules] : measured.items()) got.insert(cand);
    if (near.size() < 2) {  // nothing to compare: the fastest is chosen unmeasured
      EXPECT_TRUE(got.empty()) << node;
    } else {
      for (const auto& c : near) EXPECT_TRUE(got.count(c)) << node << ": " << c << " is near the fastest, unmeasured";
      for (const auto& c : got) EXPECT_LT(times[c].get<double>(), fastest * 1.301) << node << ": " << c;
    }
  }
  EXPECT_GT(left_out, 0) << "no candidate was slower than the slack allows: the test shows nothing";
}

// `joulebench check` has no meter session: it opens the nvml meter itself (here the fake library through
// $JOULEBENCH_NVML_LIBRARY) so that it can build a measured-energy plan, and the plan matches the reference.
TEST(CliMeasuredEnergy, CheckOpensTheCounterItself) {
  TempDir tmp;
  // A cache folder of its own, sharing the compiled programs (PoCL compiles each candidate in seconds).
  const std::filesystem::path cache = tmp / "cache", programs = std::filesystem::path(cl::CacheDir()) / "programs";
  std::filesystem::create_directories(cache);
  std::filesystem::create_directories(programs);
  std::filesystem::create_symlink(std::filesystem::absolute(programs), cache / "programs");
  setenv("JOULEBENCH_CACHE_DIR", cache.c_str(), 1);
  setenv("JOULEBENCH_NVML_LIBRARY", JOULEBENCH_FAKE_NVML, 1);
  setenv("FAKE_NVML_WATTS", "300", 1);
  unsetenv("FAKE_NVML_MODE");
  auto check = RunCli(tmp, {"check", "mlp", "--param", "input=64", "--param", "hidden=[64]", "--param", "output=8",
                            "--engine", "opencl-optimized", "--option", "kernel_selection=time", "--option",
                            "kernel_objective=measured-energy", "--option", "energy_window_ms=150", "--option",
                            "energy_candidates=2", "--option", "plan_cache=false"});
  unsetenv("FAKE_NVML_WATTS");
  unsetenv("JOULEBENCH_NVML_LIBRARY");
  unsetenv("JOULEBENCH_CACHE_DIR");
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_EQ(check.err.find("no energy counter"), std::string::npos) << check.err;
  EXPECT_NE(check.out.find("  ok"), std::string::npos) << check.out;
  std::ifstream in(cache / "timing.json");
  const std::string timings((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(timings.find("|joules-150ms"), std::string::npos) << "no candidate's energy was measured";
}

TEST(CliMeasuredEnergy, WithoutACounterTheRunIsRefusedAndNamesTheFix) {
  TempDir tmp;
  unsetenv("JOULEBENCH_NVML_LIBRARY");  // libnvidia-ml.so.1: absent where the tests run
  auto r = RunCli(tmp, {"run", EnergyScenario(tmp, R"("meters": ["cpu-estimate"])"), "--db", tmp / "e.db"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("kernel_objective=measured-energy reads the device's energy counter"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("or use kernel_objective=time"), std::string::npos) << r.err;
  auto check = RunCli(tmp, {"check", "mlp", "--engine", "opencl-optimized", "--option", "kernel_selection=time",
                            "--option", "kernel_objective=measured-energy", "--option", "plan_cache=false"});
  EXPECT_EQ(check.exit_code, 2) << check.err;
  EXPECT_NE(check.err.find("use kernel_objective=time"), std::string::npos) << check.err;
  EXPECT_NE(check.err.find("kernel_objective=measured-energy: no energy counter (nvml: "), std::string::npos)
      << check.err;
  auto bad = RunCli(tmp, {"check", "mlp", "--engine", "opencl-optimized", "--option", "energy_window_ms=5"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("option energy_window_ms is 5"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace joulebench
