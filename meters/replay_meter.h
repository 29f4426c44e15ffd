// replay: plays back a recorded trace with its original timing (optionally faster), for tests and demos on
// machines without sensors. Sources: a CSV with columns time_s,channel,value (channels named *_energy are
// counters in J, *_power are gauges in W), or the samples of a run in a joulebench results database (*.db).
// Gauges are interpolated linearly between samples; counters hold their last value, as a ticking counter does.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "meters/meter.h"

namespace joulebench {

class ReplayMeter : public Meter {
 public:
  using ClockFn = std::function<MonotonicClock::time_point()>;
  ReplayMeter(std::string file, std::int64_t run, double speed, bool loop, ClockFn clock = MonotonicClock::now);
  ProbeResult Probe() override;
  std::vector<Channel> Channels() const override;
  Reading Read() override;

 private:
  struct Series {
    Channel channel;
    std::vector<double> t, v;  // sorted by t
  };
  std::string LoadCsv();
  std::string LoadDatabase();
  double ValueAt(const Series& s, double t) const;

  std::string file_;
  std::int64_t run_;
  double speed_;
  bool loop_;
  ClockFn clock_;
  std::vector<Series> series_;
  double t_first_ = 0, t_last_ = 0;
  bool started_ = false;
  MonotonicClock::time_point start_;
};

}  // namespace joulebench
