// rapl: CPU/DRAM/platform energy counters through the Linux powercap tree (intel-rapl:N[:M], intel-rapl-mmio:N;
// AMD CPUs use the same interface). Domains form a tree (psys > package > core/uncore; dram beside packages);
// counters are unwrapped at every read using max_energy_range_uj, so Read() returns monotonic joules.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "meters/meter.h"

namespace joulebench {

class RaplMeter : public Meter {
 public:
  explicit RaplMeter(std::string sysfs_root) : root_(std::move(sysfs_root)) {}
  ProbeResult Probe() override;
  std::vector<Channel> Channels() const override;
  Reading Read() override;

  // Shortest time in which any counter can wrap at `max_power_w`: the sampler must read faster than this.
  double FastestWrapSeconds(double max_power_w) const;

 private:
  struct Zone {
    std::string path;        // .../intel-rapl:0:1
    std::string zone_id;     // intel-rapl:0:1
    std::string name;        // "core", "package-0", "dram", "psys"
    std::string domain;      // unique domain name, e.g. "package-0/core"
    std::string parent;      // enclosing domain or ""
    double range_j = 0;      // max_energy_range_uj in J
    std::uint64_t last_raw = 0;
    double accumulated_j = 0;
    bool primed = false;
  };
  std::string root_;
  std::vector<Zone> zones_;
};

}  // namespace joulebench
