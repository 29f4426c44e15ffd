// Meter registration table: the one place optional backends are switched in.
#include "meters/cpu_estimate_meter.h"
#include "meters/meter.h"

namespace joulebench {

const char* ChannelKindName(ChannelKind kind) { return kind == ChannelKind::kCounter ? "counter" : "gauge"; }

const std::vector<MeterInfo>& Meters() {
  static const std::vector<MeterInfo> meters = {
      {"cpu-estimate",
       "ESTIMATED energy: this process's CPU time x a per-core power figure (no sensor is read)",
       /*in_auto=*/false,
       {{"watts_per_core", ParamSpec::Kind::kPositiveNumber, 10.0, "W",
         "assumed power of one busy core (package TDP / cores is a common choice)"}},
       [](const nlohmann::json& o) {
         return std::unique_ptr<Meter>(new CpuEstimateMeter(o.at("watts_per_core").get<double>()));
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
