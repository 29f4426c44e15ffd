// Coefficients of the fleet model, each with its value, unit, source and year, from the data shipped in
// reports/data/coefficients.json (compiled into the binary) or from the user's fleet profile.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace joulebench {

struct Coefficient {
  std::string name;  // what it is, e.g. "grid intensity (US)"
  double value = 0;
  std::string unit;
  std::string source;
  std::optional<int> year;
  double low = 0, high = 0;  // range for the uncertainty (equal to value when none is known)
  nlohmann::json ToJson() const;
};

// The shipped data (reports/data/coefficients.json).
const nlohmann::json& ShippedCoefficients();

// Region codes (and names) the shipped grid data knows, for messages.
std::vector<std::string> KnownRegions();
// Grid intensity of a region by code ("US") or name ("united states", case-insensitive); nullopt when unknown.
std::optional<Coefficient> RegionIntensity(const std::string& region);

}  // namespace joulebench
