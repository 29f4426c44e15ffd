// Energy of one channel over a window [t0, t1]: counter deltas at the edges (with wraparound), or the
// trapezoidal integral of gauge samples. Pure functions, so they are tested exactly.
#pragma once

#include <vector>

#include "meters/meter.h"

namespace joulebench {

struct WindowEnergy {
  Joules energy;
  Joules uncertainty;  // one counter tick, or for gauges the largest sampling gap times the power range
  std::string method;  // "counter", "integrated", or the channel's estimation method
  double max_gap_s = 0;  // gauges: the largest interval between consecutive samples in the window
};

struct TimedValue {
  double t_s;  // seconds from any fixed origin
  double value;
};

// `edges_and_samples` for gauges: every reading from t0 to t1 inclusive, in time order (at least the edges).
WindowEnergy CounterWindowEnergy(const Channel& channel, double start_value, double end_value);
WindowEnergy GaugeWindowEnergy(const Channel& channel, const std::vector<TimedValue>& edges_and_samples);

}  // namespace joulebench
