// Meter backends against fixtures: RAPL on fake powercap trees, NVML through dlopen of a fake library, replay on
// synthetic traces with analytic integrals, and the cross-check rule.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <sstream>
#include <fstream>
#include <thread>

#include "harness/meter_session.h"
#include "meters/nvml_meter.h"
#include "meters/rapl_meter.h"
#include "meters/replay_meter.h"
#include "rapl_fixture.h"
#include "temp_dir.h"

namespace joulebench {
namespace {

using testing::TempDir;

const Channel* Find(const std::vector<Channel>& chans, const std::string& name) {
  for (const auto& c : chans) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

TEST(Rapl, DomainTreeOfATwoSocketServer) {
  TempDir tmp;
  testing::TwoSocketServer(tmp.path());
  RaplMeter m(tmp.path().string());
  const auto probe = m.Probe();
  ASSERT_TRUE(probe.available) << probe.reason;
  const auto ch = m.Channels();
  ASSERT_EQ(ch.size(), 7u);  // the MMIO duplicate of package-0 is skipped
  EXPECT_NE(probe.identity["skipped"].dump().find("intel-rapl-mmio:0 (duplicates package-0)"), std::string::npos);
  ASSERT_TRUE(Find(ch, "rapl::package-0_energy"));
  EXPECT_EQ(Find(ch, "rapl::package-0_energy")->parent, "psys");
  EXPECT_EQ(Find(ch, "rapl::package-0.core_energy")->parent, "package-0");
  EXPECT_EQ(Find(ch, "rapl::package-1.core_energy")->parent, "package-1");
  EXPECT_EQ(Find(ch, "rapl::package-0.dram_energy")->parent, "psys");  // DRAM is not inside the package counter
  EXPECT_EQ(Find(ch, "rapl::psys_energy")->parent, "");
  EXPECT_EQ(Find(ch, "rapl::psys_energy")->unit, "J");
  // The dram zone's 65.5 kJ range wraps fastest: 131 s at 500 W.
  EXPECT_NEAR(m.FastestWrapSeconds(500), 65532.610987 / 500, 1e-6);
}

TEST(Rapl, CountsAcrossAWraparound) {
  TempDir tmp;
  const unsigned long long range = 262143328850ull;
  testing::AddZone(tmp.path(), "intel-rapl:0", "package-0", range - 1000000);  // 1 J before the wrap
  RaplMeter m(tmp.path().string());
  ASSERT_TRUE(m.Probe().available);
  const double e0 = m.Read().values[0];
  testing::SetEnergy(tmp.path(), "intel-rapl:0", range - 250000);  // +0.75 J
  const double e1 = m.Read().values[0];
  testing::SetEnergy(tmp.path(), "intel-rapl:0", 2000000);  // wrapped: +0.25 J to the top, +2 J after
  const double e2 = m.Read().values[0];
  EXPECT_NEAR(e1 - e0, 0.75, 1e-9);
  EXPECT_NEAR(e2 - e1, 2.25, 1e-9);
  EXPECT_GT(e2, e1);  // never negative energy (CodeCarbon issue #309)
}

TEST(Rapl, MissingTreeAndPermissionDeniedSayWhatToDo) {
  TempDir tmp;
  RaplMeter none(tmp.path().string());
  auto p = none.Probe();
  EXPECT_FALSE(p.available);
  EXPECT_NE(p.reason.find("does not exist"), std::string::npos) << p.reason;

  testing::AddZone(tmp.path(), "intel-rapl:0", "package-0", 5);
  const auto file = tmp.path() / "class/powercap/intel-rapl:0/energy_uj";
  chmod(file.c_str(), 0000);
  chmod(tmp.path().c_str(), 0755);
  // Root reads any file: probe from a child that dropped to 'nobody', as a normal user would.
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(2);
    RaplMeter m(tmp.path().string());
    const std::string reason = m.Probe().reason;
    (void)!write(fds[1], reason.data(), reason.size());
    _exit(0);
  }
  close(fds[1]);
  char buf[1024] = {};
  (void)!read(fds[0], buf, sizeof(buf) - 1);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_EQ(WEXITSTATUS(status), 0);
  const std::string reason = buf;
  EXPECT_NE(reason.find("permission denied reading"), std::string::npos) << reason;
  EXPECT_NE(reason.find("run as root, or grant read access"), std::string::npos) << reason;
}

TEST(Rapl, AFileDisappearingMidRunFailsOnlyItsChannel) {
  TempDir tmp;
  testing::TwoSocketServer(tmp.path());
  RaplMeter m(tmp.path().string());
  ASSERT_TRUE(m.Probe().available);
  const auto ch = m.Channels();
  std::filesystem::remove_all(tmp.path() / "class/powercap/intel-rapl:1:0");
  const Reading r = m.Read();
  for (std::size_t c = 0; c < ch.size(); ++c) {
    EXPECT_EQ(std::isnan(r.values[c]), ch[c].name == "rapl::package-1.core_energy") << ch[c].name;
  }
  EXPECT_NE(r.error.find("intel-rapl:1:0/energy_uj: No such file or directory"), std::string::npos) << r.error;
}

class FakeNvml : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("FAKE_NVML_MODE");
    unsetenv("FAKE_NVML_GPUS");
    unsetenv("FAKE_NVML_WATTS");
  }
  NvmlMeter Make(const std::string& devices = "all") { return NvmlMeter(devices, JOULEBENCH_FAKE_NVML); }
};

