// Fleet profile parsing: numbers, preset names or {value, source, year, range} objects for every coefficient.
#include "reports/fleet_profile.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "harness/common/errors.h"
#include "harness/scenario.h"

namespace joulebench {
namespace {

using json = nlohmann::json;

struct Parser {
  std::string origin;
  std::vector<std::string> problems;
  void Problem(const std::string& path, const std::string& what) { problems.push_back(fmt::format("{}: {}: {}", origin, path, what)); }

  double Number(const json& obj, const char* key, const std::string& path, double fallback, double min_exclusive,
                const char* expected) {
    if (!obj.contains(key)) return fallback;
    const json& v = obj[key];
    if (!v.is_number() || v.get<double>() <= min_exclusive) {
      Problem(path + "." + key, fmt::format("expected {}, got {}", expected, v.dump()));
      return fallback;
    }
    return v.get<double>();
  }

  // A coefficient given as a number, a preset name from `presets`, or {value, unit?, source?, year?, range?}.
  Coefficient Coef(const json& obj, const char* key, const std::string& path, const json& presets, const std::string& preset,
                   const std::string& name, const std::string& unit) {
    Coefficient c;
    c.name = name;
    c.unit = unit;
    const json given = obj.contains(key) ? obj[key] : json(preset);
    auto from_preset = [&](const std::string& p) {
      if (!presets.contains(p)) {
        std::vector<std::string> names;
        for (const auto& [k, v] : presets.items()) names.push_back(k);
        const std::string near = ClosestMatch(p, names);
        Problem(path + "." + key, fmt::format("unknown preset \"{}\" (known: {}){}", p, fmt::join(names, ", "),
                                              near.empty() ? "" : fmt::format("; did you mean \"{}\"?", near)));
        return;
      }
      const json& v = presets[p];
      c.value = v["value"].get<double>();
      c.source = v.value("source", "");
      if (v.contains("year") && v["year"].is_number()) c.year = v["year"].get<int>();
      c.name = name + " (" + p + ")";
    };
    if (given.is_string()) {
      from_preset(given.get<std::string>());
    } else if (given.is_number() && given.get<double>() > 0) {
      c.value = given.get<double>();
      c.source = "fleet profile (user-supplied, no source given)";
    } else if (given.is_object() && given.contains("value") && given["value"].is_number() && given["value"].get<double>() > 0) {
      c.value = given["value"].get<double>();
      c.source = given.value("source", "fleet profile (user-supplied, no source given)");
      if (given.contains("year") && given["year"].is_number_integer()) c.year = given["year"].get<int>();
    } else if (given.is_object() && given.contains("preset") && given["preset"].is_string()) {
      from_preset(given["preset"].get<std::string>());
    } else {
      Problem(path + "." + key, fmt::format("expected a positive number, a preset name, or {{\"value\": ..., \"source\": "
                                            "..., \"year\": ..., \"range\": [low, high]}}, got {}",
                                            given.dump()));
    }
    c.low = c.high = c.value;
    if (given.is_object() && given.contains("range")) {
      const json& r = given["range"];
      if (!r.is_array() || r.size() != 2 || !r[0].is_number() || !r[1].is_number() || r[0].get<double>() <= 0 ||
          r[0].get<double>() > c.value || r[1].get<double>() < c.value) {
        Problem(path + "." + key + ".range", fmt::format("expected [low, high] with 0 < low <= value <= high, got {}", r.dump()));
      } else {
        c.low = r[0].get<double>();
        c.high = r[1].get<double>();
      }
    }
    return c;
  }

  void Keys(const json& obj, const std::string& path, const std::vector<std::string>& known) {
    for (const auto& [k, v] : obj.items()) {
      if (std::find(known.begin(), known.end(), k) != known.end()) continue;
      const std::string near = ClosestMatch(k, known);
      Problem(path + "." + k, fmt::format("unknown key{}", near.empty() ? "" : fmt::format("; did you mean \"{}\"?", near)));
    }
  }
};

std::vector<double> ReadHourlyCsv(const std::string& path, Parser& p) {
  std::ifstream in(path);
  if (!in) {
    p.Problem("$.grid.hourly_csv", fmt::format("cannot read {}", path));
    return {};
  }
  std::vector<double> out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || (n == 1 && line.find_first_of("0123456789") != 0)) continue;  // header
    const auto comma = line.rfind(',');
    try {
      out.push_back(std::stod(line.substr(comma == std::string::npos ? 0 : comma + 1)));
    } catch (const std::exception&) {
      p.Problem("$.grid.hourly_csv", fmt::format("{} line {}: expected HOUR,GCO2_PER_KWH, got \"{}\"", path, n, line));
      return {};
    }
  }
  if (out.size() != 24 && out.size() != 8760) {
    p.Problem("$.grid.hourly_csv", fmt::format("{} has {} values; expected 24 (hour of day) or 8760 (hour of year)", path, out.size()));
  }
  return out;
}

}  // namespace

