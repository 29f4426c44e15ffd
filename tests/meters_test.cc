// Meter pieces that need no hardware: window energy arithmetic, the cpu-estimate meter, the sampler thread.
#include <gtest/gtest.h>

#include <thread>

#include "meters/cpu_estimate_meter.h"
#include "meters/sampler.h"
#include "meters/window_energy.h"

namespace joulebench {
namespace {

TEST(WindowEnergy, CounterDeltaAndWraparound) {
  Channel c;
  c.kind = ChannelKind::kCounter;
  c.resolution = 0.001;
  c.wrap = 262143.328850;  // a RAPL max_energy_range_uj in J
  auto w = CounterWindowEnergy(c, 100.0, 150.5);
  EXPECT_DOUBLE_EQ(w.energy.value, 50.5);
  EXPECT_DOUBLE_EQ(w.uncertainty.value, 0.001);
  EXPECT_EQ(w.method, "counter");
  w = CounterWindowEnergy(c, 262140.0, 6.0);  // wrapped once
  EXPECT_NEAR(w.energy.value, 262143.328850 - 262140.0 + 6.0, 1e-9);
}

TEST(WindowEnergy, GaugeTrapezoid) {
  Channel c;
  c.kind = ChannelKind::kGauge;
  // 100 W for 1 s, ramp to 200 W over 1 s, 200 W for 2 s: 100 + 150 + 400 = 650 J.
  auto w = GaugeWindowEnergy(c, {{10, 100}, {11, 100}, {12, 200}, {13, 200}, {14, 200}});
  EXPECT_DOUBLE_EQ(w.energy.value, 650.0);
  EXPECT_DOUBLE_EQ(w.uncertainty.value, 1.0 * 100);  // largest gap x power range
  EXPECT_EQ(w.method, "integrated");
}

TEST(CpuEstimateMeter, CountsThisProcessCpuTimeAndSaysItIsEstimated) {
  CpuEstimateMeter m(10.0);
  ASSERT_TRUE(m.Probe().available);
  const auto ch = m.Channels();
  ASSERT_EQ(ch.size(), 1u);
  EXPECT_TRUE(ch[0].estimated);
  EXPECT_EQ(ch[0].unit, "J");
  const auto r0 = m.Read();
  volatile double x = 0;
  const auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(100)) x = x + 1;  // busy ~0.1 s
  const auto r1 = m.Read();
  const double joules = r1.values[0] - r0.values[0];
  EXPECT_GT(joules, 0.3);  // at least 30 ms of CPU at 10 W, even on a loaded machine
  EXPECT_LT(joules, 1.5);  // at most the 100 ms of one thread (plus slack), never wall time x cores
}

class RampMeter : public Meter {
 public:
  ProbeResult Probe() override { return {true, "", {}}; }
  std::vector<Channel> Channels() const override {
    Channel c;
    c.name = "test::energy";
    return {c};
  }
  Reading Read() override { return {MonotonicClock::now(), {static_cast<double>(++reads_)}}; }
  int reads_ = 0;
};

TEST(Sampler, ReadsInTheBackgroundAndStopsPromptly) {
  std::vector<MeterSource> sources;
  sources.push_back({"ramp", std::make_unique<RampMeter>(), {true, "", {}}, RampMeter().Channels()});
  Sampler s(std::move(sources), Seconds(0.005));
  s.Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto now = s.ReadNow();
  const auto t0 = std::chrono::steady_clock::now();
  s.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(500));
  const auto samples = s.TakeSamples();
  EXPECT_GE(samples.size(), 3u);  // loose: a loaded machine may fall far behind 200 Hz
  for (std::size_t i = 1; i < samples.size(); ++i) EXPECT_GT(samples[i].value, samples[i - 1].value);
  EXPECT_GT(now.values[0], 1.0);
}

}  // namespace
}  // namespace joulebench