TEST_F(FakeNvml, ChannelsStateAndIdentity) {
  setenv("FAKE_NVML_GPUS", "2", 1);
  auto m = Make();
  const auto p = m.Probe();
  ASSERT_TRUE(p.available) << p.reason;
  EXPECT_EQ(p.identity["driver_version"], "fake-580.00");
  const auto ch = m.Channels();
  ASSERT_EQ(ch.size(), 6u);
  EXPECT_EQ(ch[0].name, "nvml::gpu0_energy");
  EXPECT_EQ(ch[0].kind, ChannelKind::kCounter);
  EXPECT_FALSE(ch[0].cross_check_only);
  EXPECT_TRUE(Find(ch, "nvml::gpu1_instant_power")->cross_check_only);  // the counter is preferred
  EXPECT_TRUE(Find(ch, "nvml::gpu1_average_power")->cross_check_only);
  const auto r = m.Read();
  EXPECT_NEAR(r.values[1], 200.0, 1e-9);  // instant power in W (the library reports mW)
  const auto state = m.State();
  EXPECT_EQ(state["gpu0"]["sm_clock_mhz"], 1980);
  EXPECT_EQ(state["gpu1"]["power_limit_w"], 700.0);
  EXPECT_EQ(state["gpu0"]["throttle_reasons"], nlohmann::json({"gpu_idle"}));
  setenv("FAKE_NVML_THROTTLE", "0x44", 1);
  EXPECT_EQ(m.State()["gpu0"]["throttle_reasons"], nlohmann::json({"sw_power_cap", "hw_thermal_slowdown"}));
  unsetenv("FAKE_NVML_THROTTLE");
}

TEST_F(FakeNvml, EnergyCounterDeltaMatchesPowerTimesTime) {
  setenv("FAKE_NVML_WATTS", "250", 1);
  auto m = Make();
  ASSERT_TRUE(m.Probe().available);
  const auto r0 = m.Read();
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  const auto r1 = m.Read();
  const double dt = std::chrono::duration<double>(r1.time - r0.time).count();
  EXPECT_NEAR(r1.values[0] - r0.values[0], 250 * dt, 250 * 0.1 + 1e-9);  // within one 100 ms tick
}

TEST_F(FakeNvml, SamplerTicksSkipTheSlowCounterButWindowEdgesReadIt) {
  auto m = Make();
  ASSERT_TRUE(m.Probe().available);
  const auto tick = m.Sample();
  ASSERT_EQ(tick.values.size(), 3u);
  EXPECT_TRUE(std::isnan(tick.values[0]));  // the energy counter (3.4 ms per call on an H100): edges only
  EXPECT_TRUE(tick.error.empty()) << tick.error;  // skipped, not failed
  EXPECT_NEAR(tick.values[1], 200.0, 1e-9);  // instant power is still sampled for traces and the cross-check
  EXPECT_FALSE(std::isnan(m.Read().values[0]));
}

TEST_F(FakeNvml, DeviceSelectionAndFailures) {
  setenv("FAKE_NVML_GPUS", "2", 1);
  auto one = Make("1");
  ASSERT_TRUE(one.Probe().available);
  EXPECT_EQ(one.Channels()[0].name, "nvml::gpu1_energy");
  auto bad = Make("5");
  EXPECT_NE(bad.Probe().reason.find("GPU 5 does not exist (this machine has 2 GPU(s)"), std::string::npos);
  auto junk = Make("first");
  EXPECT_NE(junk.Probe().reason.find("is not a GPU index"), std::string::npos);

  setenv("FAKE_NVML_MODE", "init_fail", 1);
  auto init = Make();
  const auto p = init.Probe();
  EXPECT_FALSE(p.available);
  EXPECT_NE(p.reason.find("nvmlInit failed: Driver Not Loaded (9)"), std::string::npos) << p.reason;

  NvmlMeter missing("all", "/nonexistent/libnvidia-ml.so.1");
  EXPECT_NE(missing.Probe().reason.find("cannot load /nonexistent/libnvidia-ml.so.1"), std::string::npos);
}

