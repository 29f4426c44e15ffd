// `joulebench db list|show`: read the results database without modifying results.
#include <iostream>

#include <fmt/format.h>

#include "harness/cli/commands.h"
#include "harness/common/errors.h"
#include "harness/run_report.h"

namespace joulebench {

std::vector<Command> AddDbCommands(CLI::App& parent) {
  auto db_path = std::make_shared<std::string>(kDefaultDatabase);
  auto run_arg = std::make_shared<std::string>("latest");
  CLI::App* db = parent.add_subcommand("db", "Inspect the results database");
  db->require_subcommand(1, 1);
  CLI::App* list = db->add_subcommand("list", "List runs: id, time, status, scenario, cells, host");
  list->add_option("--db", *db_path, "Results database (SQLite)")->capture_default_str();
  CLI::App* show = db->add_subcommand("show", "Per-cell summary of one run: throughput, latency, J/inference");
  show->add_option("run", *run_arg, "Run id, or 'latest'")->capture_default_str();
  show->add_option("--db", *db_path, "Results database (SQLite)")->capture_default_str();
  auto open = [db_path] {
    std::error_code ec;
    if (!std::filesystem::exists(*db_path, ec)) {
      throw InputError(fmt::format("results database '{}' does not exist; run `joulebench run` first, or name "
                                   "another file with --db",
                                   *db_path));
    }
    return std::make_unique<Store>(*db_path);
  };
  return {{list,
           [open] {
             auto store = open();
             PrintRunList(*store, std::cout);
             return 0;
           }},
          {show, [open, run_arg] {
             auto store = open();
             std::int64_t id = 0;
             if (*run_arg == "latest") {
               auto latest = store->LatestRunId();
               if (!latest) throw InputError(fmt::format("{} holds no runs yet", store->path()));
               id = *latest;
             } else {
               try {
                 std::size_t used = 0;
                 id = std::stoll(*run_arg, &used);
                 if (used != run_arg->size()) throw std::invalid_argument("trailing");
               } catch (const std::exception&) {
                 throw InputError(fmt::format("'{}' is not a run id; give a number from `joulebench db list` or "
                                              "'latest'",
                                              *run_arg));
               }
             }
             if (!store->GetRun(id)) {
               throw InputError(fmt::format("run {} is not in {}; `joulebench db list` shows the runs", id,
                                            store->path()));
             }
             PrintRun(*store, id, std::cout);
             return 0;
           }}};
}

}  // namespace joulebench
