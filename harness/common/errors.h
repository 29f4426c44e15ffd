// Error types that end a command, each tied to a documented exit code (docs/cli.md).
// Throw these for run-ending problems; expected absences (a meter missing on this host) are return values.
#pragma once

#include <stdexcept>
#include <string>

namespace joulebench {

enum class ExitCode : int {
  kSuccess = 0,
  kFailedCells = 1,   // a run completed with failed cells, or a check failed
  kUsage = 2,         // usage or input error
  kEnvironment = 3,   // no device, no permission, missing library
  kInterrupted = 130  // SIGINT/SIGTERM: finished measurements kept, run marked interrupted
};

// Bad input from the user: scenario files, flags, database paths. Exit 2.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The machine cannot do what was asked: no device, no permission. Exit 3.
class EnvironmentError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace joulebench
