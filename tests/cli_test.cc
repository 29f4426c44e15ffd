// The joulebench binary end to end: the quickstart, Ctrl-C during a run, two concurrent writers, and the exit
// codes and messages for bad input. Each test uses its own temporary database.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "harness/store.h"
#include "process.h"
#include "temp_dir.h"

namespace joulebench {
namespace {

using testing::Finished;
using testing::TempDir;

using testing::RunCli;

std::string WriteScenario(const TempDir& tmp, const std::string& name, const std::string& json) {
  const std::string path = tmp / name;
  std::ofstream(path) << json;
  return path;
}

// A fast scenario: 3 cells, idle off, short windows.
std::string FastScenario(const TempDir& tmp, double min_duration_s = 0.2, int repetitions = 2) {
  return WriteScenario(tmp, "fast.json",
                       R"({"model": {"builtin": "mlp", "params": {"input": 64, "hidden": [64], "output": 8}},
                           "engines": ["reference"], "batch_sizes": [1, 4, 16],
                           "load": {"warmup_s": 0, "warmup_queries": 1, "min_duration_s": )" +
                           std::to_string(min_duration_s) + R"(, "min_queries": 5, "repetitions": )" +
                           std::to_string(repetitions) + R"(},
                           "meters": ["cpu-estimate"], "idle": {"enabled": false}})");
}

TEST(Cli, QuickstartRunsEndToEnd) {
  TempDir tmp;
  const std::string db = tmp / "q.db";
  auto r = RunCli(tmp, {"run", testing::kSourceDir + "/scenarios/quickstart.json", "--db", db});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ESTIMATED · process CPU time x 10 W/core"), std::string::npos) << r.out;
  Store store(db);
  auto runs = store.ListRuns();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, "completed");
  EXPECT_NE(runs[0].plan_json.find("\"cells\""), std::string::npos);
  const auto cells = store.Cells(runs[0].id);
  ASSERT_EQ(cells.size(), 6u);  // reference and opencl-baseline x 3 batch sizes
  for (const auto& c : cells) {
    EXPECT_EQ(c.status, "completed");
    EXPECT_FALSE(c.describe_json.empty());
    const auto ms = store.Measurements(c.id);
    ASSERT_EQ(ms.size(), 3u);
    for (const auto& m : ms) {
      EXPECT_GE(m.duration_s, 1.0);
      EXPECT_GE(m.queries, 20);
      EXPECT_EQ(m.inferences, m.queries * c.batch);
      EXPECT_LE(m.latency_p50_ms, m.latency_p99_ms);
      EXPECT_EQ(m.energy_validity, "ESTIMATED");
      ASSERT_EQ(m.energy.size(), 1u);
      // Busy cores at 10 W each: at least 1 W, at most every core of this machine (PoCL uses them all).
      EXPECT_GT(m.energy[0].avg_power_w, 1.0);
      EXPECT_LT(m.energy[0].avg_power_w, 10.0 * std::thread::hardware_concurrency() + 2.0);
      EXPECT_NEAR(m.energy[0].j_per_inference * m.inferences, m.energy[0].energy_j, 1e-9);
    }
  }
  EXPECT_GT(store.CountSamples(runs[0].id), 10);
  EXPECT_FALSE(store.Environment(runs[0].id).at("cpu.model").empty());

  auto show = RunCli(tmp, {"db", "show", "latest", "--db", db});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("J/inference (95% CI)"), std::string::npos);
  auto list = RunCli(tmp, {"db", "list", "--db", db});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find("quickstart"), std::string::npos);
}

TEST(Cli, EmbeddedDefaultRunsWithoutArguments) {
  TempDir tmp;
  auto r = RunCli(tmp, {"run", "--validate"}, tmp.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"name\": \"quickstart\""), std::string::npos);
}