TEST_F(FakeNvml, NoCounterFallsBackToIntegratingInstantPower) {
  setenv("FAKE_NVML_MODE", "no_counter", 1);
  auto m = Make();
  ASSERT_TRUE(m.Probe().available);
  const auto ch = m.Channels();
  ASSERT_EQ(ch.size(), 2u);
  EXPECT_EQ(ch[0].name, "nvml::gpu0_instant_power");
  EXPECT_FALSE(ch[0].cross_check_only);  // now the energy source of its domain
  EXPECT_NE(ch[0].method.find("no energy counter"), std::string::npos);
}

TEST_F(FakeNvml, GpuLostMidRunYieldsNaNWithTheReason) {
  setenv("FAKE_NVML_MODE", "lost_after=3", 1);  // the probe read is the first
  auto m = Make();
  ASSERT_TRUE(m.Probe().available);
  EXPECT_FALSE(std::isnan(m.Read().values[0]));
  EXPECT_FALSE(std::isnan(m.Read().values[0]));
  const auto r = m.Read();
  EXPECT_TRUE(std::isnan(r.values[0]));
  EXPECT_FALSE(std::isnan(r.values[1]));  // other channels still read
  EXPECT_NE(r.error.find("NvmlMeter::Read(): gpu0: nvmlDeviceGetTotalEnergyConsumption: GPU is lost (15)"),
            std::string::npos)
      << r.error;
}

// A steppable clock for replay tests.
struct FakeClock {
  MonotonicClock::time_point now{std::chrono::seconds(1000)};
  void Advance(double s) { now += std::chrono::duration_cast<MonotonicClock::duration>(Seconds(s)); }
};

TEST(Replay, GaugeWindowEnergyEqualsTheAnalyticIntegral) {
  TempDir tmp;
  const std::string csv = tmp / "trace.csv";
  {
    std::ofstream out(csv);
    out << "time_s,channel,value\n";
    for (int i = 0; i <= 1000; ++i) {  // p(t) = 100 + 50 sin(pi t) W, sampled every 10 ms for 10 s
      const double t = i * 0.01;
      out << t << ",gpu_power," << 100 + 50 * std::sin(M_PI * t) << "\n";
    }
  }
  FakeClock clock;
  ReplayMeter m(csv, 0, 1.0, false, [&] { return clock.now; });
  ASSERT_TRUE(m.Probe().available);
  ASSERT_EQ(m.Channels()[0].kind, ChannelKind::kGauge);
  m.Read();  // starts playback at trace time 0
  clock.Advance(1.3);
  std::vector<TimedValue> series;
  for (int i = 0; i <= 6400; ++i) {  // read every 1 ms from t = 1.3 to 7.7 s
    series.push_back({1.3 + i * 0.001, m.Read().values[0]});
    clock.Advance(0.001);
  }
  const double got = GaugeWindowEnergy(m.Channels()[0], series).energy.value;
  const auto F = [](double t) { return 100 * t - 50 / M_PI * std::cos(M_PI * t); };
  const double want = F(7.7) - F(1.3);
  EXPECT_NEAR(got, want, want * 0.001);
}

TEST(Replay, CountersHoldTheirTicksAndKeepCountingWhenLooping) {
  TempDir tmp;
  const std::string csv = tmp / "c.csv";
  {
    std::ofstream out(csv);
    out << "time_s,channel,value\n";
    for (int i = 0; i <= 10; ++i) out << i * 0.1 << ",gpu_energy," << 50 + 10.0 * i << "\n";  // 100 W, 100 ms ticks
  }
  FakeClock clock;
  ReplayMeter m(csv, 0, 1.0, true, [&] { return clock.now; });
  ASSERT_TRUE(m.Probe().available);
  EXPECT_EQ(m.Channels()[0].kind, ChannelKind::kCounter);
  const double e0 = m.Read().values[0];
  clock.Advance(0.25);
  EXPECT_DOUBLE_EQ(m.Read().values[0] - e0, 20.0);  // two whole ticks, not 25 J
  clock.Advance(1.0);                                // 1.25 s: one loop of the 1 s trace + 0.25 s
  EXPECT_DOUBLE_EQ(m.Read().values[0] - e0, 120.0);
}

