// SIGINT/SIGTERM handling for runs: the first signal asks the current cell to stop (finished measurements are
// kept and the run is marked interrupted); a second one ends the process at once.
#pragma once

#include "harness/common/units.h"

namespace joulebench {

void InstallInterruptHandlers();
bool Interrupted();
int InterruptSignal();  // the signal received, 0 if none
// Sleeps up to `duration`, returning early (false) when interrupted.
bool SleepUnlessInterrupted(Seconds duration);

}  // namespace joulebench
