// `joulebench run [SCENARIO...]`: validates every scenario first, then runs them in order into one database.
#include <iostream>

#include <fmt/format.h>

#include "harness/cli/commands.h"
#include "harness/common/errors.h"
#include "harness/interrupt.h"
#include "harness/progress.h"
#include "harness/run_report.h"
#include "harness/runner.h"
#include "harness/scenario.h"

namespace joulebench {

std::vector<Command> AddRunCommand(CLI::App& parent) {
  struct Options {
    std::vector<std::string> scenarios;
    std::string db = kDefaultDatabase;
    bool quiet = false;
    bool validate_only = false;
    std::vector<std::string> disabled_passes;
  };
  auto o = std::make_shared<Options>();
  CLI::App* run = parent.add_subcommand(
      "run", "Run scenario files (default: the embedded quickstart scenario) and store results in the database");
  run->add_option("scenarios", o->scenarios, "Scenario files (JSON, docs/scenarios.md); none = embedded quickstart");
  run->add_option("--db", o->db, "Results database (SQLite)")->capture_default_str();
  run->add_flag("-q,--quiet", o->quiet, "Print only the summary, no progress lines");
  run->add_flag("--validate", o->validate_only, "Validate the scenarios and print the resolved plan; run nothing");
  run->add_option("--disable-pass", o->disabled_passes,
                  "Switch off a graph pass of opencl-optimized (repeatable; ablations): eliminate_identity, "
                  "fold_constants, fold_batchnorm, fuse_epilogue, remove_dead_nodes");
  return {{run, [o]() -> int {
             std::vector<Scenario> scenarios;
             std::vector<std::string> problems;
             if (o->scenarios.empty()) scenarios.push_back(EmbeddedQuickstart());
             for (const auto& path : o->scenarios) {
               try {
                 scenarios.push_back(LoadScenarioFile(path));
               } catch (const ScenarioError& e) {
                 problems.insert(problems.end(), e.problems().begin(), e.problems().end());
               }
             }
             if (!problems.empty()) throw ScenarioError("", problems);
             if (!o->disabled_passes.empty()) {
               // Appended to each scenario's opencl-optimized options (validated there, before anything runs).
               for (auto& s : scenarios) {
                 std::string list = s.engine_options["opencl-optimized"].value("disable_passes", "");
                 for (const auto& p : o->disabled_passes) list += (list.empty() ? "" : ",") + p;
                 s.engine_options["opencl-optimized"]["disable_passes"] = list;
               }
             }
             if (o->validate_only) {
               for (const auto& s : scenarios) std::cout << s.PlanJson().dump(2) << "\n";
               return 0;
             }
             Store store(o->db);
             InstallInterruptHandlers();
             int rc = 0;
             for (const auto& s : scenarios) {
               RunOutcome out = RunScenario(s, store, {o->quiet, &std::cerr, Progress::LiveWanted(2)});
               std::cout << "\n";
               PrintRun(store, out.run_id, std::cout);
               if (out.status == "interrupted") {
                 std::cerr << fmt::format("run {} interrupted by signal {}: finished measurements are kept\n",
                                          out.run_id, InterruptSignal());
                 return static_cast<int>(ExitCode::kInterrupted);
               }
               if (out.cells_failed > 0) rc = static_cast<int>(ExitCode::kFailedCells);
             }
             return rc;
           }}};
}

}  // namespace joulebench
