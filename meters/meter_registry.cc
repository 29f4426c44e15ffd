// Meter registration table: the one place backends are switched in, with their options declared as data.
#include <cstdlib>

#include "meters/cpu_estimate_meter.h"
#include "meters/hwmon_meter.h"
#include "meters/meter.h"
#include "meters/nvml_meter.h"
#include "meters/rapl_meter.h"
#include "meters/replay_meter.h"
#include "meters/sysfs.h"

namespace joulebench {
namespace {
std::string NvmlLibrary(const std::string& option) {
  if (!option.empty()) return option;
  const char* env = std::getenv("JOULEBENCH_NVML_LIBRARY");
  return env && *env ? env : "libnvidia-ml.so.1";
}
}  // namespace

const char* ChannelKindName(ChannelKind kind) { return kind == ChannelKind::kCounter ? "counter" : "gauge"; }

const std::vector<MeterInfo>& Meters() {
  using K = ParamSpec::Kind;
  static const std::vector<MeterInfo> meters = {
      {"nvml",
       "NVIDIA GPUs through NVML (dlopen libnvidia-ml.so.1): energy counter, instant and averaged power",
       /*in_auto=*/true,
       {{"devices", K::kString, "all", "", "\"all\" or comma-separated GPU indices, e.g. \"0,2\""},
        {"library", K::kString, "", "",
         "NVML library to load; empty = $JOULEBENCH_NVML_LIBRARY, else libnvidia-ml.so.1"}},
       [](const nlohmann::json& o) {
         return std::unique_ptr<Meter>(
             new NvmlMeter(o.at("devices").get<std::string>(), NvmlLibrary(o.at("library").get<std::string>())));
       }},
      {"rapl",
       "CPU package/core/DRAM/platform energy counters through Linux powercap (Intel RAPL, AMD)",
       /*in_auto=*/true,
       {{"sysfs_root", K::kString, "", "", "folder standing for /sys; empty = $JOULEBENCH_SYSFS_ROOT, else /sys"}},
       [](const nlohmann::json& o) {
         return std::unique_ptr<Meter>(new RaplMeter(SysfsRoot(o.at("sysfs_root").get<std::string>())));
       }},
      {"hwmon",
       "power and energy sensors of hwmon chips through libsensors (amdgpu, amd_energy, INA monitors)",
       /*in_auto=*/true,
       {},
       [](const nlohmann::json&) { return std::unique_ptr<Meter>(new HwmonMeter()); }},
      {"cpu-estimate",
       "ESTIMATED energy: this process's CPU time x a per-core power figure (no sensor is read)",
       /*in_auto=*/false,
       {{"watts_per_core", K::kPositiveNumber, 10.0, "W",
         "assumed power of one busy core (package TDP / cores is a common choice)"}},
       [](const nlohmann::json& o) {
         return std::unique_ptr<Meter>(new CpuEstimateMeter(o.at("watts_per_core").get<double>()));
       }},
      {"replay",
       "plays back a recorded trace (CSV time_s,channel,value or a results .db) with its original timing",
       /*in_auto=*/false,
       {{"file", K::kString, "", "", "trace file: CSV (channels *_energy in J, *_power in W) or a results .db"},
        {"run", K::kInt, 0, "", "run id to replay from a .db; 0 = the latest"},
        {"speed", K::kPositiveNumber, 1.0, "", "playback speed (2 = twice as fast)"},
        {"loop", K::kBool, true, "", "start over at the end of the trace (counters keep counting)"}},
       [](const nlohmann::json& o) {
         return std::unique_ptr<Meter>(new ReplayMeter(o.at("file").get<std::string>(), o.at("run").get<std::int64_t>(),
                                                       o.at("speed").get<double>(), o.at("loop").get<bool>()));
       }},
  };
  return meters;
}

const MeterInfo* FindMeter(const std::string& name) {
  for (const auto& m : Meters()) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

}  // namespace joulebench
