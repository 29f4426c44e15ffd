// Report building: rows per configuration, the best configuration that meets the SLO, savings, sensitivity.
#include "reports/report.h"

#include <functional>

#include <fmt/format.h>

#include "harness/common/errors.h"
#include "harness/common/version.h"
#include "reports/coefficients.h"
#include "reports/fleet_model.h"
#include "reports/run_figures.h"

namespace joulebench {
namespace {

using json = nlohmann::json;

// The power trace of a configuration's first repetition: a root domain's power gauge (or its energy counter,
// differenced), from 3 s before the energy window to 3 s after, at most 400 points, with the idle power.
json Trace(Store& store, std::int64_t run_id, const ConfigFigures& c, std::size_t row) {
  std::optional<MeasurementRecord> m;
  for (auto& x : store.Measurements(c.cell_id)) {
    if (x.window_start_s && x.window_end_s) {
      m = std::move(x);
      break;
    }
  }
  if (!m) return nullptr;
  // A root domain's power gauge, preferring a primary one, then one that is not a 1 s moving average (NVML's
  // instant power is a cross-check gauge beside the counter, which is sampled only at window edges); else the
  // counter differenced, when it has samples.
  const ChannelRecord* gauge = nullptr;
  const ChannelRecord* counter = nullptr;
  const auto channels = store.Channels(run_id);
  auto rank = [](const ChannelRecord& c) { return (c.cross_check_only ? 2 : 0) + (c.update_period_s >= 1.0 ? 1 : 0); };
  for (const auto& ch : channels) {
    if (!ch.parent_domain.empty()) continue;
    if (ch.kind == "gauge" && (!gauge || rank(ch) < rank(*gauge))) gauge = &ch;
    if (ch.kind == "counter" && !counter) counter = &ch;
  }
  std::vector<SampleRecord> samples;
  if (gauge) samples = store.Samples(gauge->id, *m->window_start_s - 3, *m->window_end_s + 3);
  if (samples.empty() && counter) {
    gauge = nullptr;
    samples = store.Samples(counter->id, *m->window_start_s - 3, *m->window_end_s + 3);
  }
  const ChannelRecord* ch = gauge ? gauge : counter;
  if (!ch) return nullptr;
  json points = json::array();
  for (std::size_t i = gauge ? 0 : 1; i < samples.size(); ++i) {
    double w = samples[i].value;
    if (!gauge) {
      const double dt = samples[i].t_s - samples[i - 1].t_s;
      if (dt <= 0 || samples[i].value < samples[i - 1].value) continue;
      w = (samples[i].value - samples[i - 1].value) / dt;
    }
    points.push_back({samples[i].t_s - *m->window_start_s, w});
  }
  if (points.size() > 400) {
    json thin = json::array();
    const double step = static_cast<double>(points.size()) / 400;
    for (double k = 0; k < static_cast<double>(points.size()); k += step) thin.push_back(points[static_cast<std::size_t>(k)]);
    points = std::move(thin);
  }
  if (points.empty()) return nullptr;
  return {{"row", row}, {"channel", ch->name}, {"domain", ch->domain}, {"unit", "W"},
          {"derived_from_counter", gauge == nullptr}, {"window_s", {0.0, *m->window_end_s - *m->window_start_s}},
          {"idle_power_w", c.idle_power_w ? json(*c.idle_power_w) : json()}, {"points", points}};
}

json RunSection(Store& store, std::int64_t run_id, const FleetProfile& fleet, std::vector<ConfigFigures>& figures,
                std::vector<FleetResult>& results) {
  const auto run = store.GetRun(run_id);
  if (!run) {
    const auto latest = store.LatestRunId();
    throw InputError(fmt::format("run {} is not in {}{}; `joulebench db list --db {}` lists the runs", run_id,
                                 store.path(), latest ? fmt::format(" (the latest run is {})", *latest) : "",
                                 store.path()));
  }
  const auto env = store.Environment(run_id);
  figures = ReadRunFigures(store, run_id, fleet.slo_percentile);
  json rows = json::array();
  for (const auto& c : figures) {
    results.push_back(ComputeFleet(c, fleet));
    rows.push_back({{"config", c.ToJson()}, {"fleet", results.back().ToJson()}});
  }
  // The best configuration: meets the SLO, has energy, lowest central total tCO2e per year.
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (!results[i].meets_slo || !results[i].central) continue;
    if (!best || results[i].central->total_t < results[*best].central->total_t) best = i;
  }
  json section = {{"id", run_id},
                  {"scenario", run->scenario_name},
                  {"started_at", run->started_at},
                  {"status", run->status},
                  {"tool_version", run->tool_version},
                  {"git_revision", run->git_revision},
                  {"host", run->host},
                  {"model", {{"name", env.count("model.name") ? env.at("model.name") : ""},
                             {"hash", env.count("model.hash") ? env.at("model.hash") : ""}}},
                  {"rows", rows},
                  {"best", best ? json(*best) : json()}};
  if (best) {
    if (json trace = Trace(store, run_id, figures[*best], *best); !trace.is_null()) section["trace"] = trace;
  }
  if (!best) {
    double fastest = 1e300;
    for (const auto& c : figures) fastest = std::min(fastest, c.latency_at_slo_ms > 0 ? c.latency_at_slo_ms : 1e300);
    section["no_config_meets_slo"] =
        fmt::format("no configuration with energy data meets p{:g} <= {:g} ms; the best latency reached is {:.3g} ms",
                    100 * fleet.slo_percentile, fleet.slo_latency_ms, fastest);
  }
  return section;
}

json Savings(const FleetResult& base, const FleetResult& opt, const FleetProfile& f) {
  json s = json::object();
  for (const char* bound : {"low", "central", "high"}) {
    const auto& b = bound[0] == 'l' ? *base.low : bound[0] == 'c' ? *base.central : *base.high;
    const auto& o = bound[0] == 'l' ? *opt.low : bound[0] == 'c' ? *opt.central : *opt.high;
    s[bound] = {{"gpus", b.gpus - o.gpus},
                {"facility_kwh", b.facility_kwh - o.facility_kwh},
                {"cost", b.cost - o.cost},
                {"operational_tco2e", b.operational_t - o.operational_t},
                {"embodied_tco2e", b.embodied_t - o.embodied_t},
                {"total_tco2e", b.total_t - o.total_t},
                {"energy_ratio", o.facility_kwh > 0 ? b.facility_kwh / o.facility_kwh : 0.0}};
  }
  s["currency"] = f.currency;
  return s;
}

// Everyday equivalents of the best configuration's central tCO2e per year and of the central savings, each line
// with its source (reports/data/coefficients.json, "equivalences"). Only positive amounts are translated.
json Equivalences(const json& report) {
  const json& data = ShippedCoefficients()["equivalences"];
  std::vector<std::pair<std::string, double>> amounts;
  if (!report["run"]["best"].is_null()) {
    const json& row = report["run"]["rows"][report["run"]["best"].get<std::size_t>()];
    amounts.emplace_back("total tCO2e per year of the best configuration",
                         row["fleet"]["figures"]["central"]["total_tco2e"].get<double>());
  }
  if (report.contains("savings")) amounts.emplace_back("tCO2e saved per year", report["savings"]["central"]["total_tco2e"].get<double>());
  json items = json::array();
  for (const auto& [what, tonnes] : amounts) {
    if (!(tonnes > 0)) continue;
    for (const auto& [key, e] : data["items"].items()) {
      items.push_back({{"of", what}, {"tco2e", tonnes}, {"equivalent", tonnes * 1e6 / e["value"].get<double>()},
                       {"name", e["name"]}, {"per_unit", e["value"]}, {"unit", e["unit"]}, {"source", e["source"]},
                       {"year", e["year"]}});
    }
  }
  if (items.empty()) return nullptr;
  return {{"note", data["note"]}, {"items", items}};
}

}  // namespace

