// The GPU energy counter handed to engines at build time: see device_energy.h.
#include "harness/device_energy.h"

#include <cmath>
#include <memory>

#include <fmt/format.h>

namespace joulebench {

std::optional<std::size_t> GpuEnergyChannel(const std::vector<Channel>& channels, std::int64_t device_index) {
  std::vector<std::size_t> gpus;
  std::optional<std::size_t> indexed;
  for (std::size_t i = 0; i < channels.size(); ++i) {
    const std::string& name = channels[i].name;
    if (name.rfind("nvml::gpu", 0) != 0 || name.size() < 7 || name.substr(name.size() - 7) != "_energy") continue;
    gpus.push_back(i);
    if (name == fmt::format("nvml::gpu{}_energy", device_index)) indexed = i;
  }
  if (gpus.size() == 1) return gpus[0];
  return indexed;
}

std::function<double()> OpenGpuEnergyCounter(std::int64_t device_index, std::string* why) {
  const MeterInfo* info = FindMeter("nvml");
  if (!info) {
    *why = "this build has no nvml meter";
    return {};
  }
  nlohmann::json options = nlohmann::json::object();
  for (const auto& p : info->options) options[p.name] = p.default_value;
  std::shared_ptr<Meter> meter = info->create(options);
  const ProbeResult probe = meter->Probe();
  if (!probe.available) {
    *why = fmt::format("nvml: {}", probe.reason);
    return {};
  }
  const auto channel = GpuEnergyChannel(meter->Channels(), device_index);
  if (!channel) {
    *why = fmt::format("nvml reports no energy counter for GPU {}", device_index);
    return {};
  }
  return [meter, i = *channel] {
    const Reading r = meter->Read();
    return i < r.values.size() ? r.values[i] : std::nan("");
  };
}

}  // namespace joulebench