nlohmann::json FleetProfile::CoefficientsJson() const {
  json j = json::array();
  for (const Coefficient* c : {&intensity, &pue, &price, &gpu_embodied_kg, &server_embodied_kg, &lifetime_years}) {
    j.push_back(c->ToJson());
  }
  if (marginal_intensity) j.push_back(marginal_intensity->ToJson());
  return j;
}

FleetProfile ParseFleetProfile(const std::string& text, const std::string& origin, const std::string& base_dir) {
  Parser p{origin, {}};
  const json root = json::parse(text, nullptr, false);
  if (root.is_discarded() || !root.is_object()) {
    throw InputError(fmt::format("{}: not a JSON object; see docs/reports.md for the fleet profile format", origin));
  }
  const auto& data = ShippedCoefficients();
  FleetProfile f;
  f.requested = root;
  p.Keys(root, "$", {"name", "traffic", "slo", "target_utilization", "grid", "pue", "electricity", "embodied",
                     "count_idle", "sensitivity"});
  f.name = root.value("name", "fleet");
  const json traffic = root.value("traffic", json::object());
  p.Keys(traffic, "$.traffic", {"requests_per_day", "peak_to_average", "daily_profile"});
  if (!traffic.contains("requests_per_day")) p.Problem("$.traffic.requests_per_day", "required (inferences per day, > 0)");
  f.requests_per_day = p.Number(traffic, "requests_per_day", "$.traffic", 0, 0, "a positive number of requests per day");
  f.peak_to_average = p.Number(traffic, "peak_to_average", "$.traffic", 1.0, 0, "a number >= 1");
  if (f.peak_to_average < 1) p.Problem("$.traffic.peak_to_average", fmt::format("expected a number >= 1, got {}", f.peak_to_average));
  if (traffic.contains("daily_profile")) {
    const json& d = traffic["daily_profile"];
    bool ok = d.is_array() && d.size() == 24;
    double sum = 0, peak = 0;
    for (const auto& v : d) {
      ok = ok && v.is_number() && v.get<double>() >= 0;
      if (v.is_number()) {
        sum += v.get<double>();
        peak = std::max(peak, v.get<double>());
      }
    }
    if (!ok || sum <= 0) {
      p.Problem("$.traffic.daily_profile", "expected 24 non-negative relative weights (hour 0..23), not all zero");
    } else {
      for (const auto& v : d) f.daily_profile.push_back(v.get<double>() / sum * 24);
      f.peak_to_average = std::max(f.peak_to_average, peak / (sum / 24));
    }
  }
  const json slo = root.value("slo", json::object());
  p.Keys(slo, "$.slo", {"percentile", "latency_ms"});
  f.slo_percentile = p.Number(slo, "percentile", "$.slo", 0.99, 0, "a number in (0, 1]");
  if (f.slo_percentile > 1) p.Problem("$.slo.percentile", fmt::format("expected a number in (0, 1], got {}", f.slo_percentile));
  f.slo_latency_ms = p.Number(slo, "latency_ms", "$.slo", 100, 0, "a positive latency in ms");
  f.target_utilization = p.Number(root, "target_utilization", "$", 0.7, 0, "a number in (0, 1]");
  if (f.target_utilization > 1) p.Problem("$.target_utilization", fmt::format("expected a number in (0, 1], got {}", f.target_utilization));

  const json grid = root.value("grid", json::object());
  p.Keys(grid, "$.grid", {"region", "intensity_g_per_kwh", "marginal_g_per_kwh", "hourly_csv"});
  if (grid.contains("intensity_g_per_kwh")) {
    f.intensity = p.Coef(grid, "intensity_g_per_kwh", "$.grid", json::object(), "", "grid intensity (user)", "gCO2e/kWh");
  } else {
    const std::string region = grid.value("region", "world");
    if (auto c = RegionIntensity(region)) {
      f.intensity = *c;
    } else {
      std::vector<std::string> names = KnownRegions();
      for (const auto& [code, v] : data["grid_intensity"]["regions"].items()) names.push_back(v.value("name", code));
      const std::string near = ClosestMatch(region, names);
      std::vector<std::string> countries;
      for (const auto& code : KnownRegions()) {
        if (code.find(':') == std::string::npos) countries.push_back(code);
      }
      p.Problem("$.grid.region", fmt::format("unknown region \"{}\" (known: {}, and Google Cloud regions as "
                                             "gcp:REGION, e.g. gcp:us-central1; docs/reports.md lists them){}; or give "
                                             "grid.intensity_g_per_kwh with its source",
                                             region, fmt::join(countries, ", "),
                                             near.empty() ? "" : fmt::format("; did you mean \"{}\"?", near)));
    }
  }
  if (grid.contains("marginal_g_per_kwh")) {
    f.marginal_intensity = p.Coef(grid, "marginal_g_per_kwh", "$.grid", json::object(), "", "marginal grid intensity", "gCO2e/kWh");
  }
  if (grid.contains("hourly_csv")) {
    std::string path = grid["hourly_csv"].is_string() ? grid["hourly_csv"].get<std::string>() : "";
    if (!path.empty() && std::filesystem::path(path).is_relative()) path = (std::filesystem::path(base_dir) / path).string();
    f.hourly_intensity = ReadHourlyCsv(path, p);
  }
  f.pue = p.Coef(root, "pue", "$", data["pue"], "industry-average", "PUE", "ratio");
  const json elec = root.value("electricity", json::object());
  p.Keys(elec, "$.electricity", {"price_per_kwh", "currency"});
  f.price = p.Coef(elec, "price_per_kwh", "$.electricity", data["price"], "us-commercial", "electricity price", "");
  const std::string preset = elec.value("price_per_kwh", json("us-commercial")).is_string()
                                 ? elec.value("price_per_kwh", std::string("us-commercial"))
                                 : "";
  f.currency = elec.value("currency", data["price"].contains(preset) ? data["price"][preset].value("currency", "USD") : "USD");
  f.price.unit = f.currency + "/kWh";
  const json emb = root.value("embodied", json::object());
  p.Keys(emb, "$.embodied", {"gpu_kg", "server_kg", "gpus_per_server", "lifetime_years"});
  f.gpu_embodied_kg = p.Coef(emb, "gpu_kg", "$.embodied", data["embodied"], "a100-gpu", "embodied carbon per GPU", "kgCO2e");
  f.server_embodied_kg = p.Coef(emb, "server_kg", "$.embodied", data["embodied"], "gpu-server", "embodied carbon per server (without GPUs)", "kgCO2e");
  f.gpus_per_server = static_cast<int>(p.Number(emb, "gpus_per_server", "$.embodied", 8, 0, "a positive integer"));
  if (emb.contains("lifetime_years")) {
    f.lifetime_years = p.Coef(emb, "lifetime_years", "$.embodied", json::object(), "", "hardware lifetime", "years");
  } else {
    f.lifetime_years.name = "hardware lifetime";
    f.lifetime_years.unit = "years";
    f.lifetime_years.value = 5;
    f.lifetime_years.low = 4;
    f.lifetime_years.high = 6;
    f.lifetime_years.source = "joulebench default: 4-6 years, the range commonly assumed for data-centre GPUs";
  }
  if (root.contains("count_idle")) {
    if (!root["count_idle"].is_boolean()) p.Problem("$.count_idle", "expected true or false");
    else f.count_idle = root["count_idle"].get<bool>();
  }
  const json sens = root.value("sensitivity", json::object());
  p.Keys(sens, "$.sensitivity", {"regions", "pue", "lifetime_years"});
  f.sensitivity_regions = sens.value("regions", std::vector<std::string>{"US", "DE", "FR", "IN"});
  for (const auto& r : f.sensitivity_regions) {
    if (!RegionIntensity(r)) p.Problem("$.sensitivity.regions", fmt::format("unknown region \"{}\"", r));
  }
  f.sensitivity_pue = sens.value("pue", std::vector<double>{1.1, 1.56});
  f.sensitivity_lifetime = sens.value("lifetime_years", std::vector<double>{4, 6});
  if (!p.problems.empty()) {
    throw InputError(fmt::format("{}\n{} problem(s); see docs/reports.md for every field of a fleet profile",
                                 fmt::join(p.problems, "\n"), p.problems.size()));
  }
  return f;
}

FleetProfile LoadFleetProfile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(fmt::format("--fleet {}: cannot read the file (see docs/reports.md for the format)", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseFleetProfile(ss.str(), path, std::filesystem::path(path).parent_path().string());
}

}  // namespace joulebench
