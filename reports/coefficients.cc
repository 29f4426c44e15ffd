// Shipped coefficient data and region lookup.
#include "reports/coefficients.h"

#include <algorithm>
#include <cctype>

#include "reports/embedded_coefficients.h"

namespace joulebench {

nlohmann::json Coefficient::ToJson() const {
  nlohmann::json j = {{"name", name}, {"value", value}, {"unit", unit}, {"source", source},
                      {"year", year ? nlohmann::json(*year) : nlohmann::json()}};
  if (low != value || high != value) j["range"] = {low, high};
  return j;
}

const nlohmann::json& ShippedCoefficients() {
  static const nlohmann::json data = nlohmann::json::parse(kEmbeddedCoefficients);
  return data;
}

std::vector<std::string> KnownRegions() {
  std::vector<std::string> out;
  for (const auto& [code, v] : ShippedCoefficients()["grid_intensity"]["regions"].items()) out.push_back(code);
  return out;
}

namespace {
std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}
}  // namespace

std::optional<Coefficient> RegionIntensity(const std::string& region) {
  const auto& grid = ShippedCoefficients()["grid_intensity"];
  for (const auto& [code, v] : grid["regions"].items()) {
    if (Lower(code) != Lower(region) && Lower(v.value("name", "")) != Lower(region)) continue;
    Coefficient c;
    c.name = "grid intensity (" + v.value("name", code) + ", " + v.value("factor_type", grid.value("factor_type", "")) + ")";
    c.value = v["value"].get<double>();
    c.unit = grid.value("unit", "gCO2e/kWh");
    c.source = v.value("source", "");
    if (v.contains("year") && v["year"].is_number()) c.year = v["year"].get<int>();
    c.low = c.high = c.value;
    return c;
  }
  return std::nullopt;
}

}  // namespace joulebench
