// kernel_objective=measured-energy through the real binary: opencl-optimized (PoCL here) selects each layer's
// kernel among its fastest candidates by the energy the run's nvml meter reads (the fake NVML library, a constant
// power and a counter that steps every 100 ms), and refuses clearly where the run has no counter.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "harness/store.h"
#include "process.h"
#include "temp_dir.h"

namespace joulebench {
namespace {

using testing::RunCli;
using testing::TempDir;

std::string EnergyScenario(const TempDir& tmp, const std::string& meters) {
  const std::string path = tmp / "e.json";
  std::ofstream(path) << R"({"model": {"builtin": "mlp", "params": {"input": 64, "hidden": [64], "output": 8}},
    "engines": ["opencl-optimized"], "batch_sizes": [4],
    "engine_options": {"opencl-optimized": {"kernel_selection": "time", "kernel_objective": "measured-energy",
                                            "energy_candidates": 2, "energy_window_ms": 150, "plan_cache": false}},
    "load": {"warmup_s": 0, "warmup_queries": 1, "min_duration_s": 0.2, "min_queries": 3, "repetitions": 1,
             "energy_quantization": 1},
    "idle": {"enabled": false}, "meter_calibration_s": 0.3, )"
                      << meters << "}";
  return path;
}

TEST(CliMeasuredEnergy, ChoosesAmongTheFastestByTheCounter) {
  TempDir tmp;
  setenv("FAKE_NVML_WATTS", "300", 1);
  unsetenv("FAKE_NVML_MODE");
  const std::string meters =
      std::string(R"("meters": ["nvml"], "meter_options": {"nvml": {"library": ")") + JOULEBENCH_FAKE_NVML + "\"}}";
  auto r = RunCli(tmp, {"run", EnergyScenario(tmp, meters), "--db", tmp / "e.db"});
  unsetenv("FAKE_NVML_WATTS");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Store store(tmp / "e.db");
  const auto cells = store.Cells(*store.LatestRunId());
  ASSERT_EQ(cells.size(), 1u);
  const auto d = nlohmann::json::parse(cells[0].describe_json);
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

TEST(CliMeasuredEnergy, WithoutACounterTheRunIsRefusedAndNamesTheFix) {
  TempDir tmp;
  auto r = RunCli(tmp, {"run", EnergyScenario(tmp, R"("meters": ["cpu-estimate"])"), "--db", tmp / "e.db"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("kernel_objective=measured-energy reads the device's energy counter"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("or use kernel_objective=time"), std::string::npos) << r.err;
  auto check = RunCli(tmp, {"check", "mlp", "--engine", "opencl-optimized", "--option", "kernel_selection=time",
                            "--option", "kernel_objective=measured-energy", "--option", "plan_cache=false"});
  EXPECT_EQ(check.exit_code, 2) << check.err;
  EXPECT_NE(check.err.find("use kernel_objective=time"), std::string::npos) << check.err;
  auto bad = RunCli(tmp, {"check", "mlp", "--engine", "opencl-optimized", "--option", "energy_window_ms=5"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("option energy_window_ms is 5"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace joulebench
