// cpu-estimate: energy modelled as this process's CPU time x a per-core power figure. A model, not a
// measurement (CodeCarbon documents -60%..+190% against RAPL for TDP-based estimates): labelled "estimated".
#pragma once

#include "meters/meter.h"

namespace joulebench {

class CpuEstimateMeter : public Meter {
 public:
  explicit CpuEstimateMeter(double watts_per_core) : watts_per_core_(watts_per_core) {}
  ProbeResult Probe() override;
  std::vector<Channel> Channels() const override;
  Reading Read() override;

 private:
  double watts_per_core_;
};

}  // namespace joulebench
