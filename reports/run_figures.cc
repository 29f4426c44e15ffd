// Run figures from the store: means and 95% confidence half-widths over repetitions.
#include "reports/run_figures.h"

#include <map>
#include <set>

#include <fmt/format.h>

#include "harness/latency_histogram.h"
#include "harness/stats.h"

namespace joulebench {
namespace {

// Latency at percentile q: from the histogram when stored, else the nearest stored percentile at or above q.
double LatencyAt(const MeasurementRecord& m, double q) {
  if (m.latency_histogram.is_object()) {
    try {
      return LatencyHistogram::FromJson(m.latency_histogram).Percentile(q);
    } catch (const std::exception&) {
    }
  }
  if (q <= 0.50) return m.latency_p50_ms;
  if (q <= 0.90) return m.latency_p90_ms;
  if (q <= 0.95) return m.latency_p95_ms;
  if (q <= 0.99) return m.latency_p99_ms;
  if (q <= 0.999) return m.latency_p999_ms;
  return m.latency_max_ms;
}

}  // namespace

std::vector<ConfigFigures> ReadRunFigures(Store& store, std::int64_t run_id, double slo_percentile) {
  // The primary channel of each root domain.
  std::map<std::string, std::int64_t> primary;
  std::map<std::int64_t, std::string> method_of;
  for (const auto& ch : store.Channels(run_id)) {
    if (!ch.parent_domain.empty() || ch.cross_check_only) continue;
    primary.emplace(ch.domain, ch.id);
    method_of[ch.id] = ch.method;
  }
  std::set<std::int64_t> primaries;
  for (const auto& [d, id] : primary) primaries.insert(id);

  std::vector<ConfigFigures> out;
  for (const auto& cell : store.Cells(run_id)) {
    ConfigFigures c;
    c.cell_id = cell.id;
    c.engine = cell.engine;
    c.precision = cell.precision;
    c.batch = cell.batch;
    c.load_mode = cell.load_mode;
    c.max_qps = cell.max_qps;
    const auto ms = store.Measurements(cell.id);
    c.repetitions = static_cast<int>(ms.size());
    if (ms.empty()) {
      c.no_energy_reason = fmt::format("the cell has no measurements (status {}{})", cell.status,
                                       cell.error.empty() ? "" : ": " + cell.error);
      out.push_back(c);
      continue;
    }
    std::vector<double> tput, jpi, lat;
    std::vector<std::string> reasons;
    double idle = 0, power = 0;
    bool has_idle = true;
    for (const auto& m : ms) {
      tput.push_back(m.throughput_ips);
      lat.push_back(LatencyAt(m, slo_percentile));
      if (m.latency_bound_ms) c.server_bound_ms = m.latency_bound_ms;
      if (m.latency_percentile) c.server_percentile = m.latency_percentile;
      if (m.energy_validity != "VALID" && m.energy_validity != "ESTIMATED") {
        reasons.push_back(fmt::format("rep {} energy {}: {}", m.repetition, m.energy_validity, m.validity_reasons.dump()));
        continue;
      }
      double j = 0, idle_m = 0, p = 0;
      bool idle_ok = true;
      int found = 0;
      for (const auto& e : m.energy) {
        if (!primaries.count(e.channel_id)) continue;
        ++found;
        j += e.j_per_inference;
        p += e.avg_power_w;
        if (e.idle_power_w) idle_m += *e.idle_power_w; else idle_ok = false;
        if (c.energy_method.empty()) c.energy_method = e.method;
      }
      if (found == 0) continue;
      jpi.push_back(j);
      power += p;
      idle += idle_m;
      has_idle = has_idle && idle_ok;
      c.energy_validity = m.energy_validity;
    }
    const Summary t = Summarize(tput);
    c.throughput_ips = t.mean;
    c.throughput_ci = t.ci95;
    c.latency_at_slo_ms = Summarize(lat).mean;
    if (!jpi.empty()) {
      const Summary s = Summarize(jpi);
      c.j_per_inference = s.mean;
      c.j_ci = s.ci95;
      c.avg_power_w = power / static_cast<double>(jpi.size());
      if (has_idle) c.idle_power_w = idle / static_cast<double>(jpi.size());
    } else {
      c.no_energy_reason = reasons.empty() ? "the run recorded no energy (no meter, or performance-only run)"
                                           : fmt::format("no repetition with valid energy ({})", fmt::join(reasons, "; "));
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace joulebench
