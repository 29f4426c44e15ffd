// cpu-estimate implementation: CLOCK_PROCESS_CPUTIME_ID (all threads of this process) x W per core.
#include "meters/cpu_estimate_meter.h"

#include <ctime>

#include <fmt/format.h>

namespace joulebench {

ProbeResult CpuEstimateMeter::Probe() {
  timespec res{};
  if (clock_getres(CLOCK_PROCESS_CPUTIME_ID, &res) != 0) {
    return {false, "clock_getres(CLOCK_PROCESS_CPUTIME_ID) failed: this kernel has no process CPU clock", {}};
  }
  return {true, "", {{"clock", "CLOCK_PROCESS_CPUTIME_ID"}, {"watts_per_core", watts_per_core_}}};
}

std::vector<Channel> CpuEstimateMeter::Channels() const {
  timespec res{};
  clock_getres(CLOCK_PROCESS_CPUTIME_ID, &res);
  const double res_s = static_cast<double>(res.tv_sec) + static_cast<double>(res.tv_nsec) * 1e-9;
  Channel c;
  c.name = "cpu_estimate::process_energy";
  c.domain = "process";
  c.unit = "J";
  c.kind = ChannelKind::kCounter;
  c.resolution = res_s * watts_per_core_;
  c.update_period_s = 0;  // continuous: the clock advances with every scheduled nanosecond
  c.estimated = true;
  c.method = fmt::format("process CPU time x {:g} W/core", watts_per_core_);
  return {c};
}

Reading CpuEstimateMeter::Read() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  const double cpu_s = static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  return {MonotonicClock::now(), {cpu_s * watts_per_core_}};
}

}  // namespace joulebench
