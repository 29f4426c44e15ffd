// NVML loader: dlopen + dlsym into the function table; optional symbols may be missing on old drivers.
#include "meters/nvml_api.h"

#include <dlfcn.h>

#include <fmt/format.h>

namespace joulebench::nvml {

std::string Api::Load(const std::string& library) {
  handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    return fmt::format("NVML: cannot load {} ({}); install the NVIDIA driver, or on a machine without an NVIDIA GPU "
                       "leave nvml out of the scenario's meters",
                       library, dlerror());
  }
  std::string missing;
  auto need = [&](auto& fn, const char* name) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(handle, name));
    if (!fn) missing += std::string(missing.empty() ? "" : ", ") + name;
  };
  auto want = [&](auto& fn, const char* name) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(handle, name));
  };
  need(Init, "nvmlInit_v2");
  need(Shutdown, "nvmlShutdown");
  need(ErrorString, "nvmlErrorString");
  need(DeviceGetCount, "nvmlDeviceGetCount_v2");
  need(DeviceGetHandleByIndex, "nvmlDeviceGetHandleByIndex_v2");
  need(DeviceGetName, "nvmlDeviceGetName");
  want(DeviceGetUUID, "nvmlDeviceGetUUID");
  want(DeviceGetTotalEnergyConsumption, "nvmlDeviceGetTotalEnergyConsumption");
  want(DeviceGetPowerUsage, "nvmlDeviceGetPowerUsage");
  want(DeviceGetFieldValues, "nvmlDeviceGetFieldValues");
  want(SystemGetDriverVersion, "nvmlSystemGetDriverVersion");
  want(SystemGetNVMLVersion, "nvmlSystemGetNVMLVersion");
  want(DeviceGetClockInfo, "nvmlDeviceGetClockInfo");
  want(DeviceGetTemperature, "nvmlDeviceGetTemperature");
  want(DeviceGetEnforcedPowerLimit, "nvmlDeviceGetEnforcedPowerLimit");
  want(DeviceGetCurrentClocksThrottleReasons, "nvmlDeviceGetCurrentClocksEventReasons");
  if (!DeviceGetCurrentClocksThrottleReasons) {
    want(DeviceGetCurrentClocksThrottleReasons, "nvmlDeviceGetCurrentClocksThrottleReasons");
  }
  if (!missing.empty()) {
    Unload();
    return fmt::format("NVML: {} lacks {}; the driver is too old or the file is not NVML", library, missing);
  }
  return "";
}

void Api::Unload() {
  if (handle) dlclose(handle);
  *this = Api{};
}

std::string Api::Error(Return r) const {
  const char* s = ErrorString ? ErrorString(r) : nullptr;
  return s ? fmt::format("{} ({})", s, r) : fmt::format("NVML error {}", r);
}

}  // namespace joulebench::nvml