TEST(Cli, InterruptKeepsFinishedMeasurementsAndMarksTheRun) {
  TempDir tmp;
  const std::string db = tmp / "i.db";
  const std::string scenario = FastScenario(tmp, 0.5, 3);
  auto child = testing::Spawn({"run", scenario, "--db", db}, tmp / "iout", tmp / "ierr");
  // Wait until the first measurement is committed, then interrupt mid-run.
  bool have_measurement = false;
  for (int i = 0; i < 3000 && !have_measurement; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!std::filesystem::exists(db)) continue;
    try {
      Store store(db);
      auto id = store.LatestRunId();
      if (id) {
        for (const auto& c : store.Cells(*id)) have_measurement |= !store.Measurements(c.id).empty();
      }
    } catch (const std::exception&) {
    }
  }
  ASSERT_TRUE(have_measurement);
  const auto t0 = std::chrono::steady_clock::now();
  kill(child.pid, SIGINT);
  auto r = testing::Wait(child, std::chrono::seconds(30));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));  // prompt exit
  EXPECT_EQ(r.exit_code, 130) << r.err;
  EXPECT_NE(r.err.find("interrupted"), std::string::npos);

  Store store(db);
  const auto run = store.GetRun(*store.LatestRunId());
  EXPECT_EQ(run->status, "interrupted");
  EXPECT_FALSE(run->finished_at.empty());
  int measurements = 0, interrupted = 0, pending = 0;
  for (const auto& c : store.Cells(run->id)) {
    for (const auto& m : store.Measurements(c.id)) {
      ++measurements;
      EXPECT_EQ(m.energy.size(), 1u);  // never a measurement without its energy rows
      EXPECT_GE(m.duration_s, 0.5);    // never a cut-short repetition
    }
    interrupted += c.status == "interrupted";
    pending += c.status == "pending";
  }
  EXPECT_GE(measurements, 1);
  EXPECT_LT(measurements, 9);
  EXPECT_EQ(interrupted, 1);
  EXPECT_GE(pending, 1);
}

TEST(Cli, TwoConcurrentWritersBothSucceed) {
  TempDir tmp;
  const std::string db = tmp / "c.db";
  const std::string scenario = FastScenario(tmp);
  auto a = testing::Spawn({"run", scenario, "--db", db, "--quiet"}, tmp / "aout", tmp / "aerr");
  auto b = testing::Spawn({"run", scenario, "--db", db, "--quiet"}, tmp / "bout", tmp / "berr");
  auto ra = testing::Wait(a), rb = testing::Wait(b);
  ASSERT_EQ(ra.exit_code, 0) << ra.err;
  ASSERT_EQ(rb.exit_code, 0) << rb.err;
  Store store(db);
  const auto runs = store.ListRuns();
  ASSERT_EQ(runs.size(), 2u);
  for (const auto& run : runs) {
    EXPECT_EQ(run.status, "completed");
    const auto cells = store.Cells(run.id);
    ASSERT_EQ(cells.size(), 3u);
    for (const auto& c : cells) EXPECT_EQ(store.Measurements(c.id).size(), 2u);
  }
}

struct BadCase {
  std::string name;
  std::vector<std::string> args;  // {DB} and {TMP} are replaced
  int exit_code;
  std::string message;
};

TEST(Cli, BadInputGetsAClearMessageAndExitTwo) {
  TempDir tmp;
  const std::string db = tmp / "keep.db";
  ASSERT_EQ(RunCli(tmp, {"run", FastScenario(tmp, 0.05, 1), "--db", db, "--quiet"}).exit_code, 0);
  const std::string text_file = tmp / "text.db";
  std::ofstream(text_file) << "plain text, not a database............................................\n";
  const std::string newer = tmp / "newer.db";
  { Store s(newer); }
  { Database(newer, false).Exec("PRAGMA user_version = 42"); }
  const std::string malformed = WriteScenario(tmp, "m.json", "{\"engines\": [");
  const std::string unknown_key = WriteScenario(tmp, "u.json",
                                                R"({"model": {"builtin": "mlp"}, "engines": ["reference"],
                                                    "batchsizes": [1]})");
  const std::string missing_model = WriteScenario(tmp, "mm.json",
                                                  R"({"model": {"file": "none.onnx"}, "engines": ["reference"]})");
  const std::string empty = WriteScenario(tmp, "e.json",
                                          R"({"model": {"builtin": "mlp"}, "engines": ["reference"],
                                              "precisions": ["int8"]})");
  const std::vector<BadCase> cases = {
      {"malformed JSON", {"run", malformed, "--db", db}, 2, "malformed JSON"},
      {"unknown key", {"run", unknown_key, "--db", db}, 2, "did you mean \"batch_sizes\"?"},
      {"missing model file", {"run", missing_model, "--db", db}, 2, "model file \"none.onnx\" does not exist"},
      {"empty matrix", {"run", empty, "--db", db}, 2, "is empty"},
      {"missing scenario", {"run", tmp / "nope.json", "--db", db}, 2, "cannot read the scenario file"},
      {"unwritable database", {"run", FastScenario(tmp), "--db", "/proc/nope/r.db"}, 2, "cannot create folder"},
      {"not SQLite", {"db", "list", "--db", text_file}, 2, "is not a SQLite database"},
      {"not SQLite (run)", {"run", FastScenario(tmp), "--db", text_file}, 2, "is not a SQLite database"},
      {"newer schema", {"db", "list", "--db", newer}, 2, "written by a newer joulebench"},
      {"unknown run", {"db", "show", "999", "--db", db}, 2, "run 999 is not in"},
      {"bad run id", {"db", "show", "abc", "--db", db}, 2, "is not a run id"},
      {"missing database", {"db", "list", "--db", tmp / "absent.db"}, 2, "does not exist"},
      {"unknown subcommand", {"frobnicate"}, 2, ""},
      {"unknown flag", {"run", "--fast"}, 2, ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = RunCli(tmp, c.args);
    EXPECT_EQ(r.exit_code, c.exit_code) << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
  }
  // Nothing was lost from the database along the way.
  Store store(db);
  ASSERT_EQ(store.ListRuns().size(), 1u);
  EXPECT_EQ(store.ListRuns()[0].status, "completed");
}

