// The results store: one SQLite file (WAL, foreign keys, busy timeout, STRICT tables), migrated forward on
// open and refused when written by a newer joulebench. Each finished measurement is one transaction.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/common/sqlite.h"

namespace joulebench {

struct RunRecord {
  std::int64_t id = 0;
  std::string started_at, finished_at, status;
  std::string tool_version, git_revision, host;
  std::int64_t pid = 0;
  std::string scenario_name, scenario_path, scenario_json, plan_json;
};

struct ChannelRecord {
  std::int64_t id = 0;
  std::string meter, name, domain, parent_domain, unit, kind;
  double resolution = 0, update_period_s = 0;
  bool estimated = false;
  std::string method;
  std::optional<double> measured_update_period_s;
  bool cross_check_only = false;
};

struct CellRecord {
  std::int64_t id = 0, run_id = 0;
  int idx = 0;
  std::string engine, precision;
  std::int64_t batch = 0;
  std::string load_mode, status, error;
  std::optional<double> prepare_s;
  std::string describe_json, model_hash;
  std::optional<double> flops_per_inference;
  std::optional<double> max_qps;  // server mode with find_max_qps
};

struct EnergyRecord {
  std::int64_t channel_id = 0;
  double energy_j = 0, uncertainty_j = 0;
  std::optional<double> idle_power_w, dynamic_energy_j;
  double avg_power_w = 0, j_per_inference = 0;
  std::optional<double> dynamic_j_per_inference;
  std::string method;
};

struct SampleRecord {
  std::int64_t channel_id;
  double t_s;
  double value;
};

struct MeasurementRecord {
  std::int64_t id = 0, cell_id = 0;
  int repetition = 0;
  std::string started_at;
  double duration_s = 0;
  std::int64_t queries = 0, inferences = 0;
  double throughput_ips = 0;
  double latency_mean_ms = 0, latency_p50_ms = 0, latency_p90_ms = 0, latency_p95_ms = 0, latency_p99_ms = 0,
         latency_p999_ms = 0, latency_max_ms = 0;
  std::string perf_validity = "VALID", energy_validity = "VALID";
  nlohmann::json validity_reasons = nlohmann::json::array();
  nlohmann::json state_start = nlohmann::json::object(), state_end = nlohmann::json::object();
  std::optional<double> target_qps, latency_bound_ms, latency_percentile;  // server mode
  std::optional<bool> bound_met;
  nlohmann::json latency_histogram;  // LatencyHistogram::ToJson() of every query's latency; null in older runs
  std::optional<double> window_start_s, window_end_s;  // the energy window on the samples' clock (s since run start)
  std::vector<EnergyRecord> energy;
};

class Store {
 public:
  // Opens or creates `path` (creating its folder). Throws InputError for a path that cannot be opened or
  // written, a file that is not a joulebench SQLite database, or a schema newer than this build.
  explicit Store(const std::string& path);

  const std::string& path() const { return path_; }
  int schema_version() const;

  // --- writing (each call is its own transaction) ---
  std::int64_t BeginRun(const RunRecord& run);
  void FinishRun(std::int64_t run_id, const std::string& status);
  void AddEnvironment(std::int64_t run_id, const std::map<std::string, std::string>& facts);
  std::int64_t AddMeter(std::int64_t run_id, const std::string& name, bool available, const std::string& reason,
                        const nlohmann::json& identity);
  std::int64_t AddChannel(std::int64_t meter_id, const ChannelRecord& channel);
  std::int64_t AddCell(const CellRecord& cell);
  void UpdateCell(const CellRecord& cell);
  void AddIdlePower(std::int64_t cell_id, std::int64_t channel_id, double duration_s, double power_w);
  // The measurement, its energy rows and the samples taken while it ran, all or nothing.
  std::int64_t AddMeasurement(const MeasurementRecord& m, const std::vector<SampleRecord>& samples);
  void AddSamples(const std::vector<SampleRecord>& samples);
  // Marks every measurement of a cell perf_validity INVALID, appending `reason` (a verdict over repetitions).
  void MarkPerformanceInvalid(std::int64_t cell_id, const std::string& reason);

  // --- reading ---
  std::vector<RunRecord> ListRuns();
  std::optional<RunRecord> GetRun(std::int64_t run_id);
  std::optional<std::int64_t> LatestRunId();
  std::map<std::string, std::string> Environment(std::int64_t run_id);
  std::vector<ChannelRecord> Channels(std::int64_t run_id);
  std::vector<CellRecord> Cells(std::int64_t run_id);
  std::vector<MeasurementRecord> Measurements(std::int64_t cell_id);
  std::int64_t CountSamples(std::int64_t run_id);
  // A channel's samples with t_s in [from_s, to_s], in time order.
  std::vector<SampleRecord> Samples(std::int64_t channel_id, double from_s, double to_s);

  Database& db() { return *db_; }

 private:
  void Migrate();
  std::string path_;
  std::unique_ptr<Database> db_;
};

// UTC time as ISO 8601 with milliseconds, e.g. 2026-11-24T09:01:02.345Z.
std::string NowIso8601();

}  // namespace joulebench
