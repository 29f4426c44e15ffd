// joulebench entry point: git-style subcommands (CLI11), one place that maps errors to exit codes.
#include <iostream>

#include <fmt/format.h>

#include "harness/cli/commands.h"
#include "harness/common/errors.h"
#include "harness/scenario.h"

int main(int argc, char** argv) {
  using namespace joulebench;
  CLI::App app{"joulebench: energy, cost and carbon accounting benchmarks for AI inference.\n"
               "Exit codes: 0 success, 1 failed cells or a failed check, 2 usage or input error, "
               "3 environment error, 130 interrupted (docs/cli.md)."};
  app.require_subcommand(1, 1);
  app.name("joulebench");
  std::vector<Command> commands;
  for (auto add : {&AddRunCommand, &AddDbCommands, &AddDevicesCommand, &AddMetersCommand, &AddModelsCommands, &AddInferCommands, &AddCompareCommand, &AddPlansCommands, &AddReportCommand, &AddVersionCommand}) {
    for (auto& c : add(app)) commands.push_back(std::move(c));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : static_cast<int>(ExitCode::kUsage);
  }
  try {
    for (auto& c : commands) {
      if (c.app->parsed()) return c.action();
    }
    std::cerr << app.help();
    return static_cast<int>(ExitCode::kUsage);
  } catch (const ScenarioError& e) {
    std::cerr << e.what() << "\n";
    std::cerr << fmt::format("{} problem(s); see docs/scenarios.md for every field\n", e.problems().size());
    return static_cast<int>(ExitCode::kUsage);
  } catch (const InputError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return static_cast<int>(ExitCode::kUsage);
  } catch (const EnvironmentError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return static_cast<int>(ExitCode::kEnvironment);
  }
}
