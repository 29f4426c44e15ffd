// Console run summaries: tables formatted with fmt, one row per cell and energy channel.
#include "harness/run_report.h"

#include <signal.h>

#include <cerrno>
#include <cmath>
#include <map>
#include <ostream>

#include <fmt/format.h>

#include "harness/environment.h"
#include "harness/stats.h"

namespace joulebench {

std::string FormatSi(double value, const std::string& unit) {
  if (value == 0 || !std::isfinite(value)) return fmt::format("{:.3g} {}", value, unit);
  static const std::pair<double, const char*> prefixes[] = {{1e9, "G"}, {1e6, "M"}, {1e3, "k"}, {1, ""},
                                                            {1e-3, "m"}, {1e-6, "µ"}, {1e-9, "n"}};
  for (const auto& [scale, prefix] : prefixes) {
    if (std::fabs(value) >= scale * 0.9995) return fmt::format("{:.3g} {}{}", value / scale, prefix, unit);
  }
  return fmt::format("{:.3g} {}", value, unit);
}

std::string DisplayStatus(const RunRecord& run) {
  if (run.status != "running" || run.host != HostName()) return run.status;
  if (kill(static_cast<pid_t>(run.pid), 0) == 0 || errno == EPERM) return "running";
  return "abandoned (process ended without finishing; finished measurements are kept)";
}

void PrintRunList(Store& store, std::ostream& out) {
  const auto runs = store.ListRuns();
  if (runs.empty()) {
    out << "no runs in " << store.path() << "\n";
    return;
  }
  out << fmt::format("{:>4}  {:<24}  {:<11}  {:<20}  {:>11}  {:<16}  {}\n", "id", "started (UTC)", "status",
                     "scenario", "cells ok/all", "host", "version");
  for (const auto& r : runs) {
    const auto cells = store.Cells(r.id);
    int ok = 0;
    for (const auto& c : cells) ok += c.status == "completed";
    std::string status = DisplayStatus(r);
    if (status.rfind("abandoned", 0) == 0) status = "abandoned";
    out << fmt::format("{:>4}  {:<24}  {:<11}  {:<20}  {:>11}  {:<16}  {} ({})\n", r.id, r.started_at, status,
                       r.scenario_name, fmt::format("{}/{}", ok, cells.size()), r.host, r.tool_version,
                       r.git_revision);
  }
}

namespace {
std::string WithCi(const Summary& s, const std::string& unit, double scale = 1) {
  if (s.n == 0) return "-";
  if (s.n < 2) return FormatSi(s.mean * scale, unit);
  return fmt::format("{} ± {}", FormatSi(s.mean * scale, unit), FormatSi(s.ci95 * scale, unit));
}
}  // namespace

void PrintRun(Store& store, std::int64_t run_id, std::ostream& out) {
  const auto run = store.GetRun(run_id);
  if (!run) return;
  const auto env = store.Environment(run_id);
  auto get = [&](const std::string& k) {
    auto it = env.find(k);
    return it == env.end() ? std::string("?") : it->second;
  };
  out << fmt::format("run {} · scenario {} · {} · {} → {}\n", run->id, run->scenario_name, DisplayStatus(*run),
                     run->started_at, run->finished_at.empty() ? "…" : run->finished_at);
  out << fmt::format("host {} · {} · {} · joulebench {} ({})\n", run->host, get("cpu.model"), get("os.release"),
                     run->tool_version, run->git_revision);
  out << fmt::format("model {} · {} parameters · hash {}\n", get("model.name"), get("model.parameters"),
                     get("model.hash"));
  const auto channels = store.Channels(run_id);
  std::map<std::int64_t, ChannelRecord> by_id;
  for (const auto& c : channels) {
    by_id[c.id] = c;
    out << fmt::format("meter {} · channel {} ({}, {}, domain {}) · {}\n", c.meter, c.name, c.kind, c.unit,
                       c.domain, c.estimated ? "ESTIMATED: " + c.method : c.method);
  }
  out << "\n"
      << fmt::format("{:>4}  {:<10}  {:<5}  {:>5}  {:<13}  {:<11}  {:>4}  {:>22}  {:>9}  {:>9}  {:>22}  {}\n", "cell",
                     "engine", "prec", "batch", "mode", "status", "reps", "throughput (95% CI)", "p50", "p99",
                     "J/inference (95% CI)", "energy method");
  for (const auto& cell : store.Cells(run_id)) {
    const auto ms = store.Measurements(cell.id);
    std::vector<double> tput, p50, p99;
    std::map<std::int64_t, std::vector<double>> jpi;
    std::map<std::int64_t, std::string> method;
    std::vector<std::string> verdicts;
    for (const auto& m : ms) {
      tput.push_back(m.throughput_ips);
      p50.push_back(m.latency_p50_ms);
      p99.push_back(m.latency_p99_ms);
      for (const auto& e : m.energy) {
        jpi[e.channel_id].push_back(e.j_per_inference);
        method[e.channel_id] = e.method;
      }
      if (m.energy_validity == "INVALID" || m.perf_validity == "INVALID") {
        verdicts.push_back(fmt::format("rep {}: perf {}, energy {}: {}", m.repetition, m.perf_validity,
                                       m.energy_validity, m.validity_reasons.dump()));
      }
    }
    std::string energy = "-", how = ms.empty() ? "" : "unmeasured";
    if (!jpi.empty()) {
      const auto& [channel_id, values] = *jpi.begin();
      energy = WithCi(Summarize(values), "J");
      const auto& ch = by_id[channel_id];
      how = ch.estimated ? "ESTIMATED · " + ch.method : method[channel_id] + " · " + ch.name;
    }
    out << fmt::format("{:>4}  {:<10}  {:<5}  {:>5}  {:<13}  {:<11}  {:>4}  {:>22}  {:>9}  {:>9}  {:>22}  {}\n",
                       cell.idx + 1, cell.engine, cell.precision, cell.batch, cell.load_mode, cell.status, ms.size(),
                       ms.empty() ? "-" : WithCi(Summarize(tput), "inf/s"),
                       ms.empty() ? "-" : FormatSi(Summarize(p50).mean * 1e-3, "s"),
                       ms.empty() ? "-" : FormatSi(Summarize(p99).mean * 1e-3, "s"), energy, how);
    for (auto it = jpi.begin(); it != jpi.end(); ++it) {
      if (it == jpi.begin()) continue;
      const auto& ch = by_id[it->first];
      out << fmt::format("{:>115}  {:>22}  {}\n", "", WithCi(Summarize(it->second), "J"),
                         ch.estimated ? "ESTIMATED · " + ch.method : method[it->first] + " · " + ch.name);
    }
    if (!cell.error.empty()) out << fmt::format("      error: {}\n", cell.error);
    for (const auto& v : verdicts) out << fmt::format("      INVALID {}\n", v);
  }
}

}  // namespace joulebench
