// Window energy: counter differencing with wraparound, and trapezoidal integration of gauges.
#include "meters/window_energy.h"

#include <algorithm>

namespace joulebench {

WindowEnergy CounterWindowEnergy(const Channel& channel, double start_value, double end_value) {
  double delta = end_value - start_value;
  if (delta < 0 && channel.wrap > 0) delta += channel.wrap;  // one wrap; the sampler reads often enough
  WindowEnergy w;
  w.energy = Joules{delta};
  w.uncertainty = Joules{channel.resolution};
  w.method = channel.estimated ? "estimated: " + channel.method : "counter";
  return w;
}

WindowEnergy GaugeWindowEnergy(const Channel& channel, const std::vector<TimedValue>& s) {
  WindowEnergy w;
  w.method = channel.estimated ? "estimated: " + channel.method : "integrated";
  double energy = 0, max_gap = 0, lo = 0, hi = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    lo = i == 0 ? s[i].value : std::min(lo, s[i].value);
    hi = i == 0 ? s[i].value : std::max(hi, s[i].value);
    if (i == 0) continue;
    const double dt = s[i].t_s - s[i - 1].t_s;
    energy += 0.5 * (s[i].value + s[i - 1].value) * dt;
    max_gap = std::max(max_gap, dt);
  }
  w.energy = Joules{energy};
  w.max_gap_s = max_gap;
  w.uncertainty = Joules{max_gap * (hi - lo) + channel.resolution * (s.empty() ? 0 : s.back().t_s - s.front().t_s)};
  return w;
}

}  // namespace joulebench
