// The runner: executes a scenario's cells (prepare, idle window, warm-up, measured repetitions) against the
// engines while the meter session samples, writing one transaction per finished measurement.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

#include "harness/scenario.h"
#include "harness/store.h"

namespace joulebench {

struct RunnerOptions {
  bool quiet = false;
  std::ostream* log = nullptr;  // progress lines; nullptr = std::cerr
  bool live = false;            // also a live status line (Progress::LiveWanted)
};

struct RunOutcome {
  std::int64_t run_id = 0;
  std::string status;  // completed | failed | interrupted
  int cells_completed = 0;
  int cells_failed = 0;
};

// Throws InputError / EnvironmentError before anything is written when the scenario cannot run here
// (unsupported ops, unavailable meters, unloadable model). Failures inside a cell mark that cell failed.
RunOutcome RunScenario(const Scenario& scenario, Store& store, const RunnerOptions& options);

}  // namespace joulebench
