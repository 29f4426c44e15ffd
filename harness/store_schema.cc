// Results schema migrations (STRICT tables, foreign keys). Version 1 was the first release of the store;
// version 2 added the time series of meter samples, the environment table and engine descriptions; version 3 the
// measured update period of each channel and device state around each measurement.
#include "harness/store_schema.h"

namespace joulebench {

const std::vector<const char*>& SchemaMigrations() {
  static const std::vector<const char*> migrations = {
      // 1: runs, cells, measurements, meters and their energy figures.
      R"sql(
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'interrupted')),
  tool_version TEXT NOT NULL,
  git_revision TEXT NOT NULL,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  scenario_name TEXT NOT NULL,
  scenario_path TEXT NOT NULL,
  scenario_json TEXT NOT NULL,
  plan_json TEXT NOT NULL
) STRICT;
CREATE TABLE cells (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  engine TEXT NOT NULL,
  precision TEXT NOT NULL,
  batch INTEGER NOT NULL CHECK (batch > 0),
  load_mode TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'failed', 'interrupted')),
  error TEXT,
  prepare_s REAL,
  UNIQUE (run_id, idx)
) STRICT;
CREATE TABLE meters (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  available INTEGER NOT NULL CHECK (available IN (0, 1)),
  reason TEXT NOT NULL,
  identity_json TEXT NOT NULL
) STRICT;
CREATE TABLE channels (
  id INTEGER PRIMARY KEY,
  meter_id INTEGER NOT NULL REFERENCES meters(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  domain TEXT NOT NULL,
  parent_domain TEXT NOT NULL,
  unit TEXT NOT NULL CHECK (unit IN ('J', 'W')),
  kind TEXT NOT NULL CHECK (kind IN ('counter', 'gauge')),
  resolution REAL NOT NULL,
  update_period_s REAL NOT NULL,
  estimated INTEGER NOT NULL CHECK (estimated IN (0, 1)),
  method TEXT NOT NULL
) STRICT;
CREATE TABLE idle_power (
  cell_id INTEGER NOT NULL REFERENCES cells(id) ON DELETE CASCADE,
  channel_id INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  duration_s REAL NOT NULL,
  power_w REAL NOT NULL,
  PRIMARY KEY (cell_id, channel_id)
) STRICT;
CREATE TABLE measurements (
  id INTEGER PRIMARY KEY,
  cell_id INTEGER NOT NULL REFERENCES cells(id) ON DELETE CASCADE,
  repetition INTEGER NOT NULL,
  started_at TEXT NOT NULL,
  duration_s REAL NOT NULL,
  queries INTEGER NOT NULL,
  inferences INTEGER NOT NULL,
  throughput_ips REAL NOT NULL,
  latency_mean_ms REAL NOT NULL,
  latency_p50_ms REAL NOT NULL,
  latency_p90_ms REAL NOT NULL,
  latency_p95_ms REAL NOT NULL,
  latency_p99_ms REAL NOT NULL,
  latency_p999_ms REAL NOT NULL,
  latency_max_ms REAL NOT NULL,
  perf_validity TEXT NOT NULL CHECK (perf_validity IN ('VALID', 'INVALID')),
  energy_validity TEXT NOT NULL CHECK (energy_validity IN ('VALID', 'INVALID', 'ESTIMATED', 'UNMEASURED')),
  validity_reasons TEXT NOT NULL,
  UNIQUE (cell_id, repetition)
) STRICT;
CREATE TABLE measurement_energy (
  measurement_id INTEGER NOT NULL REFERENCES measurements(id) ON DELETE CASCADE,
  channel_id INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  energy_j REAL NOT NULL,
  uncertainty_j REAL NOT NULL,
  idle_power_w REAL,
  dynamic_energy_j REAL,
  avg_power_w REAL NOT NULL,
  j_per_inference REAL NOT NULL,
  dynamic_j_per_inference REAL,
  method TEXT NOT NULL,
  PRIMARY KEY (measurement_id, channel_id)
) STRICT;
CREATE INDEX cells_by_run ON cells(run_id);
CREATE INDEX measurements_by_cell ON measurements(cell_id);
)sql",
      // 2: time series of meter samples, environment facts, engine descriptions.
      R"sql(
CREATE TABLE samples (
  channel_id INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  t_s REAL NOT NULL,
  value REAL NOT NULL
) STRICT;
CREATE INDEX samples_by_channel_time ON samples(channel_id, t_s);
CREATE TABLE environment (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (run_id, key)
) STRICT;
ALTER TABLE cells ADD COLUMN describe_json TEXT;
ALTER TABLE cells ADD COLUMN model_hash TEXT;
ALTER TABLE cells ADD COLUMN flops_per_inference REAL;
)sql",
      // 3: update periods measured at run start; device state (clocks, temperature, limits) around measurements.
      R"sql(
ALTER TABLE channels ADD COLUMN measured_update_period_s REAL;
ALTER TABLE channels ADD COLUMN cross_check_only INTEGER NOT NULL DEFAULT 0 CHECK (cross_check_only IN (0, 1));
ALTER TABLE measurements ADD COLUMN state_start_json TEXT;
ALTER TABLE measurements ADD COLUMN state_end_json TEXT;
)sql",
      // 4: server-mode load (target QPS, latency bound and whether it held) and the max-QPS search result.
      R"sql(
ALTER TABLE measurements ADD COLUMN target_qps REAL;
ALTER TABLE measurements ADD COLUMN latency_bound_ms REAL;
ALTER TABLE measurements ADD COLUMN latency_percentile REAL;
ALTER TABLE measurements ADD COLUMN bound_met INTEGER CHECK (bound_met IN (0, 1));
ALTER TABLE cells ADD COLUMN max_qps REAL;
)sql",
      // 5: every query's latency as a log-bucketed histogram (1% buckets; harness/latency_histogram.h).
      R"sql(
ALTER TABLE measurements ADD COLUMN latency_histogram_json TEXT;
)sql",
      // 6: the energy window on the samples' clock, so a report can draw a measurement's power trace.
      R"sql(
ALTER TABLE measurements ADD COLUMN window_start_s REAL;
ALTER TABLE measurements ADD COLUMN window_end_s REAL;
)sql",
  };
  return migrations;
}

}  // namespace joulebench
