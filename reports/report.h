// A fleet report: context (runs, fleet profile, coefficients) -> rows (one per configuration) -> finalize (best
// configuration meeting the SLO, savings against a baseline run, sensitivity). The JSON document is the single
// source every format renders from. Format of the document: docs/reports.md.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/store.h"
#include "reports/fleet_profile.h"

namespace joulebench {

inline constexpr int kReportSchemaVersion = 1;

// Throws InputError (exit 2) for run ids not in the database. Savings compare the best configuration of the run
// with the best of `baseline_run_id`; without one, the run's `baseline_engine` rows with its other rows.
nlohmann::json BuildReport(Store& store, std::int64_t run_id, std::optional<std::int64_t> baseline_run_id,
                           const FleetProfile& fleet, const std::string& baseline_engine = "opencl-baseline");

std::string RenderMarkdown(const nlohmann::json& report);
std::string RenderCsv(const nlohmann::json& report);
std::string RenderHtml(const nlohmann::json& report);

}  // namespace joulebench
