// nvml implementation: probing what each GPU supports, reading in SI units, and device state for the record.
#include "meters/nvml_meter.h"

#include <cmath>
#include <sstream>

#include <fmt/format.h>

namespace joulebench {
namespace {

std::vector<unsigned> ParseIndices(const std::string& spec, unsigned count, std::string* error) {
  std::vector<unsigned> out;
  if (spec.empty() || spec == "all") {
    for (unsigned i = 0; i < count; ++i) out.push_back(i);
    return out;
  }
  std::stringstream ss(spec);
  for (std::string item; std::getline(ss, item, ',');) {
    char* end = nullptr;
    const long v = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v < 0) {
      *error = fmt::format("NVML: devices \"{}\": \"{}\" is not a GPU index; use \"all\" or indices like \"0,2\"",
                           spec, item);
      return {};
    }
    if (static_cast<unsigned>(v) >= count) {
      *error = fmt::format("NVML: GPU {} does not exist (this machine has {} GPU(s), indices 0..{})", v, count,
                           count == 0 ? 0 : count - 1);
      return {};
    }
    out.push_back(static_cast<unsigned>(v));
  }
  return out;
}

double FieldToDouble(const nvml::FieldValue& f) {
  switch (f.value_type) {
    case 0: return f.value.d;
    case 1: return f.value.ui;
    case 2: return static_cast<double>(f.value.ul);
    case 3: return static_cast<double>(f.value.ull);
    case 4: return static_cast<double>(f.value.sll);
    case 5: return f.value.si;
    case 6: return f.value.us;
  }
  return NAN;
}

nlohmann::json DecodeThrottle(unsigned long long bits) {
  static const std::pair<unsigned long long, const char*> names[] = {
      {0x1, "gpu_idle"},          {0x2, "applications_clocks"}, {0x4, "sw_power_cap"},
      {0x8, "hw_slowdown"},       {0x10, "sync_boost"},         {0x20, "sw_thermal_slowdown"},
      {0x40, "hw_thermal_slowdown"}, {0x80, "hw_power_brake"},  {0x100, "display_clocks"}};
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [bit, name] : names) {
    if (bits & bit) out.push_back(name);
  }
  return out;
}

}  // namespace

NvmlMeter::~NvmlMeter() {
  if (initialized_) api_.Shutdown();
  api_.Unload();
}

ProbeResult NvmlMeter::Probe() {
  if (std::string err = api_.Load(library_); !err.empty()) return {false, err, {}};
  if (nvml::Return r = api_.Init(); r != nvml::kSuccess) {
    return {false, fmt::format("NVML: nvmlInit failed: {}; is the NVIDIA driver loaded (nvidia-smi works)?",
                               api_.Error(r)),
            {}};
  }
  initialized_ = true;
  unsigned count = 0;
  if (nvml::Return r = api_.DeviceGetCount(&count); r != nvml::kSuccess) {
    return {false, "NVML: nvmlDeviceGetCount failed: " + api_.Error(r), {}};
  }
  std::string error;
  const auto indices = ParseIndices(devices_, count, &error);
  if (!error.empty()) return {false, error, {}};
  if (indices.empty()) return {false, "NVML: no NVIDIA GPU found", {}};

  nlohmann::json ident = {{"library", library_}};
  char buf[96] = {};
  if (api_.SystemGetDriverVersion && api_.SystemGetDriverVersion(buf, sizeof(buf)) == nvml::kSuccess) {
    ident["driver_version"] = buf;
  }
  if (api_.SystemGetNVMLVersion && api_.SystemGetNVMLVersion(buf, sizeof(buf)) == nvml::kSuccess) {
    ident["nvml_version"] = buf;
  }
  gpus_.clear();
  for (unsigned i : indices) {
    Gpu g{i, nullptr, "", "", false, false, false};
    if (nvml::Return r = api_.DeviceGetHandleByIndex(i, &g.device); r != nvml::kSuccess) {
      return {false, fmt::format("NVML: GPU {}: nvmlDeviceGetHandleByIndex: {}", i, api_.Error(r)), {}};
    }
    if (api_.DeviceGetName(g.device, buf, sizeof(buf)) == nvml::kSuccess) g.name = buf;
    if (api_.DeviceGetUUID && api_.DeviceGetUUID(g.device, buf, sizeof(buf)) == nvml::kSuccess) g.uuid = buf;
    unsigned long long mj = 0;
    g.has_counter = api_.DeviceGetTotalEnergyConsumption &&
                    api_.DeviceGetTotalEnergyConsumption(g.device, &mj) == nvml::kSuccess;
    if (api_.DeviceGetFieldValues) {
      nvml::FieldValue f{};
      f.field_id = nvml::kFieldPowerInstant;
      g.has_instant = api_.DeviceGetFieldValues(g.device, 1, &f) == nvml::kSuccess && f.nvml_return == nvml::kSuccess;
    }
    unsigned mw = 0;
    g.has_average = api_.DeviceGetPowerUsage && api_.DeviceGetPowerUsage(g.device, &mw) == nvml::kSuccess;
    ident["gpus"].push_back({{"index", i},
                             {"name", g.name},
                             {"uuid", g.uuid},
                             {"energy_counter", g.has_counter},
                             {"instant_power", g.has_instant},
                             {"average_power", g.has_average}});
    if (!g.has_counter && !g.has_instant && !g.has_average) {
      return {false, fmt::format("NVML: GPU {} ({}) reports neither energy nor power", i, g.name), ident};
    }
    gpus_.push_back(g);
  }
  return {true, "", ident};
}

