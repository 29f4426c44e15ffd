// Scenario files: JSON parsed into a requested scenario, validated all at once (every problem reported with its
// JSON path and what was expected), then resolved into a plan with every default filled in and expanded into a
// matrix of cells. Both the request and the resolved plan are stored with each run. Fields: docs/scenarios.md.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engines/engine.h"
#include "harness/common/errors.h"

namespace joulebench {

struct LoadSettings {
  std::string mode = "offline";  // single-stream | multi-stream | offline | server
  double warmup_s = 0.5;
  std::int64_t warmup_queries = 5;
  double min_duration_s = 3.0;
  std::int64_t min_queries = 10;
  std::int64_t repetitions = 3;
  double energy_quantization = 0.01;  // a window lasts at least (counter tick / this): one tick <= 1% of its energy
  double server_qps = 0;              // server: Poisson arrival rate
  double latency_bound_ms = 100;      // server: the bound ...
  double latency_percentile = 0.99;   // ... at this percentile
  bool find_max_qps = false;          // server: search the highest QPS that meets the bound, then measure at it
  double max_variation = 0.05;        // coefficient of variation of throughput across repetitions that invalidates
};

struct IdleSettings {
  bool enabled = true;
  double settle_s = 1.0;
  double duration_s = 5.0;
};

// Optional wait between cells until every device temperature the meters report is back near its value at run
// start (before any load), so each cell starts from the same thermal state.
struct CooldownSettings {
  bool enabled = false;
  double max_above_idle_c = 2.0;
  double timeout_s = 300;
  double poll_s = 1.0;
};

struct DeviceSelection {
  std::string type = "any";  // any | gpu | cpu (OpenCL engines)
  std::string platform;      // substring of the OpenCL platform name; "" = any
  std::int64_t index = 0;    // index among matching devices
};

struct ModelSpec {
  std::string builtin;         // built-in generator name, or ""
  nlohmann::json params;       // resolved generator parameters
  std::string file;            // ONNX file (absolute), or ""
};

struct Cell {
  int index = 0;
  std::string engine;
  Precision precision = Precision::kFp32;
  std::int64_t batch = 1;
};

struct Scenario {
  std::string name;
  std::string description;
  std::string origin;  // file path or "embedded:quickstart", used in messages
  ModelSpec model;
  std::vector<std::string> engines;
  nlohmann::json engine_options;  // resolved: every registered engine's options with defaults
  std::vector<Precision> precisions;
  std::vector<std::int64_t> batch_sizes;
  LoadSettings load;
  bool meters_auto = true;
  std::vector<std::string> meters;   // explicit list when !meters_auto
  nlohmann::json meter_options;      // resolved: every registered meter's options with defaults
  double sample_rate_hz = 20;
  double meter_calibration_s = 1.0;    // time spent measuring each channel's update period at run start
  double cross_check_tolerance = 0.10; // relative disagreement between sources of one domain that invalidates
  bool allow_unmetered = false;        // run (performance only) when no requested meter is available
  IdleSettings idle;
  CooldownSettings cooldown;
  DeviceSelection device;
  std::uint64_t seed = 1;
  std::map<std::string, std::string> tags;

  nlohmann::json requested;  // the file's JSON as written

  std::vector<Cell> cells;                    // the expanded matrix
  std::vector<std::string> skipped_cells;     // combinations dropped, with the reason

  // The resolved plan (every default filled in, the cell matrix), as stored with the run.
  nlohmann::json PlanJson() const;
};

// Thrown with every problem found, one per line, each "ORIGIN: $.path: message". Exit 2.
class ScenarioError : public InputError {
 public:
  ScenarioError(const std::string& origin, std::vector<std::string> problems);
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

// `origin` names the source in messages; relative model paths resolve against `base_dir`.
Scenario ParseScenario(const std::string& text, const std::string& origin, const std::string& base_dir);
Scenario LoadScenarioFile(const std::string& path);
// The scenario compiled into the binary (scenarios/quickstart.json), run by `joulebench run` without arguments.
Scenario EmbeddedQuickstart();

// A built-in model's parameters with every default filled in; throws ScenarioError for unknown names/values.
nlohmann::json ResolveModelParams(const std::string& model, const nlohmann::json& given, const std::string& origin);

// An engine's options with every default filled in; throws ScenarioError for unknown keys or bad values.
nlohmann::json ResolveEngineOptions(const std::string& engine, const nlohmann::json& given, const std::string& origin);

// Edit distance, for did-you-mean suggestions.
std::size_t EditDistance(const std::string& a, const std::string& b);
// The closest of `candidates` to `word` if close enough to be a likely typo, else "".
std::string ClosestMatch(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace joulebench
