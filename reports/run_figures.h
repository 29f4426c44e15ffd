// Reads a run from the results store into the figures a report needs, one ConfigFigures per cell.
#pragma once

#include <vector>

#include "harness/store.h"
#include "reports/fleet_model.h"

namespace joulebench {

// Energy per inference is summed over the run's root energy domains (a domain's first source that is not
// cross-check-only: the NVML counter for a GPU), over repetitions whose energy verdict is VALID or ESTIMATED.
// `slo_percentile` picks the latency read from each repetition's histogram.
std::vector<ConfigFigures> ReadRunFigures(Store& store, std::int64_t run_id, double slo_percentile);

}  // namespace joulebench
