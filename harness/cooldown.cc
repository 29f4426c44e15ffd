// Cooldown implementation.
#include "harness/cooldown.h"

#include <fmt/format.h>

namespace joulebench {

std::map<std::string, double> Temperatures(const nlohmann::json& state) {
  std::map<std::string, double> out;
  if (!state.is_object()) return out;
  for (const auto& [meter, devices] : state.items()) {
    if (!devices.is_object()) continue;
    for (const auto& [device, facts] : devices.items()) {
      if (facts.is_object() && facts.contains("temperature_c") && facts["temperature_c"].is_number()) {
        out[meter + "/" + device] = facts["temperature_c"].get<double>();
      }
    }
  }
  return out;
}

CooldownResult WaitForCooldown(const std::map<std::string, double>& idle_c, const CooldownSettings& settings,
                               const std::function<nlohmann::json()>& read_state,
                               const std::function<bool(double)>& sleep) {
  CooldownResult r;
  if (idle_c.empty()) {
    r.summary = "cooldown skipped: no meter reports a temperature (NVML does; RAPL, hwmon power and cpu-estimate do not)";
    return r;
  }
  std::string warm;
  while (true) {
    warm.clear();
    const auto now = Temperatures(read_state());
    for (const auto& [device, idle] : idle_c) {
      auto it = now.find(device);
      if (it != now.end() && it->second > idle + settings.max_above_idle_c) {
        warm += fmt::format("{}{} at {:g} °C (run start {:g} °C)", warm.empty() ? "" : ", ", device, it->second, idle);
      }
    }
    if (warm.empty()) {
      r.cooled = true;
      r.summary = fmt::format("cooled to within {:g} °C of the run-start temperature after {:.1f} s",
                              settings.max_above_idle_c, r.waited_s);
      return r;
    }
    if (r.waited_s >= settings.timeout_s || !sleep(settings.poll_s)) break;
    r.waited_s += settings.poll_s;
  }
  r.summary = fmt::format("cooldown gave up after {:.1f} s: {} (raise cooldown.timeout_s or max_above_idle_c)",
                          r.waited_s, warm);
  return r;
}

}  // namespace joulebench
