// hwmon: power (gauge) and energy (counter) sensors of any hwmon chip through libsensors: AMD GPUs (amdgpu),
// AMD CPUs (amd_energy), boards with INA power monitors. Chip names and labels are recorded with each channel.
#pragma once

#include <string>
#include <vector>

#include "meters/meter.h"

struct sensors_chip_name;

namespace joulebench {

class HwmonMeter : public Meter {
 public:
  HwmonMeter() = default;
  ~HwmonMeter() override;
  ProbeResult Probe() override;
  std::vector<Channel> Channels() const override;
  Reading Read() override;

 private:
  struct Sensor {
    const sensors_chip_name* chip;
    int subfeature;
    Channel channel;
  };
  bool initialized_ = false;
  std::vector<Sensor> sensors_;
};

}  // namespace joulebench
