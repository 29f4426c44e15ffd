// Cooldown between cells: waits until every temperature in the meters' State() ({meter: {device: {temperature_c}}})
// is within a margin of its value at run start, or a timeout passes. Kept free of the meters so tests can feed it
// a scripted temperature sequence.
#pragma once

#include <functional>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/scenario.h"

namespace joulebench {

// "meter/device" -> temperature in °C, for every device whose state reports one.
std::map<std::string, double> Temperatures(const nlohmann::json& state);

struct CooldownResult {
  bool cooled = false;   // every device within the margin (vacuously false when none reports a temperature)
  double waited_s = 0;
  std::string summary;   // one line for the log: what was waited for, or which device stayed warm
};

// `read_state` returns the meters' current State(); `sleep(s)` waits and returns false when interrupted.
CooldownResult WaitForCooldown(const std::map<std::string, double>& idle_c, const CooldownSettings& settings,
                               const std::function<nlohmann::json()>& read_state,
                               const std::function<bool(double)>& sleep);

}  // namespace joulebench
