// Results store against real SQLite files: round trip, migration from a frozen v1 fixture, refusals (newer
// schema, not SQLite, foreign database, unwritable path) and all-or-nothing measurements.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <sstream>

#include "harness/common/errors.h"
#include "harness/store.h"
#include "harness/store_schema.h"
#include "temp_dir.h"
#include "test_paths.h"

namespace joulebench {
namespace {

using testing::TempDir;

void ExecRaw(const std::string& path, const std::string& sql) {
  Database db(path, true);
  db.Exec(sql);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Seeded {
  std::int64_t run, cell, channel;
};

Seeded SeedRun(Store& store) {
  RunRecord r;
  r.started_at = NowIso8601();
  r.tool_version = "t";
  r.git_revision = "g";
  r.host = "h";
  r.pid = 1;
  r.scenario_name = "s";
  r.scenario_path = "p";
  r.scenario_json = "{}";
  r.plan_json = "{}";
  Seeded s{};
  s.run = store.BeginRun(r);
  const auto meter = store.AddMeter(s.run, "cpu-estimate", true, "", {{"k", 1}});
  s.channel = store.AddChannel(meter, {0, "", "cpu_estimate::process_energy", "process", "", "J", "counter", 1e-8, 0,
                                       true, "process CPU time x 10 W/core"});
  CellRecord c;
  c.run_id = s.run;
  c.engine = "reference";
  c.precision = "fp32";
  c.batch = 8;
  c.load_mode = "offline";
  c.status = "running";
  c.model_hash = "abc";
  c.flops_per_inference = 1e6;
  s.cell = store.AddCell(c);
  return s;
}

TEST(Store, RoundTrip) {
  TempDir tmp;
  Store store(tmp / "sub/dir/r.db");  // folders are created
  EXPECT_EQ(store.schema_version(), CurrentSchemaVersion());
  const Seeded s = SeedRun(store);
  store.AddEnvironment(s.run, {{"cpu.model", "X"}, {"os.release", "Y"}});
  store.AddIdlePower(s.cell, s.channel, 1.5, 0.25);

  MeasurementRecord m;
  m.cell_id = s.cell;
  m.repetition = 1;
  m.started_at = "2026-01-01T00:00:00.000Z";
  m.duration_s = 2.5;
  m.queries = 100;
  m.inferences = 800;
  m.throughput_ips = 320;
  m.latency_p50_ms = 3.1;
  m.latency_p99_ms = 4.2;
  m.energy_validity = "ESTIMATED";
  m.validity_reasons = {"modelled"};
  m.latency_histogram = {{"unit", "us"}, {"growth", 1.01}, {"first", 800}, {"counts", {3, 0, 97}}};
  m.energy.push_back({s.channel, 25.0, 1e-8, 0.25, 24.375, 10.0, 25.0 / 800, 24.375 / 800, "estimated: x"});
  store.AddMeasurement(m, {{s.channel, 0.1, 1.0}, {s.channel, 0.2, 2.0}});

  auto cells = store.Cells(s.run);
  ASSERT_EQ(cells.size(), 1u);
  EXPECT_EQ(cells[0].batch, 8);
  EXPECT_EQ(cells[0].model_hash, "abc");
  auto ms = store.Measurements(s.cell);
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].inferences, 800);
  EXPECT_DOUBLE_EQ(ms[0].latency_p99_ms, 4.2);
  EXPECT_EQ(ms[0].validity_reasons, nlohmann::json({"modelled"}));
  EXPECT_EQ(ms[0].latency_histogram["counts"], nlohmann::json({3, 0, 97}));
  ASSERT_EQ(ms[0].energy.size(), 1u);
  EXPECT_DOUBLE_EQ(ms[0].energy[0].energy_j, 25.0);
  EXPECT_DOUBLE_EQ(*ms[0].energy[0].dynamic_j_per_inference, 24.375 / 800);
  EXPECT_EQ(ms[0].energy[0].method, "estimated: x");
  EXPECT_EQ(store.CountSamples(s.run), 2);
  EXPECT_EQ(store.Environment(s.run).at("cpu.model"), "X");
  auto channels = store.Channels(s.run);
  ASSERT_EQ(channels.size(), 1u);
  EXPECT_TRUE(channels[0].estimated);
  store.FinishRun(s.run, "completed");
  EXPECT_EQ(store.GetRun(s.run)->status, "completed");
  EXPECT_EQ(*store.LatestRunId(), s.run);
}

TEST(Store, MeasurementIsAllOrNothing) {
  TempDir tmp;
  Store store(tmp / "r.db");
  const Seeded s = SeedRun(store);
  MeasurementRecord m;
  m.cell_id = s.cell;
  m.repetition = 1;
  m.started_at = "x";
  m.energy.push_back({s.channel, 1, 0, std::nullopt, std::nullopt, 1, 1, std::nullopt, "counter"});
  m.energy.push_back({999999, 1, 0, std::nullopt, std::nullopt, 1, 1, std::nullopt, "counter"});  // no such channel
  EXPECT_THROW(store.AddMeasurement(m, {}), SqliteError);
  EXPECT_TRUE(store.Measurements(s.cell).empty());  // the measurement row was rolled back with its energy rows
}

TEST(Store, MigratesAVersion1Database) {
  TempDir tmp;
  const std::string path = tmp / "v1.db";
  ExecRaw(path, ReadFile(testing::kSourceDir + "/tests/fixtures/results_schema_v1.sql"));
  Store store(path);
  EXPECT_EQ(store.schema_version(), CurrentSchemaVersion());
  auto run = store.GetRun(1);
  ASSERT_TRUE(run.has_value());
  EXPECT_EQ(run->scenario_name, "fixture");
  auto cells = store.Cells(1);
  ASSERT_EQ(cells.size(), 1u);
  EXPECT_TRUE(cells[0].describe_json.empty());  // column added by migration 2, NULL for old rows
  auto ms = store.Measurements(cells[0].id);
  ASSERT_EQ(ms.size(), 2u);
  EXPECT_DOUBLE_EQ(ms[1].energy.at(0).energy_j, 20.2);
  EXPECT_TRUE(store.Environment(1).empty());
  const Seeded s = SeedRun(store);  // and new runs can be written next to the old one
  store.AddEnvironment(s.run, {{"a", "b"}});
  EXPECT_EQ(store.ListRuns().size(), 2u);
}

TEST(Store, RefusesANewerSchema) {
  TempDir tmp;
  const std::string path = tmp / "new.db";
  { Store store(path); }
  ExecRaw(path, "PRAGMA user_version = 99");
  try {
    Store store(path);
    FAIL() << "opened a newer database";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("schema version 99, written by a newer joulebench"), std::string::npos)
        << e.what();
  }
}

TEST(Store, RefusesAFileThatIsNotSqlite) {
  TempDir tmp;
  const std::string path = tmp / "notes.db";
  std::ofstream(path) << "this is a text file, not a database, and it is long enough to have a header\n";
  try {
    Store store(path);
    FAIL() << "opened a text file";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("is not a SQLite database"), std::string::npos) << e.what();
  }
  EXPECT_EQ(ReadFile(path).substr(0, 9), "this is a");  // untouched
}

TEST(Store, RefusesAForeignSqliteDatabase) {
  TempDir tmp;
  const std::string path = tmp / "other.db";
  ExecRaw(path, "CREATE TABLE invoices (id INTEGER)");
  try {
    Store store(path);
    FAIL() << "opened a foreign database";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("not a joulebench results database (it holds tables invoices)"),
              std::string::npos)
        << e.what();
  }
}

TEST(Store, RefusesAnUnwritablePath) {
  EXPECT_THROW(Store("/proc/joulebench-no-such-dir/r.db"), InputError);
  TempDir tmp;
  EXPECT_THROW(Store(tmp.path().string()), InputError);  // a folder
}

}  // namespace
}  // namespace joulebench