TEST(Cli, HelpOnEverySubcommand) {
  TempDir tmp;
  for (const auto& sub : std::vector<std::vector<std::string>>{
           {"--help"}, {"run", "--help"}, {"db", "--help"}, {"db", "list", "--help"}, {"db", "show", "--help"},
           {"devices", "--help"}, {"version", "--help"}}) {
    auto r = RunCli(tmp, sub);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find("Usage"), std::string::npos);
  }
  auto v = RunCli(tmp, {"version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.out.find("results schema version"), std::string::npos);
}

TEST(Cli, DevicesListsPoclOrExplains) {
  TempDir tmp;
  auto r = RunCli(tmp, {"devices"});
  // On CI PoCL is installed: a CPU device is listed. Without any ICD the command explains and exits 3.
  if (r.exit_code == 0) {
    EXPECT_NE(r.out.find("platform \""), std::string::npos) << r.out;
  } else {
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_NE(r.out.find("no OpenCL device"), std::string::npos) << r.out;
  }
}

}  // namespace
}  // namespace joulebench

namespace joulebench {
namespace {

// `joulebench report` end to end on a real run: every format written, and the bad inputs of the reports issue
// (unknown region, zero traffic, unknown run, missing baseline, missing database) refused with exit 2.
TEST(CliReport, EveryFormatAndBadInput) {
  TempDir tmp;
  const std::string db = tmp / "r.db";
  ASSERT_EQ(RunCli(tmp, {"run", FastScenario(tmp), "--db", db, "-q"}).exit_code, 0);
  const std::string fleet = WriteScenario(tmp, "fleet.json", R"({"name": "cli fleet", "traffic": {"requests_per_day": 1e6},
      "slo": {"percentile": 0.99, "latency_ms": 1000}, "grid": {"region": "FR"}})");
  for (const std::string format : {"md", "html", "json", "csv"}) {
    const std::string out = tmp / ("report." + format);
    auto r = RunCli(tmp, {"report", "--db", db, "--run", "1", "--fleet", fleet, "--format", format, "-o", out});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::ifstream in(out);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_GT(text.str().size(), 200u) << format;
    if (format == "json") {
      const auto j = nlohmann::json::parse(text.str());
      EXPECT_EQ(j["schema_version"], 1);
      EXPECT_EQ(j["run"]["rows"].size(), 3u);
      EXPECT_EQ(j["coefficients"][0]["source"], "Ember / Our World in Data, as shipped by CodeCarbon");
    }
  }
  auto md = RunCli(tmp, {"report", "--db", db, "--fleet", fleet});  // latest run, Markdown on stdout
  EXPECT_NE(md.out.find("| grid intensity (France"), std::string::npos) << md.out;

  const std::string bad = WriteScenario(tmp, "bad.json", R"({"traffic": {"requests_per_day": -5}, "grid": {"region": "Atlantis"}})");
  auto r = RunCli(tmp, {"report", "--db", db, "--fleet", bad});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("$.traffic.requests_per_day: expected a positive number"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("unknown region \"Atlantis\""), std::string::npos) << r.err;
  auto unknown = RunCli(tmp, {"report", "--db", db, "--run", "9", "--fleet", fleet});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("run 9 is not in"), std::string::npos) << unknown.err;
  EXPECT_EQ(RunCli(tmp, {"report", "--db", db, "--run", "1", "--baseline-run", "5", "--fleet", fleet}).exit_code, 2);
  auto nodb = RunCli(tmp, {"report", "--db", tmp / "none.db", "--fleet", fleet});
  EXPECT_EQ(nodb.exit_code, 2);
  EXPECT_NE(nodb.err.find("no such database"), std::string::npos) << nodb.err;
  EXPECT_FALSE(std::filesystem::exists(tmp / "none.db"));  // nothing created by a refused report
}

}  // namespace
}  // namespace joulebench
