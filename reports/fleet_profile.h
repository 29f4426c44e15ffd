// Fleet profile: the deployment a report sizes (traffic, latency SLO, utilization, grid, PUE, price, embodied
// carbon, idle accounting), parsed from JSON and resolved into coefficients with sources. Format: docs/reports.md.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/coefficients.h"

namespace joulebench {

struct FleetProfile {
  std::string name;
  double requests_per_day = 0;       // inferences per day
  double peak_to_average = 1;        // peak rate / average rate
  std::vector<double> daily_profile; // 24 relative weights (optional); sets peak_to_average when given
  double slo_percentile = 0.99;
  double slo_latency_ms = 100;
  double target_utilization = 0.7;   // share of measured offline throughput a GPU is loaded to
  Coefficient intensity;             // gCO2e/kWh (location-based average)
  std::optional<Coefficient> marginal_intensity;
  std::vector<double> hourly_intensity;  // from grid.hourly_csv: 24 or 8760 values (gCO2e/kWh)
  Coefficient pue;
  Coefficient price;                 // per kWh
  std::string currency = "USD";
  Coefficient gpu_embodied_kg, server_embodied_kg;
  int gpus_per_server = 8;
  Coefficient lifetime_years;
  bool count_idle = true;
  std::vector<std::string> sensitivity_regions;
  std::vector<double> sensitivity_pue, sensitivity_lifetime;
  nlohmann::json requested;          // the file as written

  nlohmann::json CoefficientsJson() const;  // every coefficient with value, unit, source, year
};

// Throws InputError (exit 2) listing every problem, each with its JSON path and the fix. Relative CSV paths
// resolve against `base_dir`.
FleetProfile ParseFleetProfile(const std::string& text, const std::string& origin, const std::string& base_dir);
FleetProfile LoadFleetProfile(const std::string& path);

}  // namespace joulebench
