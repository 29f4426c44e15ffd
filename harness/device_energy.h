// The GPU energy counter an engine may read while it builds (EngineConfig::device_energy_j, for opencl-optimized's
// kernel_objective=measured-energy): which nvml channel belongs to the engine's device, and, for commands that run
// without a meter session (`joulebench check`, `infer`), a counter opened on its own.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "meters/meter.h"

namespace joulebench {

// Of `channels`, the nvml meter's gpuN_energy counter: the only one, else the one of `device_index`; none otherwise.
std::optional<std::size_t> GpuEnergyChannel(const std::vector<Channel>& channels, std::int64_t device_index);

// The nvml meter opened on its own (library: $JOULEBENCH_NVML_LIBRARY, else libnvidia-ml.so.1) and a reader of the
// counter GpuEnergyChannel picks, in joules (NaN where a read fails). Empty, with the reason in *why, where NVML or
// such a counter is missing.
std::function<double()> OpenGpuEnergyCounter(std::int64_t device_index, std::string* why);

}  // namespace joulebench
