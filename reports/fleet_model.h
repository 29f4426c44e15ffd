// The fleet model: from one configuration's measured figures (throughput, J/inference with its confidence
// interval, idle power, latency) and a fleet profile to GPUs, kWh, cost and tCO2e per year, SCI per inference,
// each as low / central / high. Formulas: docs/reports.md.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "reports/fleet_profile.h"

namespace joulebench {

// What a report needs from one cell of a run (means over its valid repetitions).
struct ConfigFigures {
  std::int64_t cell_id = 0;
  std::string engine, precision, load_mode;
  std::int64_t batch = 0;
  int repetitions = 0;
  double throughput_ips = 0, throughput_ci = 0;    // inferences/s, 95% CI half-width
  std::optional<double> j_per_inference;           // total, summed over the run's root energy domains
  double j_ci = 0;
  std::optional<double> idle_power_w;              // summed over the same domains
  std::optional<double> avg_power_w;
  std::string energy_method, energy_validity;
  std::string no_energy_reason;                    // why j_per_inference is absent
  double latency_at_slo_ms = 0;                    // per query, at the fleet's SLO percentile
  std::optional<double> max_qps;                   // server mode
  std::optional<double> server_bound_ms, server_percentile;
  nlohmann::json ToJson() const;
};

struct FleetFigures {
  double gpus = 0;
  double active_kwh = 0, idle_kwh = 0, it_kwh = 0, facility_kwh = 0;
  double cost = 0;
  double operational_t = 0, embodied_t = 0, total_t = 0;
  double sci_g_per_inference = 0;
  nlohmann::json ToJson() const;
};

struct FleetResult {
  bool meets_slo = false;
  std::string slo_note;       // why not, or how capacity was derived
  double capacity_ips = 0;    // sustainable inferences/s per GPU at the SLO (central)
  std::string capacity_method;
  double busy_fraction = 0;   // average share of time a provisioned GPU is serving
  std::optional<FleetFigures> low, central, high;  // absent without energy data
  nlohmann::json ToJson() const;
};

// Which extreme of each uncertain input a scenario takes.
enum class Bound { kLow, kCentral, kHigh };

FleetResult ComputeFleet(const ConfigFigures& c, const FleetProfile& f);
// One scenario's figures; exposed for the sensitivity table and for tests.
FleetFigures FleetAt(const ConfigFigures& c, const FleetProfile& f, double capacity_ips, double j_per_inference,
                     double intensity, double pue, double lifetime_years);
// Energy-weighted grid intensity from the hourly series and the daily profile (the plain average when either is
// missing); `active_share` of the energy follows traffic, the rest is flat.
double EffectiveIntensity(const FleetProfile& f, double active_share);

}  // namespace joulebench
