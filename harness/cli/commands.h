// CLI subcommands: each Add*Command registers its options on the parent app and returns the action to run
// when that subcommand was chosen. Actions return an exit code (docs/cli.md) or throw InputError/EnvironmentError.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace joulebench {

struct Command {
  CLI::App* app;
  std::function<int()> action;
};

constexpr const char* kDefaultDatabase = "results/joulebench.db";

std::vector<Command> AddRunCommand(CLI::App& parent);
std::vector<Command> AddDbCommands(CLI::App& parent);
std::vector<Command> AddDevicesCommand(CLI::App& parent);
std::vector<Command> AddMetersCommand(CLI::App& parent);
std::vector<Command> AddModelsCommands(CLI::App& parent);
std::vector<Command> AddInferCommands(CLI::App& parent);
std::vector<Command> AddCompareCommand(CLI::App& parent);
std::vector<Command> AddPlansCommands(CLI::App& parent);
std::vector<Command> AddReportCommand(CLI::App& parent);
std::vector<Command> AddVersionCommand(CLI::App& parent);

}  // namespace joulebench
