// `joulebench report --run ID [--baseline-run ID] --fleet FILE [--format md|html|json|csv] [-o FILE]`: a fleet
// report (reports/report.h) from a run in the results database.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include <fmt/format.h>

#include "harness/cli/commands.h"
#include "harness/common/errors.h"
#include "reports/fleet_profile.h"
#include "reports/report.h"

namespace joulebench {

std::vector<Command> AddReportCommand(CLI::App& parent) {
  struct Options {
    std::string db = kDefaultDatabase, fleet, format = "md", out;
    std::string run = "latest";
    std::int64_t baseline = 0;
    std::string baseline_engine = "opencl-baseline";
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = parent.add_subcommand("report", "Fleet report: GPUs, kWh, cost and tCO2e per year from a run's J/inference (docs/reports.md)");
  cmd->add_option("--db", o->db, "Results database")->capture_default_str();
  cmd->add_option("--run", o->run, "Run id, or latest")->capture_default_str();
  cmd->add_option("--baseline-run", o->baseline, "A run to compare against (savings of the best configurations)");
  cmd->add_option("--baseline-engine", o->baseline_engine,
                  "Without --baseline-run: the engine whose configurations are the baseline within the run")
      ->capture_default_str();
  cmd->add_option("--fleet", o->fleet, "Fleet profile (JSON, docs/reports.md)")->required();
  cmd->add_option("--format", o->format, "md, html, json or csv")->check(CLI::IsMember({"md", "html", "json", "csv"}))->capture_default_str();
  cmd->add_option("-o,--output", o->out, "Output file (default: stdout)");
  return {{cmd, [o]() -> int {
             const FleetProfile fleet = LoadFleetProfile(o->fleet);
             if (!std::filesystem::exists(o->db)) {
               throw InputError(fmt::format("--db {}: no such database; run a scenario first (joulebench run)", o->db));
             }
             Store store(o->db);
             std::int64_t run_id = 0;
             if (o->run == "latest") {
               const auto latest = store.LatestRunId();
               if (!latest) throw InputError(fmt::format("{} holds no runs; run a scenario first", o->db));
               run_id = *latest;
             } else {
               try {
                 run_id = std::stoll(o->run);
               } catch (const std::exception&) {
                 throw InputError(fmt::format("--run {}: expected a run id or latest", o->run));
               }
             }
             std::optional<std::int64_t> baseline;
             if (o->baseline > 0) baseline = o->baseline;
             const auto report = BuildReport(store, run_id, baseline, fleet, o->baseline_engine);
             std::string text = o->format == "json" ? report.dump(1) + "\n"
                                : o->format == "csv" ? RenderCsv(report)
                                : o->format == "html" ? RenderHtml(report)
                                                      : RenderMarkdown(report);
             if (o->out.empty()) {
               std::cout << text;
             } else {
               std::ofstream out(o->out);
               out << text;
               if (!out) throw InputError(fmt::format("-o {}: cannot write the file", o->out));
               std::cerr << fmt::format("wrote {} ({} report, run {})\n", o->out, o->format, run_id);
             }
             return 0;
           }}};
}

}  // namespace joulebench
