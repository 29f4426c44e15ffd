// `joulebench version`: tool version, git revision and the schema version of the results store.
#include <iostream>

#include <fmt/format.h>

#include "harness/cli/commands.h"
#include "harness/common/version.h"
#include "harness/store_schema.h"

namespace joulebench {

std::vector<Command> AddVersionCommand(CLI::App& parent) {
  CLI::App* cmd = parent.add_subcommand("version", "Print the joulebench version, git revision and schema version");
  return {{cmd, [] {
             std::cout << fmt::format("joulebench {} (git {}), results schema version {}\n", kVersion, kGitRevision,
                                      CurrentSchemaVersion());
             return 0;
           }}};
}

}  // namespace joulebench
