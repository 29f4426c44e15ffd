// rapl implementation: zone discovery, the domain tree, permission diagnosis and wraparound.
#include "meters/rapl_meter.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "meters/sysfs.h"

namespace joulebench {
namespace fs = std::filesystem;
namespace {

bool ParseU64(const std::optional<std::string>& s, std::uint64_t* out) {
  if (!s || s->empty()) return false;
  char* end = nullptr;
  errno = 0;
  *out = std::strtoull(s->c_str(), &end, 10);
  return errno == 0 && end && *end == '\0';
}

std::string PermissionHint(const std::string& file) {
  return fmt::format(
      "RAPL: permission denied reading {} (energy_uj is readable by root only since Linux 5.10); run as root, or "
      "grant read access until reboot: sudo chmod a+r /sys/class/powercap/intel-rapl*/energy_uj "
      "/sys/class/powercap/intel-rapl*/*/energy_uj",
      file);
}

}  // namespace

ProbeResult RaplMeter::Probe() {
  zones_.clear();
  const fs::path dir = fs::path(root_) / "class" / "powercap";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return {false,
            fmt::format("RAPL: {} does not exist (no powercap driver: not an Intel/AMD CPU with RAPL, RAPL disabled, "
                        "or a container that hides /sys/class/powercap)",
                        dir.string()),
            {}};
  }
  std::vector<std::string> ids;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string id = e.path().filename().string();
    if (id.rfind("intel-rapl:", 0) == 0 || id.rfind("intel-rapl-mmio:", 0) == 0) ids.push_back(id);
  }
  // MSR zones first, so an MMIO zone is recognised as repeating one of them.
  std::sort(ids.begin(), ids.end(), [](const std::string& a, const std::string& b) {
    const bool ma = a.rfind("intel-rapl-mmio:", 0) == 0, mb = b.rfind("intel-rapl-mmio:", 0) == 0;
    return ma != mb ? mb : a < b;
  });
  if (ids.empty()) return {false, fmt::format("RAPL: {} holds no intel-rapl zones", dir.string()), {}};

  nlohmann::json skipped = nlohmann::json::array();
  std::vector<Zone> zones;
  for (const auto& id : ids) {
    Zone z;
    z.zone_id = id;
    z.path = (dir / id).string();
    const auto name = ReadSysfs(z.path + "/name");
    std::uint64_t range = 0, raw = 0;
    const auto energy = ReadSysfs(z.path + "/energy_uj");
    if (energy.error == EACCES || energy.error == EPERM) return {false, PermissionHint(z.path + "/energy_uj"), {}};
    if (!name.text || !ParseU64(ReadSysfs(z.path + "/max_energy_range_uj").text, &range) ||
        !ParseU64(energy.text, &raw)) {
      skipped.push_back(id + " (unreadable: " + (energy.error ? std::strerror(energy.error) : "bad content") + ")");
      continue;
    }
    z.name = *name.text;
    z.range_j = static_cast<double>(range) * 1e-6;
    zones.push_back(std::move(z));
  }
  // Domains: top zones are packages, psys or dram; subzones nest under their package (dram beside it: the
  // package counter does not include DRAM). MMIO zones that repeat an MSR zone's name are skipped.
  const bool has_psys = std::any_of(zones.begin(), zones.end(), [](const Zone& z) { return z.name == "psys"; });
  std::vector<std::string> top_names;
  for (auto& z : zones) {
    const bool mmio = z.zone_id.rfind("intel-rapl-mmio:", 0) == 0;
    const auto colons = std::count(z.zone_id.begin(), z.zone_id.end(), ':');
    if (colons == 1) {
      if (mmio && std::find(top_names.begin(), top_names.end(), z.name) != top_names.end()) {
        skipped.push_back(z.zone_id + " (duplicates " + z.name + ")");
        z.domain.clear();
        continue;
      }
      z.domain = z.name;
      z.parent = (z.name == "psys" || !has_psys) ? "" : "psys";
      top_names.push_back(z.name);
    } else {
      const std::string top_id = z.zone_id.substr(0, z.zone_id.rfind(':'));
      auto top = std::find_if(zones.begin(), zones.end(), [&](const Zone& t) { return t.zone_id == top_id; });
      const std::string top_domain = top == zones.end() ? top_id : top->domain;
      z.domain = top_domain + "." + z.name;
      z.parent = z.name == "dram" ? (has_psys ? "psys" : "") : top_domain;
    }
  }
  std::erase_if(zones, [](const Zone& z) { return z.domain.empty(); });
  zones_ = std::move(zones);
  if (zones_.empty()) return {false, "RAPL: no readable zone", {{"skipped", skipped}}};
  nlohmann::json ident = {{"powercap", dir.string()}, {"skipped", skipped}};
  for (const auto& z : zones_) ident["zones"][z.domain] = {{"path", z.path}, {"max_energy_range_j", z.range_j}};
  ident["fastest_wrap_s_at_500W"] = FastestWrapSeconds(500);
  return {true, "", ident};
}

double RaplMeter::FastestWrapSeconds(double max_power_w) const {
  double fastest = INFINITY;
  for (const auto& z : zones_) fastest = std::min(fastest, z.range_j / max_power_w);
  return fastest;
}

std::vector<Channel> RaplMeter::Channels() const {
  std::vector<Channel> out;
  for (const auto& z : zones_) {
    Channel c;
    c.name = "rapl::" + z.domain + "_energy";
    c.domain = z.domain;
    c.parent = z.parent;
    c.unit = "J";
    c.kind = ChannelKind::kCounter;
    c.resolution = 1e-6;  // the file's unit; the hardware unit (often 61 µJ) is coarser
    c.update_period_s = 0.001;
    c.wrap = 0;  // unwrapped inside Read()
    c.method = fmt::format("counter {}/energy_uj, unwrapped at max_energy_range_uj = {:.0f} J", z.path, z.range_j);
    out.push_back(std::move(c));
  }
  return out;
}

Reading RaplMeter::Read() {
  Reading r;
  r.time = MonotonicClock::now();
  for (auto& z : zones_) {
    std::uint64_t raw = 0;
    const auto v = ReadSysfs(z.path + "/energy_uj");
    if (!ParseU64(v.text, &raw)) {
      r.values.push_back(NAN);
      r.error += fmt::format("{}RaplMeter::Read(): {}/energy_uj: {}", r.error.empty() ? "" : "; ", z.path,
                             v.error ? std::strerror(v.error) : "unparseable content");
      continue;
    }
    if (z.primed) {
      const double range_uj = z.range_j * 1e6;
      const double delta_uj = raw >= z.last_raw ? static_cast<double>(raw - z.last_raw)
                                                : range_uj - static_cast<double>(z.last_raw) + static_cast<double>(raw);
      z.accumulated_j += delta_uj * 1e-6;
    }
    z.last_raw = raw;
    z.primed = true;
    r.values.push_back(z.accumulated_j);
  }
  return r;
}

}  // namespace joulebench
