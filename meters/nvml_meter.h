// nvml: NVIDIA GPU energy and power, loaded at run time with dlopen. Per GPU: the total-energy counter (preferred
// for energy), instant power (NVML_FI_DEV_POWER_INSTANT; integrated for energy only when the counter is missing)
// and averaged power (nvmlDeviceGetPowerUsage, a 1 s average on Ampere+: a cross-check, never integrated).
#pragma once

#include <string>
#include <vector>

#include "meters/meter.h"
#include "meters/nvml_api.h"

namespace joulebench {

class NvmlMeter : public Meter {
 public:
  // `devices`: "all" or comma-separated indices ("0,2"); `library`: the NVML shared library to dlopen.
  NvmlMeter(std::string devices, std::string library) : devices_(std::move(devices)), library_(std::move(library)) {}
  ~NvmlMeter() override;
  ProbeResult Probe() override;
  std::vector<Channel> Channels() const override;
  Reading Read() override { return ReadChannels(true); }
  Reading Sample() override { return ReadChannels(false); }  // the counter only at window edges
  nlohmann::json State() override;

 private:
  Reading ReadChannels(bool with_counter);
  struct Gpu {
    unsigned index;
    nvml::Device device;
    std::string name, uuid;
    bool has_counter = false, has_instant = false, has_average = false;
  };
  std::string devices_, library_;
  nvml::Api api_;
  bool initialized_ = false;
  std::vector<Gpu> gpus_;
};

}  // namespace joulebench