// Index of the configuration with the lowest central total tCO2e among those meeting the SLO, filtered by engine.
std::optional<std::size_t> Best(const std::vector<ConfigFigures>& figs, const std::vector<FleetResult>& res,
                                const std::function<bool(const std::string&)>& engine_ok) {
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < res.size(); ++i) {
    if (!engine_ok(figs[i].engine) || !res[i].meets_slo || !res[i].central) continue;
    if (!best || res[i].central->total_t < res[*best].central->total_t) best = i;
  }
  return best;
}

json BuildReport(Store& store, std::int64_t run_id, std::optional<std::int64_t> baseline_run_id, const FleetProfile& fleet,
                 const std::string& baseline_engine) {
  std::vector<ConfigFigures> figures, base_figures;
  std::vector<FleetResult> results, base_results;
  json report = {{"schema_version", kReportSchemaVersion},
                 {"generator", fmt::format("joulebench {} ({})", kVersion, kGitRevision)},
                 {"fleet", {{"name", fleet.name},
                            {"requests_per_day", fleet.requests_per_day},
                            {"peak_to_average", fleet.peak_to_average},
                            {"daily_profile", fleet.daily_profile},
                            {"slo", {{"percentile", fleet.slo_percentile}, {"latency_ms", fleet.slo_latency_ms}}},
                            {"target_utilization", fleet.target_utilization},
                            {"count_idle", fleet.count_idle},
                            {"gpus_per_server", fleet.gpus_per_server},
                            {"hourly_intensity_values", fleet.hourly_intensity.size()},
                            {"currency", fleet.currency}}},
                 {"coefficients", fleet.CoefficientsJson()}};
  report["run"] = RunSection(store, run_id, fleet, figures, results);
  if (baseline_run_id) {
    report["baseline_run"] = RunSection(store, *baseline_run_id, fleet, base_figures, base_results);
    const json& b = report["baseline_run"]["best"];
    const json& o = report["run"]["best"];
    if (!b.is_null() && !o.is_null()) {
      report["savings"] = Savings(base_results[b.get<std::size_t>()], results[o.get<std::size_t>()], fleet);
      report["savings"]["basis"] = fmt::format("best configuration of run {} against the best of baseline run {}",
                                               run_id, *baseline_run_id);
    } else {
      report["savings_note"] = "no savings: the run or the baseline run has no configuration that meets the SLO with energy data";
    }
  } else {
    const auto base = Best(figures, results, [&](const std::string& e) { return e == baseline_engine; });
    const auto opt = Best(figures, results, [&](const std::string& e) { return e != baseline_engine; });
    if (base && opt) {
      report["savings"] = Savings(results[*base], results[*opt], fleet);
      report["savings"]["baseline_row"] = *base;
      report["savings"]["optimized_row"] = *opt;
      report["savings"]["basis"] = fmt::format("within run {}: best {} configuration against the best of the other engines",
                                               run_id, baseline_engine);
    }
  }
  // Sensitivity of the best configuration's total tCO2e per year over region x PUE x lifetime.
  if (!report["run"]["best"].is_null()) {
    const std::size_t i = report["run"]["best"].get<std::size_t>();
    json rows = json::array();
    for (const auto& region : fleet.sensitivity_regions) {
      const auto intensity = RegionIntensity(region);
      for (double pue : fleet.sensitivity_pue) {
        for (double life : fleet.sensitivity_lifetime) {
          const FleetFigures s = FleetAt(figures[i], fleet, results[i].capacity_ips, *figures[i].j_per_inference,
                                         intensity->value, pue, life);
          rows.push_back({{"region", region}, {"intensity_g_per_kwh", intensity->value}, {"pue", pue},
                          {"lifetime_years", life}, {"total_tco2e", s.total_t}, {"operational_tco2e", s.operational_t},
                          {"embodied_tco2e", s.embodied_t}, {"sci_g_per_inference", s.sci_g_per_inference}});
        }
      }
    }
    report["sensitivity"] = rows;
  }
  if (json eq = Equivalences(report); !eq.is_null()) report["equivalences"] = eq;
  report["formulas"] = {
      {"gpus", "ceil(requests_per_day / 86400 x peak_to_average / capacity_per_gpu)"},
      {"active_kwh", "requests per year x J/inference / 3.6e6 (measured J/inference includes idle power while busy)"},
      {"idle_kwh", "GPUs x (1 - busy fraction) x 8760 h x idle power / 1000 (when count_idle)"},
      {"facility_kwh", "(active_kwh + idle_kwh) x PUE"},
      {"cost", "facility_kwh x price"},
      {"operational_tco2e", "facility_kwh x grid intensity / 1e6"},
      {"embodied_tco2e", "GPUs x (GPU kg + server kg / GPUs per server) / lifetime years / 1000"},
      {"sci", "(operational + embodied) / inferences per year (SCI = (E x I + M) / R)"},
      {"low_high", "low: J/inference - CI, throughput + CI, each coefficient's low end, longest lifetime; high: the "
                   "opposite"}};
  return report;
}

}  // namespace joulebench
