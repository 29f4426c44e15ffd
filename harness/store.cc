// Results store implementation: opening (with clear refusals), migrations, writes and the queries db/report use.
#include "harness/store.h"

#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "harness/common/errors.h"
#include "harness/store_schema.h"

namespace joulebench {
namespace {

int ReadUserVersion(Database& db) {
  auto st = db.Prepare("PRAGMA user_version");
  st.Step();
  return static_cast<int>(st.Int(0));
}

std::string DbHint() { return "choose another file with --db PATH"; }

}  // namespace

std::string NowIso8601() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(now)), ms);
}

Store::Store(const std::string& path) : path_(path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty() && !fs::exists(parent, ec)) {
    fs::create_directories(parent, ec);
    if (ec) {
      throw InputError(fmt::format("results database '{}': cannot create folder '{}': {}; {}", path,
                                   parent.string(), ec.message(), DbHint()));
    }
  }
  if (fs::is_directory(path, ec)) {
    throw InputError(fmt::format("results database '{}' is a folder, not a file; {}", path, DbHint()));
  }
  try {
    db_ = std::make_unique<Database>(path, /*create=*/true);
  } catch (const SqliteError& e) {
    throw InputError(fmt::format("results database '{}': cannot open: {}; check that the folder is writable, or {}",
                                 path, e.what(), DbHint()));
  }
  if (sqlite3_db_readonly(db_->handle(), "main") == 1) {
    throw InputError(fmt::format("results database '{}' is read-only; make it writable or {}", path, DbHint()));
  }
  int version = 0;
  try {
    db_->Exec("PRAGMA busy_timeout = 30000");
    version = ReadUserVersion(*db_);
  } catch (const SqliteError& e) {
    if (e.code() == SQLITE_NOTADB) {
      throw InputError(fmt::format("'{}' is not a SQLite database ({}); {}", path, e.what(), DbHint()));
    }
    throw InputError(fmt::format("results database '{}': {}; {}", path, e.what(), DbHint()));
  }
  if (version > CurrentSchemaVersion()) {
    throw InputError(fmt::format(
        "results database '{}' has schema version {}, written by a newer joulebench; this build knows versions up "
        "to {}. Upgrade joulebench, or {}",
        path, version, CurrentSchemaVersion(), DbHint()));
  }
  try {
    // WAL lets readers and one writer proceed together; switching needs a moment without other writers.
    for (int attempt = 0;; ++attempt) {
      try {
        db_->Exec("PRAGMA journal_mode = WAL");
        break;
      } catch (const SqliteError& e) {
        if (e.code() != SQLITE_BUSY || attempt > 300) throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    db_->Exec("PRAGMA foreign_keys = ON");
    db_->Exec("PRAGMA synchronous = NORMAL");
    Migrate();
  } catch (const SqliteError& e) {
    throw InputError(fmt::format("results database '{}': {}; {}", path, e.what(), DbHint()));
  }
}

void Store::Migrate() {
  if (ReadUserVersion(*db_) == CurrentSchemaVersion()) return;
  Transaction tx(*db_);
  const int version = ReadUserVersion(*db_);  // re-read under the write lock: another process may have migrated
  if (version == 0) {
    auto st = db_->Prepare("SELECT group_concat(name, ', ') FROM sqlite_schema WHERE type = 'table'");
    if (st.Step() && !st.IsNull(0)) {
      throw InputError(fmt::format(
          "'{}' is a SQLite database but not a joulebench results database (it holds tables {}); {}", path_,
          st.Text(0), DbHint()));
    }
  }
  const auto& migrations = SchemaMigrations();
  for (int v = version; v < CurrentSchemaVersion(); ++v) db_->Exec(migrations[v]);
  db_->Exec(fmt::format("PRAGMA user_version = {}", CurrentSchemaVersion()));
  tx.Commit();
}

int Store::schema_version() const { return ReadUserVersion(*db_); }

std::int64_t Store::BeginRun(const RunRecord& r) {
  Transaction tx(*db_);
  db_->Prepare(
         "INSERT INTO runs (started_at, status, tool_version, git_revision, host, pid, scenario_name, "
         "scenario_path, scenario_json, plan_json) VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?, ?)")
      .Bind(1, r.started_at)
      .Bind(2, r.tool_version)
      .Bind(3, r.git_revision)
      .Bind(4, r.host)
      .Bind(5, r.pid)
      .Bind(6, r.scenario_name)
      .Bind(7, r.scenario_path)
      .Bind(8, r.scenario_json)
      .Bind(9, r.plan_json)
      .Run();
  const auto id = db_->LastInsertId();
  tx.Commit();
  return id;
}

void Store::FinishRun(std::int64_t run_id, const std::string& status) {
  Transaction tx(*db_);
  db_->Prepare("UPDATE runs SET status = ?, finished_at = ? WHERE id = ?")
      .Bind(1, status)
      .Bind(2, NowIso8601())
      .Bind(3, run_id)
      .Run();
  tx.Commit();
}

void Store::AddEnvironment(std::int64_t run_id, const std::map<std::string, std::string>& facts) {
  Transaction tx(*db_);
  auto st = db_->Prepare("INSERT OR REPLACE INTO environment (run_id, key, value) VALUES (?, ?, ?)");
  for (const auto& [k, v] : facts) {
    st.Bind(1, run_id).Bind(2, k).Bind(3, v).Run();
  }
  tx.Commit();
}

std::int64_t Store::AddMeter(std::int64_t run_id, const std::string& name, bool available, const std::string& reason,
                             const nlohmann::json& identity) {
  Transaction tx(*db_);
  db_->Prepare("INSERT INTO meters (run_id, name, available, reason, identity_json) VALUES (?, ?, ?, ?, ?)")
      .Bind(1, run_id)
      .Bind(2, name)
      .Bind(3, available ? 1 : 0)
      .Bind(4, reason)
      .Bind(5, identity.dump())
      .Run();
  const auto id = db_->LastInsertId();
  tx.Commit();
  return id;
}

std::int64_t Store::AddChannel(std::int64_t meter_id, const ChannelRecord& c) {
  Transaction tx(*db_);
  db_->Prepare(
         "INSERT INTO channels (meter_id, name, domain, parent_domain, unit, kind, resolution, update_period_s, "
         "estimated, method, measured_update_period_s, cross_check_only) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .Bind(1, meter_id)
      .Bind(2, c.name)
      .Bind(3, c.domain)
      .Bind(4, c.parent_domain)
      .Bind(5, c.unit)
      .Bind(6, c.kind)
      .Bind(7, c.resolution)
      .Bind(8, c.update_period_s)
      .Bind(9, c.estimated ? 1 : 0)
      .Bind(10, c.method)
      .Bind(11, c.measured_update_period_s)
      .Bind(12, c.cross_check_only ? 1 : 0)
      .Run();
  const auto id = db_->LastInsertId();
  tx.Commit();
  return id;
}

std::int64_t Store::AddCell(const CellRecord& c) {
  Transaction tx(*db_);
  db_->Prepare(
         "INSERT INTO cells (run_id, idx, engine, precision, batch, load_mode, status, model_hash, "
         "flops_per_inference) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .Bind(1, c.run_id)
      .Bind(2, c.idx)
      .Bind(3, c.engine)
      .Bind(4, c.precision)
      .Bind(5, c.batch)
      .Bind(6, c.load_mode)
      .Bind(7, c.status)
      .Bind(8, c.model_hash)
      .Bind(9, c.flops_per_inference)
      .Run();
  const auto id = db_->LastInsertId();
  tx.Commit();
  return id;
}

void Store::UpdateCell(const CellRecord& c) {
  Transaction tx(*db_);
  db_->Prepare("UPDATE cells SET status = ?, error = ?, prepare_s = ?, describe_json = ?, max_qps = ? WHERE id = ?")
      .Bind(1, c.status)
      .Bind(2, c.error)
      .Bind(3, c.prepare_s)
      .Bind(4, c.describe_json)
      .Bind(5, c.max_qps)
      .Bind(6, c.id)
      .Run();
  tx.Commit();
}

void Store::AddIdlePower(std::int64_t cell_id, std::int64_t channel_id, double duration_s, double power_w) {
  Transaction tx(*db_);
  db_->Prepare("INSERT OR REPLACE INTO idle_power (cell_id, channel_id, duration_s, power_w) VALUES (?, ?, ?, ?)")
      .Bind(1, cell_id)
      .Bind(2, channel_id)
      .Bind(3, duration_s)
      .Bind(4, power_w)
      .Run();
  tx.Commit();
}

namespace {
void InsertSamples(Database& db, const std::vector<SampleRecord>& samples) {
  auto st = db.Prepare("INSERT INTO samples (channel_id, t_s, value) VALUES (?, ?, ?)");
  for (const auto& s : samples) st.Bind(1, s.channel_id).Bind(2, s.t_s).Bind(3, s.value).Run();
}
}  // namespace

std::int64_t Store::AddMeasurement(const MeasurementRecord& m, const std::vector<SampleRecord>& samples) {
  Transaction tx(*db_);
  db_->Prepare(
         "INSERT INTO measurements (cell_id, repetition, started_at, duration_s, queries, inferences, "
         "throughput_ips, latency_mean_ms, latency_p50_ms, latency_p90_ms, latency_p95_ms, latency_p99_ms, "
         "latency_p999_ms, latency_max_ms, perf_validity, energy_validity, validity_reasons, state_start_json, "
         "state_end_json, target_qps, latency_bound_ms, latency_percentile, bound_met, latency_histogram_json, window_start_s, window_end_s) "
         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .Bind(1, m.cell_id)
      .Bind(2, m.repetition)
      .Bind(3, m.started_at)
      .Bind(4, m.duration_s)
      .Bind(5, m.queries)
      .Bind(6, m.inferences)
      .Bind(7, m.throughput_ips)
      .Bind(8, m.latency_mean_ms)
      .Bind(9, m.latency_p50_ms)
      .Bind(10, m.latency_p90_ms)
      .Bind(11, m.latency_p95_ms)
      .Bind(12, m.latency_p99_ms)
      .Bind(13, m.latency_p999_ms)
      .Bind(14, m.latency_max_ms)
      .Bind(15, m.perf_validity)
      .Bind(16, m.energy_validity)
      .Bind(17, m.validity_reasons.dump())
      .Bind(18, m.state_start.dump())
      .Bind(19, m.state_end.dump())
      .Bind(20, m.target_qps)
      .Bind(21, m.latency_bound_ms)
      .Bind(22, m.latency_percentile)
      .Bind(23, m.bound_met ? std::optional<std::int64_t>(*m.bound_met ? 1 : 0) : std::nullopt)
      .Bind(24, m.latency_histogram.is_null() ? std::nullopt : std::optional<std::string>(m.latency_histogram.dump()))
      .Bind(25, m.window_start_s)
      .Bind(26, m.window_end_s)
      .Run();
  const auto id = db_->LastInsertId();
  auto st = db_->Prepare(
      "INSERT INTO measurement_energy (measurement_id, channel_id, energy_j, uncertainty_j, idle_power_w, "
      "dynamic_energy_j, avg_power_w, j_per_inference, dynamic_j_per_inference, method) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  for (const auto& e : m.energy) {
    st.Bind(1, id)
        .Bind(2, e.channel_id)
        .Bind(3, e.energy_j)
        .Bind(4, e.uncertainty_j)
        .Bind(5, e.idle_power_w)
        .Bind(6, e.dynamic_energy_j)
        .Bind(7, e.avg_power_w)
        .Bind(8, e.j_per_inference)
        .Bind(9, e.dynamic_j_per_inference)
        .Bind(10, e.method)
        .Run();
  }
  InsertSamples(*db_, samples);
  tx.Commit();
  return id;
}

void Store::AddSamples(const std::vector<SampleRecord>& samples) {
  if (samples.empty()) return;
  Transaction tx(*db_);
  InsertSamples(*db_, samples);
  tx.Commit();
}

void Store::MarkPerformanceInvalid(std::int64_t cell_id, const std::string& reason) {
  Transaction tx(*db_);
  db_->Prepare("UPDATE measurements SET perf_validity = 'INVALID', validity_reasons = json_insert(validity_reasons, "
               "'$[#]', ?) WHERE cell_id = ?")
      .Bind(1, reason)
      .Bind(2, cell_id)
      .Run();
  tx.Commit();
}

namespace {
RunRecord ReadRun(Statement& st) {
  RunRecord r;
  r.id = st.Int(0);
  r.started_at = st.Text(1);
  r.finished_at = st.Text(2);
  r.status = st.Text(3);
  r.tool_version = st.Text(4);
  r.git_revision = st.Text(5);
  r.host = st.Text(6);
  r.pid = st.Int(7);
  r.scenario_name = st.Text(8);
  r.scenario_path = st.Text(9);
  r.scenario_json = st.Text(10);
  r.plan_json = st.Text(11);
  return r;
}
constexpr const char* kRunColumns =
    "SELECT id, started_at, finished_at, status, tool_version, git_revision, host, pid, scenario_name, "
    "scenario_path, scenario_json, plan_json FROM runs";
}  // namespace

std::vector<RunRecord> Store::ListRuns() {
  std::vector<RunRecord> runs;
  auto st = db_->Prepare(std::string(kRunColumns) + " ORDER BY id");
  while (st.Step()) runs.push_back(ReadRun(st));
  return runs;
}

std::optional<RunRecord> Store::GetRun(std::int64_t run_id) {
  auto st = db_->Prepare(std::string(kRunColumns) + " WHERE id = ?");
  st.Bind(1, run_id);
  if (!st.Step()) return std::nullopt;
  return ReadRun(st);
}

std::optional<std::int64_t> Store::LatestRunId() {
  auto st = db_->Prepare("SELECT max(id) FROM runs");
  if (st.Step() && !st.IsNull(0)) return st.Int(0);
  return std::nullopt;
}

std::map<std::string, std::string> Store::Environment(std::int64_t run_id) {
  std::map<std::string, std::string> env;
  auto st = db_->Prepare("SELECT key, value FROM environment WHERE run_id = ?");
  st.Bind(1, run_id);
  while (st.Step()) env[st.Text(0)] = st.Text(1);
  return env;
}

std::vector<ChannelRecord> Store::Channels(std::int64_t run_id) {
  std::vector<ChannelRecord> out;
  auto st = db_->Prepare(
      "SELECT c.id, m.name, c.name, c.domain, c.parent_domain, c.unit, c.kind, c.resolution, c.update_period_s, "
      "c.estimated, c.method, c.measured_update_period_s, c.cross_check_only FROM channels c "
      "JOIN meters m ON m.id = c.meter_id WHERE m.run_id = ? ORDER BY c.id");
  st.Bind(1, run_id);
  while (st.Step()) {
    out.push_back({st.Int(0), st.Text(1), st.Text(2), st.Text(3), st.Text(4), st.Text(5), st.Text(6), st.Real(7),
                   st.Real(8), st.Int(9) != 0, st.Text(10), st.OptReal(11), st.Int(12) != 0});
  }
  return out;
}

std::vector<CellRecord> Store::Cells(std::int64_t run_id) {
  std::vector<CellRecord> out;
  auto st = db_->Prepare(
      "SELECT id, run_id, idx, engine, precision, batch, load_mode, status, error, prepare_s, describe_json, "
      "model_hash, flops_per_inference, max_qps FROM cells WHERE run_id = ? ORDER BY idx");
  st.Bind(1, run_id);
  while (st.Step()) {
    CellRecord c;
    c.id = st.Int(0);
    c.run_id = st.Int(1);
    c.idx = static_cast<int>(st.Int(2));
    c.engine = st.Text(3);
    c.precision = st.Text(4);
    c.batch = st.Int(5);
    c.load_mode = st.Text(6);
    c.status = st.Text(7);
    c.error = st.Text(8);
    c.prepare_s = st.OptReal(9);
    c.describe_json = st.Text(10);
    c.model_hash = st.Text(11);
    c.flops_per_inference = st.OptReal(12);
    c.max_qps = st.OptReal(13);
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<MeasurementRecord> Store::Measurements(std::int64_t cell_id) {
  std::vector<MeasurementRecord> out;
  auto st = db_->Prepare(
      "SELECT id, cell_id, repetition, started_at, duration_s, queries, inferences, throughput_ips, "
      "latency_mean_ms, latency_p50_ms, latency_p90_ms, latency_p95_ms, latency_p99_ms, latency_p999_ms, "
      "latency_max_ms, perf_validity, energy_validity, validity_reasons, state_start_json, state_end_json, "
      "target_qps, latency_bound_ms, latency_percentile, bound_met, latency_histogram_json, window_start_s, window_end_s FROM measurements WHERE cell_id = ? "
      "ORDER BY repetition");
  st.Bind(1, cell_id);
  auto est = db_->Prepare(
      "SELECT channel_id, energy_j, uncertainty_j, idle_power_w, dynamic_energy_j, avg_power_w, j_per_inference, "
      "dynamic_j_per_inference, method FROM measurement_energy WHERE measurement_id = ? ORDER BY channel_id");
  while (st.Step()) {
    MeasurementRecord m;
    m.id = st.Int(0);
    m.cell_id = st.Int(1);
    m.repetition = static_cast<int>(st.Int(2));
    m.started_at = st.Text(3);
    m.duration_s = st.Real(4);
    m.queries = st.Int(5);
    m.inferences = st.Int(6);
    m.throughput_ips = st.Real(7);
    m.latency_mean_ms = st.Real(8);
    m.latency_p50_ms = st.Real(9);
    m.latency_p90_ms = st.Real(10);
    m.latency_p95_ms = st.Real(11);
    m.latency_p99_ms = st.Real(12);
    m.latency_p999_ms = st.Real(13);
    m.latency_max_ms = st.Real(14);
    m.perf_validity = st.Text(15);
    m.energy_validity = st.Text(16);
    m.validity_reasons = nlohmann::json::parse(st.Text(17), nullptr, false);
    if (!st.IsNull(18)) m.state_start = nlohmann::json::parse(st.Text(18), nullptr, false);
    if (!st.IsNull(19)) m.state_end = nlohmann::json::parse(st.Text(19), nullptr, false);
    m.target_qps = st.OptReal(20);
    m.latency_bound_ms = st.OptReal(21);
    m.latency_percentile = st.OptReal(22);
    if (!st.IsNull(23)) m.bound_met = st.Int(23) != 0;
    if (!st.IsNull(24)) m.latency_histogram = nlohmann::json::parse(st.Text(24), nullptr, false);
    m.window_start_s = st.OptReal(25);
    m.window_end_s = st.OptReal(26);
    est.Bind(1, m.id);
    while (est.Step()) {
      m.energy.push_back({est.Int(0), est.Real(1), est.Real(2), est.OptReal(3), est.OptReal(4), est.Real(5),
                          est.Real(6), est.OptReal(7), est.Text(8)});
    }
    est.Reset();
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<SampleRecord> Store::Samples(std::int64_t channel_id, double from_s, double to_s) {
  std::vector<SampleRecord> out;
  auto st = db_->Prepare("SELECT t_s, value FROM samples WHERE channel_id = ? AND t_s >= ? AND t_s <= ? ORDER BY t_s");
  st.Bind(1, channel_id).Bind(2, from_s).Bind(3, to_s);
  while (st.Step()) out.push_back({channel_id, st.Real(0), st.Real(1)});
  return out;
}

std::int64_t Store::CountSamples(std::int64_t run_id) {
  auto st = db_->Prepare(
      "SELECT count(*) FROM samples s JOIN channels c ON c.id = s.channel_id JOIN meters m ON m.id = c.meter_id "
      "WHERE m.run_id = ?");
  st.Bind(1, run_id);
  st.Step();
  return st.Int(0);
}

}  // namespace joulebench
