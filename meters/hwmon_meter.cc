// hwmon implementation over libsensors (which reads /sys/class/hwmon and scales values to W and J).
#include "meters/hwmon_meter.h"

#include <sensors/error.h>
#include <sensors/sensors.h>

#include <cmath>
#include <cstdlib>
#include <mutex>

#include <fmt/format.h>

namespace joulebench {
namespace {
// libsensors keeps global state: one init per process, shared by every HwmonMeter.
std::mutex g_mutex;
int g_users = 0;
}  // namespace

HwmonMeter::~HwmonMeter() {
  if (!initialized_) return;
  std::lock_guard lock(g_mutex);
  if (--g_users == 0) sensors_cleanup();
}

ProbeResult HwmonMeter::Probe() {
  {
    std::lock_guard lock(g_mutex);
    if (!initialized_) {
      if (g_users == 0) {
        if (int rc = sensors_init(nullptr); rc != 0) {
          return {false, fmt::format("hwmon: libsensors initialisation failed: {}", sensors_strerror(rc)), {}};
        }
      }
      ++g_users;
      initialized_ = true;
    }
  }
  sensors_.clear();
  nlohmann::json chips = nlohmann::json::array();
  int nr = 0, chip_count = 0;
  while (const sensors_chip_name* chip = sensors_get_detected_chips(nullptr, &nr)) {
    ++chip_count;
    char name[128];
    sensors_snprintf_chip_name(name, sizeof(name), chip);
    int fnr = 0;
    while (const sensors_feature* feature = sensors_get_features(chip, &fnr)) {
      if (feature->type != SENSORS_FEATURE_POWER && feature->type != SENSORS_FEATURE_ENERGY) continue;
      const bool energy = feature->type == SENSORS_FEATURE_ENERGY;
      const sensors_subfeature* sub = sensors_get_subfeature(
          chip, feature, energy ? SENSORS_SUBFEATURE_ENERGY_INPUT : SENSORS_SUBFEATURE_POWER_INPUT);
      if (!sub && !energy) sub = sensors_get_subfeature(chip, feature, SENSORS_SUBFEATURE_POWER_AVERAGE);
      if (!sub || !(sub->flags & SENSORS_MODE_R)) continue;
      char* label_c = sensors_get_label(chip, feature);
      const std::string label = label_c ? label_c : feature->name;
      std::free(label_c);
      Channel c;
      c.domain = fmt::format("{}.{}", name, feature->name);
      c.name = fmt::format("hwmon::{}_{}", c.domain, energy ? "energy" : "power");
      c.unit = energy ? "J" : "W";
      c.kind = energy ? ChannelKind::kCounter : ChannelKind::kGauge;
      c.resolution = energy ? 1e-6 : 1e-6;
      c.update_period_s = 0;  // unknown until measured
      c.method = fmt::format("hwmon {} \"{}\" ({}, via libsensors){}", name, label, sub->name,
                             energy ? "" : ", integrated");
      chips.push_back({{"chip", name}, {"feature", feature->name}, {"label", label}, {"subfeature", sub->name}});
      sensors_.push_back({chip, sub->number, std::move(c)});
    }
  }
  if (sensors_.empty()) {
    return {false,
            fmt::format("hwmon: no power or energy sensor among {} hwmon chip(s) found by libsensors in "
                        "/sys/class/hwmon",
                        chip_count),
            {}};
  }
  return {true, "", {{"sensors", chips}, {"libsensors", libsensors_version}}};
}

std::vector<Channel> HwmonMeter::Channels() const {
  std::vector<Channel> out;
  for (const auto& s : sensors_) out.push_back(s.channel);
  return out;
}

Reading HwmonMeter::Read() {
  Reading r;
  r.time = MonotonicClock::now();
  for (const auto& s : sensors_) {
    double v = 0;
    if (int rc = sensors_get_value(s.chip, s.subfeature, &v); rc != 0) {
      r.values.push_back(NAN);
      r.error += fmt::format("{}HwmonMeter::Read(): {}: {}", r.error.empty() ? "" : "; ", s.channel.name,
                             sensors_strerror(rc));
    } else {
      r.values.push_back(v);
    }
  }
  return r;
}

}  // namespace joulebench
