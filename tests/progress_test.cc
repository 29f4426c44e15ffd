// Progress display and cooldown: the live line is redrawn in place and cleared before plain lines, plain output has
// no control characters, and the cooldown wait follows a scripted temperature sequence. A synthetic-engine run with
// the live line on shows it carrying the phase, the rate and the meters' power.
#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include "harness/cooldown.h"
#include "harness/progress.h"
#include "harness/runner.h"
#include "harness/scenario.h"
#include "harness/store.h"
#include "temp_dir.h"

namespace joulebench {
namespace {

TEST(Progress, LiveLineIsRedrawnInPlaceAndClearedBeforePlainLines) {
  std::ostringstream out;
  Progress p(out, /*live=*/true, /*quiet=*/false);
  p.SetPlannedSeconds(90);
  p.Cell("[2/6] synthetic fp32 batch 4");
  p.Phase("rep 1/3");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  p.Update(4000, 287.4);
  const std::string live = out.str();
  EXPECT_NE(live.find("\r\x1b[K[2/6] synthetic fp32 batch 4 · rep 1/3 · 0:00 elapsed, ETA 1:30 · 287 W · "),
            std::string::npos)
      << live;
  EXPECT_NE(live.find("inf/s"), std::string::npos);
  p.Line("rep 1/3 done");
  EXPECT_EQ(out.str().substr(live.size()), "\r\x1b[Krep 1/3 done\n");
}

TEST(Progress, PlainAndQuietOutputsCarryNoControlCharacters) {
  std::ostringstream plain, quiet;
  Progress p(plain, /*live=*/false, /*quiet=*/false);
  p.Phase("warm-up");
  EXPECT_FALSE(p.Due());
  p.Update(10, 5);
  p.Line("a line");
  EXPECT_EQ(plain.str(), "a line\n");
  Progress q(quiet, /*live=*/true, /*quiet=*/true);
  q.Update(10, 5);
  q.Line("not shown");
  EXPECT_EQ(quiet.str(), "");
  EXPECT_EQ(FormatClock(59.6), "1:00");
  EXPECT_EQ(FormatClock(3725), "1:02:05");
}

TEST(Progress, NoLiveLineUnderCiOrWhenNotATerminal) {
  ::setenv("CI", "1", 1);
  EXPECT_FALSE(Progress::LiveWanted(0));
  ::unsetenv("CI");
  testing::TempDir tmp;
  FILE* f = std::fopen((tmp / "out.txt").c_str(), "w");
  EXPECT_FALSE(Progress::LiveWanted(fileno(f)));
  std::fclose(f);
}

nlohmann::json GpuAt(double c) { return {{"nvml", {{"gpu0", {{"temperature_c", c}, {"sm_clock_mhz", 1980}}}}}}; }

TEST(Cooldown, WaitsUntilTemperatureReturnsNearRunStart) {
  const auto idle = Temperatures(GpuAt(40));
  ASSERT_EQ(idle.at("nvml/gpu0"), 40);
  std::vector<double> seq = {60, 52, 44, 41.5};
  std::size_t reads = 0, sleeps = 0;
  const auto r = WaitForCooldown(idle, {true, 2.0, 100, 1.0}, [&] { return GpuAt(seq[std::min(reads++, seq.size() - 1)]); },
                                 [&](double) { ++sleeps; return true; });
  EXPECT_TRUE(r.cooled);
  EXPECT_EQ(reads, 4u);  // 60, 52, 44 are too warm; 41.5 is within 2 °C of 40
  EXPECT_EQ(sleeps, 3u);
  EXPECT_DOUBLE_EQ(r.waited_s, 3.0);
}

TEST(Cooldown, GivesUpAfterTheTimeoutNamingTheWarmDevice) {
  const auto r = WaitForCooldown(Temperatures(GpuAt(40)), {true, 2.0, 5, 1.0}, [] { return GpuAt(70); },
                                 [](double) { return true; });
  EXPECT_FALSE(r.cooled);
  EXPECT_DOUBLE_EQ(r.waited_s, 5.0);
  EXPECT_NE(r.summary.find("nvml/gpu0 at 70 °C (run start 40 °C)"), std::string::npos) << r.summary;
  const auto none = WaitForCooldown({}, {true, 2.0, 5, 1.0}, [] { return nlohmann::json::object(); },
                                    [](double) { return true; });
  EXPECT_FALSE(none.cooled);
  EXPECT_NE(none.summary.find("no meter reports a temperature"), std::string::npos);
}

TEST(Progress, ARunWithTheLiveLineShowsPhasesRateAndPower) {
  testing::TempDir tmp;
  const Scenario s = ParseScenario(R"({"model": {"builtin": "mlp"}, "engines": ["synthetic"],
      "engine_options": {"synthetic": {"a_s": 0.002, "b_s": 0, "mode": "sleep"}}, "batch_sizes": [1, 2],
      "load": {"warmup_s": 0.3, "min_duration_s": 0.6, "repetitions": 1},
      "meters": ["cpu-estimate"], "meter_calibration_s": 0, "idle": {"enabled": false},
      "cooldown": {"enabled": true}})",
                                   "test", tmp.path());
  Store store(tmp / "r.db");
  std::ostringstream log;
  const RunOutcome out = RunScenario(s, store, {false, &log, /*live=*/true});
  EXPECT_EQ(out.status, "completed");
  const std::string text = log.str();
  EXPECT_NE(text.find("\r\x1b[K[1/2] synthetic fp32 batch 1 · rep 1/1 · "), std::string::npos) << text;
  EXPECT_NE(text.find(" W · "), std::string::npos) << text;
  EXPECT_NE(text.find("inf/s"), std::string::npos) << text;
  EXPECT_NE(text.find("[2/2] cooldown skipped: no meter reports a temperature"), std::string::npos) << text;
  // The live line is gone when the run ends: after the last erase comes nothing or a complete plain line.
  const std::string tail = text.substr(text.rfind("\r\x1b[K") + 4);
  EXPECT_TRUE(tail.empty() || tail.back() == '\n') << tail;
}

}  // namespace
}  // namespace joulebench