TEST(Replay, BadTracesAreRejectedWithTheLine) {
  TempDir tmp;
  auto probe = [&](const std::string& text) {
    std::ofstream(tmp / "bad.csv") << text;
    return ReplayMeter(tmp / "bad.csv", 0, 1, true).Probe().reason;
  };
  EXPECT_NE(probe("time_s,channel,value\n0,gpu_volts,1\n").find("bad.csv:2: channel \"gpu_volts\" must end in "
                                                               "_energy"),
            std::string::npos);
  EXPECT_NE(probe("time_s,channel,value\n0,gpu_power,abc\n").find("must be numbers"), std::string::npos);
  EXPECT_NE(probe("time_s,channel,value\n1,gpu_power,1\n0,gpu_power,1\n").find("time goes backwards"),
            std::string::npos);
  EXPECT_NE(ReplayMeter("", 0, 1, true).Probe().reason.find("set meter_options.replay.file"), std::string::npos);
}

TEST(CrossCheck, FlagsDisagreementButNotAveragedPower) {
  Channel counter, instant, average;
  counter.name = "nvml::gpu0_energy";
  instant.name = "nvml::gpu0_instant_power";
  average.name = "nvml::gpu0_average_power";
  counter.domain = instant.domain = average.domain = "gpu0";
  instant.cross_check_only = average.cross_check_only = true;
  instant.update_period_s = 0.05;
  average.update_period_s = 1.0;
  auto energy = [](double j) { return WindowEnergy{Joules{j}, Joules{0}, ""}; };
  auto ok = CrossCheck({counter, instant, average}, {energy(100), energy(104), energy(60)}, 0.10);
  EXPECT_FALSE(ok.disagree);
  ASSERT_EQ(ok.notes.size(), 2u);
  EXPECT_NE(ok.notes[0].find("differs from nvml::gpu0_energy by +4.0%"), std::string::npos) << ok.notes[0];
  EXPECT_NE(ok.notes[1].find("-40.0% (averaged power lags; not judged)"), std::string::npos) << ok.notes[1];
  auto bad = CrossCheck({counter, instant, average}, {energy(100), energy(113), energy(100)}, 0.10);
  EXPECT_TRUE(bad.disagree);
  EXPECT_NE(bad.notes[0].find("beyond the 10% tolerance"), std::string::npos);
}

}  // namespace
}  // namespace joulebench

namespace joulebench {
namespace {

TEST(MeterSession, NestedWindowsAndQuantizationWindow) {
  TempDir tmp;
  const std::string csv = tmp / "flat.csv";
  {
    std::ofstream out(csv);
    out << "time_s,channel,value\n";
    for (int i = 0; i <= 100; ++i) out << i * 0.1 << ",board_energy," << 20.0 * i << "\n";  // 200 W, 100 ms ticks
  }
  Scenario s;
  s.meters_auto = false;
  s.meters = {"replay"};
  for (const auto& m : Meters()) {
    nlohmann::json o = nlohmann::json::object();
    for (const auto& p : m.options) o[p.name] = p.default_value;
    s.meter_options[m.name] = o;
  }
  s.meter_options["replay"]["file"] = csv;
  s.meter_calibration_s = 0.5;
  std::ostringstream log;
  MeterSession session(s, log);
  session.StartSampling();
  EXPECT_NEAR(session.update_period(0), 0.1, 0.02);  // measured, not declared
  EXPECT_NEAR(session.MinWindowSeconds(0.01), 10.0, 2.0);
  session.Begin("outer");
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  session.Begin("inner");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const Window inner = session.End("inner");
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  const Window outer = session.End("outer");
  const auto ei = session.Energy(inner), eo = session.Energy(outer);
  EXPECT_NEAR(ei[0].energy.value, 200 * 0.3, 20 + 1e-9);  // within one tick
  EXPECT_NEAR(eo[0].energy.value, 200 * 0.6, 20 + 1e-9);
  EXPECT_GE(eo[0].energy.value, ei[0].energy.value);
  EXPECT_NEAR(ei[0].uncertainty.value, ei[0].energy.value / 0.3 * session.update_period(0), 1.0);
  EXPECT_THROW(session.End("never-begun"), std::logic_error);
  session.Stop();
}

}  // namespace
}  // namespace joulebench