std::vector<Channel> NvmlMeter::Channels() const {
  std::vector<Channel> out;
  for (const auto& g : gpus_) {
    const std::string domain = fmt::format("gpu{}", g.index);
    if (g.has_counter) {
      out.push_back({"nvml::" + domain + "_energy", domain, "", "J", ChannelKind::kCounter, 0.001, 0.1, 0, false,
                     false, "counter nvmlDeviceGetTotalEnergyConsumption (mJ since driver load)"});
    }
    if (g.has_instant) {
      out.push_back({"nvml::" + domain + "_instant_power", domain, "", "W", ChannelKind::kGauge, 0.001, 0.05, 0,
                     false, /*cross_check_only=*/g.has_counter,
                     g.has_counter ? "instant power (NVML_FI_DEV_POWER_INSTANT), integrated: cross-check"
                                   : "instant power (NVML_FI_DEV_POWER_INSTANT), integrated: no energy counter"});
    }
    if (g.has_average) {
      out.push_back({"nvml::" + domain + "_average_power", domain, "", "W", ChannelKind::kGauge, 0.001, 1.0, 0, false,
                     /*cross_check_only=*/true,
                     "averaged power (nvmlDeviceGetPowerUsage; 1 s average on Ampere and newer): cross-check only"});
    }
  }
  return out;
}

Reading NvmlMeter::ReadChannels(bool with_counter) {
  Reading r;
  r.time = MonotonicClock::now();
  auto fail = [&](const Gpu& g, const char* what, nvml::Return code) {
    r.values.push_back(NAN);
    r.error += fmt::format("{}NvmlMeter::Read(): gpu{}: {}: {}", r.error.empty() ? "" : "; ", g.index, what,
                           api_.Error(code));
  };
  for (const auto& g : gpus_) {
    if (g.has_counter && !with_counter) r.values.push_back(NAN);  // edge-only: not an error
    if (g.has_counter && with_counter) {
      unsigned long long mj = 0;
      const auto rc = api_.DeviceGetTotalEnergyConsumption(g.device, &mj);
      rc == nvml::kSuccess ? r.values.push_back(static_cast<double>(mj) * 1e-3)
                           : fail(g, "nvmlDeviceGetTotalEnergyConsumption", rc);
    }
    if (g.has_instant) {
      nvml::FieldValue f{};
      f.field_id = nvml::kFieldPowerInstant;
      auto rc = api_.DeviceGetFieldValues(g.device, 1, &f);
      if (rc == nvml::kSuccess) rc = f.nvml_return;
      rc == nvml::kSuccess ? r.values.push_back(FieldToDouble(f) * 1e-3)
                           : fail(g, "NVML_FI_DEV_POWER_INSTANT", rc);
    }
    if (g.has_average) {
      unsigned mw = 0;
      const auto rc = api_.DeviceGetPowerUsage(g.device, &mw);
      rc == nvml::kSuccess ? r.values.push_back(mw * 1e-3) : fail(g, "nvmlDeviceGetPowerUsage", rc);
    }
  }
  return r;
}

nlohmann::json NvmlMeter::State() {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& g : gpus_) {
    nlohmann::json s = nlohmann::json::object();
    unsigned v = 0;
    if (api_.DeviceGetClockInfo && api_.DeviceGetClockInfo(g.device, nvml::kClockSm, &v) == nvml::kSuccess) {
      s["sm_clock_mhz"] = v;
    }
    if (api_.DeviceGetClockInfo && api_.DeviceGetClockInfo(g.device, nvml::kClockMem, &v) == nvml::kSuccess) {
      s["mem_clock_mhz"] = v;
    }
    if (api_.DeviceGetTemperature && api_.DeviceGetTemperature(g.device, nvml::kTemperatureGpu, &v) == nvml::kSuccess) {
      s["temperature_c"] = v;
    }
    if (api_.DeviceGetEnforcedPowerLimit && api_.DeviceGetEnforcedPowerLimit(g.device, &v) == nvml::kSuccess) {
      s["power_limit_w"] = v * 1e-3;
    }
    unsigned long long bits = 0;
    if (api_.DeviceGetCurrentClocksThrottleReasons &&
        api_.DeviceGetCurrentClocksThrottleReasons(g.device, &bits) == nvml::kSuccess) {
      s["throttle_reasons"] = DecodeThrottle(bits);
      s["throttle_bits"] = fmt::format("0x{:x}", bits);
    }
    out[fmt::format("gpu{}", g.index)] = s;
  }
  return out;
}

}  // namespace joulebench
