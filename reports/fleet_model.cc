// Fleet model implementation.
#include "reports/fleet_model.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace joulebench {
namespace {

constexpr double kSecondsPerYear = 365.0 * 24 * 3600;
constexpr double kHoursPerYear = 365.0 * 24;
template <typename T>
nlohmann::json Opt(const std::optional<T>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); }

}  // namespace

nlohmann::json ConfigFigures::ToJson() const {
  return {{"engine", engine}, {"precision", precision}, {"batch", batch}, {"load_mode", load_mode},
          {"repetitions", repetitions}, {"throughput_ips", throughput_ips}, {"throughput_ci95", throughput_ci},
          {"j_per_inference", Opt(j_per_inference)}, {"j_per_inference_ci95", j_ci},
          {"idle_power_w", Opt(idle_power_w)}, {"avg_power_w", Opt(avg_power_w)},
          {"energy_method", energy_method}, {"energy_validity", energy_validity},
          {"no_energy_reason", no_energy_reason}, {"latency_at_slo_ms", latency_at_slo_ms},
          {"max_qps", Opt(max_qps)}};
}

nlohmann::json FleetFigures::ToJson() const {
  return {{"gpus", gpus},         {"active_kwh", active_kwh},     {"idle_kwh", idle_kwh},
          {"it_kwh", it_kwh},     {"facility_kwh", facility_kwh}, {"cost", cost},
          {"operational_tco2e", operational_t}, {"embodied_tco2e", embodied_t}, {"total_tco2e", total_t},
          {"sci_g_per_inference", sci_g_per_inference},
          {"sci_g_per_1000_inferences", sci_g_per_inference * 1000}};
}

nlohmann::json FleetResult::ToJson() const {
  nlohmann::json j = {{"meets_slo", meets_slo}, {"slo_note", slo_note}, {"capacity_ips_per_gpu", capacity_ips},
                      {"capacity_method", capacity_method}, {"busy_fraction", busy_fraction}};
  if (central) j["figures"] = {{"low", low->ToJson()}, {"central", central->ToJson()}, {"high", high->ToJson()}};
  return j;
}

double EffectiveIntensity(const FleetProfile& f, double active_share) {
  if (f.hourly_intensity.empty()) return f.intensity.value;
  double flat = 0, weighted = 0;
  const std::size_t n = f.hourly_intensity.size();
  for (std::size_t h = 0; h < n; ++h) {
    flat += f.hourly_intensity[h];
    weighted += f.hourly_intensity[h] * (f.daily_profile.empty() ? 1.0 : f.daily_profile[h % 24]);
  }
  flat /= static_cast<double>(n);
  weighted /= static_cast<double>(n);
  return active_share * weighted + (1 - active_share) * flat;
}

FleetFigures FleetAt(const ConfigFigures& c, const FleetProfile& f, double capacity_ips, double j_per_inference,
                     double intensity, double pue, double lifetime_years) {
  FleetFigures r;
  const double avg_ips = f.requests_per_day / 86400.0;
  const double peak_ips = avg_ips * f.peak_to_average;
  r.gpus = std::ceil(peak_ips / capacity_ips);
  const double inferences = avg_ips * kSecondsPerYear;
  r.active_kwh = inferences * j_per_inference / 3.6e6;  // measured J/inference already holds idle power while busy
  const double busy = std::min(1.0, avg_ips / (r.gpus * c.throughput_ips));
  if (f.count_idle && c.idle_power_w) r.idle_kwh = r.gpus * (1 - busy) * kHoursPerYear * *c.idle_power_w / 1000;
  r.it_kwh = r.active_kwh + r.idle_kwh;
  r.facility_kwh = r.it_kwh * pue;  // PUE applied once, to the IT energy
  r.cost = r.facility_kwh * f.price.value;
  r.operational_t = r.facility_kwh * intensity / 1e6;
  const double per_gpu_kg = f.gpu_embodied_kg.value + f.server_embodied_kg.value / f.gpus_per_server;
  r.embodied_t = r.gpus * per_gpu_kg / lifetime_years / 1000;  // amortized per year of the hardware's life
  r.total_t = r.operational_t + r.embodied_t;
  r.sci_g_per_inference = (r.operational_t + r.embodied_t) * 1e6 / inferences;  // SCI = (E·I + M) / R
  return r;
}

FleetResult ComputeFleet(const ConfigFigures& c, const FleetProfile& f) {
  FleetResult r;
  // Capacity per GPU at the SLO: the server-mode max QPS when it was searched under a bound at least as strict
  // as the SLO; otherwise offline throughput derated to the target utilization, if its latency meets the SLO.
  const bool server_ok = c.max_qps && c.server_bound_ms && c.server_percentile && *c.server_bound_ms <= f.slo_latency_ms &&
                         *c.server_percentile >= f.slo_percentile;
  if (server_ok) {
    r.capacity_ips = *c.max_qps * static_cast<double>(c.batch);
    r.capacity_method = fmt::format("server-mode max QPS {:.1f} at p{:g} <= {:g} ms (measured)", *c.max_qps,
                                    100 * *c.server_percentile, *c.server_bound_ms);
    r.meets_slo = *c.max_qps > 0;
  } else {
    r.capacity_ips = c.throughput_ips * f.target_utilization;
    r.capacity_method = fmt::format("offline throughput {:.4g}/s x target utilization {:g} (derated, not a "
                                    "server-mode measurement)",
                                    c.throughput_ips, f.target_utilization);
    r.meets_slo = c.latency_at_slo_ms <= f.slo_latency_ms;
  }
  r.slo_note = r.meets_slo ? fmt::format("p{:g} latency {:.3g} ms <= {:g} ms", 100 * f.slo_percentile,
                                         c.latency_at_slo_ms, f.slo_latency_ms)
                           : fmt::format("p{:g} latency {:.3g} ms exceeds the SLO of {:g} ms", 100 * f.slo_percentile,
                                         c.latency_at_slo_ms, f.slo_latency_ms);
  if (!c.j_per_inference || c.throughput_ips <= 0 || r.capacity_ips <= 0) return r;
  const double avg_ips = f.requests_per_day / 86400.0;
  const double j = *c.j_per_inference;
  // Central, and the two extremes: measurement CI on J/inference and throughput, and each coefficient's range.
  const double cap_scale_low = c.throughput_ips > 0 ? (c.throughput_ips + c.throughput_ci) / c.throughput_ips : 1;
  const double cap_scale_high = c.throughput_ips > 0 ? std::max(0.01, (c.throughput_ips - c.throughput_ci) / c.throughput_ips) : 1;
  const FleetFigures central = FleetAt(c, f, r.capacity_ips, j, EffectiveIntensity(f, 1.0), f.pue.value, f.lifetime_years.value);
  r.busy_fraction = std::min(1.0, avg_ips / (central.gpus * c.throughput_ips));
  const double active_share = central.it_kwh > 0 ? central.active_kwh / central.it_kwh : 1.0;
  const double intensity = EffectiveIntensity(f, active_share);
  const double scale = intensity / std::max(1e-12, f.intensity.value);
  r.central = FleetAt(c, f, r.capacity_ips, j, intensity, f.pue.value, f.lifetime_years.value);
  r.low = FleetAt(c, f, r.capacity_ips * cap_scale_low, std::max(0.0, j - c.j_ci), f.intensity.low * scale, f.pue.low,
                  f.lifetime_years.high);
  r.high = FleetAt(c, f, r.capacity_ips * cap_scale_high, j + c.j_ci, f.intensity.high * scale, f.pue.high,
                   f.lifetime_years.low);
  return r;
}

}  // namespace joulebench
