// Console summaries of stored runs (`db list`, `db show`, end of `run`): per cell throughput, latency and
// J/inference with 95% confidence intervals, each energy figure labelled with how it was obtained.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

#include "harness/store.h"

namespace joulebench {

void PrintRunList(Store& store, std::ostream& out);
void PrintRun(Store& store, std::int64_t run_id, std::ostream& out);

// "2.41 mJ", "310 µJ", "1.20 J": three significant digits with an SI prefix.
std::string FormatSi(double value, const std::string& unit);
// Status as shown to users: a 'running' run whose process is gone on this host is shown as abandoned.
std::string DisplayStatus(const RunRecord& run);

}  // namespace joulebench
