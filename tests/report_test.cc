// Fleet reports: each formula against hand-computed values, unit consistency, hourly intensity weighting, golden
// Markdown/JSON for a fixed fake run in a real SQLite file, the HTML's charts, and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "harness/common/errors.h"
#include "harness/store.h"
#include "reports/fleet_model.h"
#include "reports/fleet_profile.h"
#include "reports/report.h"
#include "temp_dir.h"
#include "report_fixture.h"
#include "test_paths.h"

namespace joulebench {
namespace {

using testing::FakeRun;
using testing::kFleet;
using testing::Profile;
using testing::TempDir;

ConfigFigures Config() {
  ConfigFigures c;
  c.engine = "opencl-optimized";
  c.precision = "fp32";
  c.batch = 32;
  c.load_mode = "offline";
  c.throughput_ips = 1000;
  c.throughput_ci = 10;
  c.j_per_inference = 0.4;
  c.j_ci = 0.02;
  c.idle_power_w = 100;
  c.latency_at_slo_ms = 30;
  return c;
}

TEST(FleetModel, FormulasMatchHandComputation) {
  const FleetProfile f = Profile(kFleet);
  const FleetResult r = ComputeFleet(Config(), f);
  ASSERT_TRUE(r.meets_slo);
  EXPECT_DOUBLE_EQ(r.capacity_ips, 500);  // 1000/s x 0.5 utilization
  // 8.64 M/day = 100/s average, 200/s at peak: ceil(200 / 500) = 1 GPU.
  const FleetFigures& c = *r.central;
  EXPECT_EQ(c.gpus, 1);
  const double inferences = 100.0 * 365 * 86400;                   // 3.1536e9 per year
  EXPECT_NEAR(c.active_kwh, inferences * 0.4 / 3.6e6, 1e-9);        // 350.4 kWh
  EXPECT_NEAR(c.idle_kwh, 1 * (1 - 0.1) * 8760 * 100 / 1000.0, 1e-9);  // busy 10%: 788.4 kWh idle
  EXPECT_NEAR(c.facility_kwh, (350.4 + 788.4) * 1.5, 1e-6);
  EXPECT_NEAR(c.cost, c.facility_kwh * 0.1, 1e-9);
  EXPECT_NEAR(c.operational_t, c.facility_kwh * 400 / 1e6, 1e-12);
  EXPECT_NEAR(c.embodied_t, (150 + 2400 / 8.0) / 5 / 1000, 1e-12);  // 0.09 t per year
  // Unit consistency: totals from the per-unit figures.
  EXPECT_NEAR(c.total_t, c.operational_t + c.embodied_t, 1e-12);
  EXPECT_NEAR(c.sci_g_per_inference * inferences, c.total_t * 1e6, 1e-6);
  // The low end takes the favourable end of every range, the high end the other.
  EXPECT_LT(r.low->total_t, c.total_t);
  EXPECT_GT(r.high->total_t, c.total_t);
  EXPECT_NEAR(r.high->operational_t, r.high->facility_kwh * 500 / 1e6, 1e-12);
  EXPECT_NEAR(r.low->embodied_t, (150 + 300) / 6.0 / 1000, 1e-12);
}

TEST(FleetModel, IdleIsOptionalAndServerCapacityWinsWhenItsBoundIsStrictEnough) {
  FleetProfile f = Profile(kFleet);
  f.count_idle = false;
  EXPECT_EQ(ComputeFleet(Config(), f).central->idle_kwh, 0);
  ConfigFigures c = Config();
  c.max_qps = 20;  // queries of 32 inferences
  c.server_bound_ms = 40;
  c.server_percentile = 0.99;
  const FleetResult r = ComputeFleet(c, f);
  EXPECT_DOUBLE_EQ(r.capacity_ips, 640);
  EXPECT_NE(r.capacity_method.find("server-mode max QPS 20.0"), std::string::npos);
  c.server_bound_ms = 80;  // measured under a looser bound than the SLO: not usable, derate offline instead
  EXPECT_NE(ComputeFleet(c, f).capacity_method.find("derated"), std::string::npos);
}

TEST(FleetModel, HourlyIntensityIsWeightedByTraffic) {
  FleetProfile f = Profile(kFleet);
  f.hourly_intensity.assign(24, 100);
  for (int h = 12; h < 24; ++h) f.hourly_intensity[h] = 300;  // dirty afternoons
  f.daily_profile.assign(24, 0);
  for (int h = 12; h < 24; ++h) f.daily_profile[h] = 2;  // all traffic in the afternoon (weights average to 1)
  EXPECT_DOUBLE_EQ(EffectiveIntensity(f, 1.0), 300);  // active energy follows traffic
  EXPECT_DOUBLE_EQ(EffectiveIntensity(f, 0.0), 200);  // idle energy is flat
}

TEST(FleetProfile, BadInputNamesTheProblemAndTheFix) {
  auto message = [](const std::string& json) {
    try {
      ParseFleetProfile(json, "f.json", ".");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  const std::string m = message(R"({"traffic": {"requests_per_day": 0}, "grid": {"region": "Frnace"},
                                    "pue": "hyperscale", "slo": {"percentile": 1.5}})");
  EXPECT_NE(m.find("f.json: $.traffic.requests_per_day: expected a positive number of requests per day, got 0"), std::string::npos) << m;
  EXPECT_NE(m.find("$.grid.region: unknown region \"Frnace\""), std::string::npos) << m;
  EXPECT_NE(m.find("did you mean \"France\"?"), std::string::npos) << m;
  EXPECT_NE(m.find("$.pue: unknown preset \"hyperscale\""), std::string::npos) << m;
  EXPECT_NE(m.find("$.slo.percentile: expected a number in (0, 1]"), std::string::npos) << m;
  EXPECT_NE(m.find("see docs/reports.md"), std::string::npos);
  EXPECT_NE(message(R"({"traffic": {"requests_per_day": 5}, "grid": {"region": "FR"}, "embodied": {"lifetime_years": {"value": 5, "range": [6, 7]}}})")
                .find("expected [low, high] with 0 < low <= value <= high"),
            std::string::npos);
  EXPECT_NE(message("[1, 2]").find("not a JSON object"), std::string::npos);
  EXPECT_EQ(Profile(R"({"traffic": {"requests_per_day": 5}, "grid": {"region": "france"}})").intensity.value, 56);
  // Cloud regions carry their own dataset and factor type.
  const auto gcp = Profile(R"({"traffic": {"requests_per_day": 5}, "grid": {"region": "gcp:europe-west9"}})").intensity;
  EXPECT_DOUBLE_EQ(gcp.value, 16.3);
  EXPECT_EQ(gcp.year, 2024);
  EXPECT_NE(gcp.source.find("region-carbon-info"), std::string::npos) << gcp.source;
  EXPECT_NE(gcp.name.find("Google Cloud europe-west9 (Paris), operational (direct)"), std::string::npos) << gcp.name;
  EXPECT_NE(message(R"({"traffic": {"requests_per_day": 5}, "grid": {"region": "gcp:us-centrl1"}})").find("did you mean \"gcp:us-central1\"?"),
            std::string::npos);
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Regenerate the golden files with JOULEBENCH_UPDATE_GOLDEN=1 after an intended change, and review the diff.
void ExpectGolden(const std::string& got, const std::string& name) {
  const std::string path = testing::kSourceDir + "/tests/fixtures/reports/" + name;
  if (std::getenv("JOULEBENCH_UPDATE_GOLDEN")) std::ofstream(path) << got;
  EXPECT_EQ(got, Slurp(path)) << "golden file " << path << " differs";
}

TEST(Report, GoldenMarkdownAndJsonForAFixedRun) {
  TempDir tmp;
  Store store(tmp / "r.db");
  const auto run = FakeRun(store, {{"opencl-baseline", 0.8}, {"opencl-optimized", 0.4}}, 20);
  nlohmann::json report = BuildReport(store, run, std::nullopt, Profile(kFleet));
  report["generator"] = "joulebench (test)";  // the only field that depends on the build
  ExpectGolden(RenderMarkdown(report), "fixed_run.md");
  ExpectGolden(report.dump(1) + "\n", "fixed_run.json");
  ExpectGolden(RenderCsv(report), "fixed_run.csv");
  EXPECT_EQ(report["schema_version"], kReportSchemaVersion);
  EXPECT_EQ(report["run"]["best"], 1);
  EXPECT_GT(report["savings"]["central"]["facility_kwh"].get<double>(), 0);
  for (const auto& c : report["coefficients"]) {  // every coefficient carries its source
    EXPECT_FALSE(c["source"].get<std::string>().empty()) << c.dump();
  }
  // Equivalences: of the best configuration's tCO2e and of the savings, each with its source; the amounts convert
  // back (equivalent x grams per unit = tonnes x 1e6).
  ASSERT_TRUE(report.contains("equivalences"));
  const double best_t = report["run"]["rows"][1]["fleet"]["figures"]["central"]["total_tco2e"].get<double>();
  int of_best = 0, of_savings = 0;
  for (const auto& e : report["equivalences"]["items"]) {
    EXPECT_FALSE(e["source"].get<std::string>().empty()) << e.dump();
    EXPECT_NEAR(e["equivalent"].get<double>() * e["per_unit"].get<double>() / 1e6, e["tco2e"].get<double>(), 1e-12);
    if (e["tco2e"].get<double>() == best_t) ++of_best;
    if (e["tco2e"].get<double>() == report["savings"]["central"]["total_tco2e"].get<double>()) ++of_savings;
  }
  EXPECT_EQ(of_best, 3);
  EXPECT_EQ(of_savings, 3);
}

TEST(Report, HtmlIsSelfContainedWithBothChartsDrawn) {
  TempDir tmp;
  Store store(tmp / "r.db");
  const auto run = FakeRun(store, {{"opencl-baseline", 0.8}, {"opencl-optimized", 0.4}}, 20);
  const std::string html = RenderHtml(BuildReport(store, run, std::nullopt, Profile(kFleet)));
  for (const char* id : {"<svg id=\"chart-energy\"", "<svg id=\"chart-pareto\"", "<svg id=\"chart-carbon\""}) {
    EXPECT_NE(html.find(id), std::string::npos) << id;
  }
  // Both configurations are drawn; only the optimized one (faster and fewer J) is on the Pareto front.
  std::size_t circles = 0;
  for (auto p = html.find("<circle class=\"config\""); p != std::string::npos; p = html.find("<circle class=\"config\"", p + 1)) ++circles;
  EXPECT_EQ(circles, 2u);
  const auto front = html.find("<path class=\"pareto\" d=\"M");
  ASSERT_NE(front, std::string::npos);
  EXPECT_EQ(html.substr(front, html.find('"', front + 26) - front).find(" L"), std::string::npos);  // a single point
  EXPECT_NE(html.find("<path class=\"series\" d=\"M"), std::string::npos);
  EXPECT_NE(html.find("<rect class=\"bar\""), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);   // nothing loaded from elsewhere
  EXPECT_EQ(html.find("href="), std::string::npos);
  // The power trace of the best configuration's first repetition, derived from the counter: 300 W in the window.
  EXPECT_NE(html.find("<svg id=\"chart-trace\""), std::string::npos);
  EXPECT_NE(html.find("<path class=\"trace\" d=\"M"), std::string::npos);
  EXPECT_NE(html.find("<line class=\"idle\""), std::string::npos);
  const auto trace = BuildReport(store, run, std::nullopt, Profile(kFleet))["run"]["trace"];
  EXPECT_TRUE(trace["derived_from_counter"].get<bool>());
  double in_window = 0;
  for (const auto& p : trace["points"]) {
    if (p[0].get<double>() > 0.5 && p[0].get<double>() < 9.5) in_window = p[1].get<double>();
  }
  EXPECT_NEAR(in_window, 300, 1e-6);
  const auto start = html.find("id=\"report-json\">") + 17;
  const auto json = nlohmann::json::parse(html.substr(start, html.find("</script>", start) - start), nullptr, false);
  EXPECT_FALSE(json.is_discarded());
}

TEST(Report, TraceUsesInstantPowerWhenTheCounterIsReadOnlyAtWindowEdges) {
  TempDir tmp;
  Store store(tmp / "r.db");
  RunRecord r{0, "2026-11-24T10:00:00.000Z", "", "running", "0.1.0", "abc", "h", 1, "nvml", "n.json", "{}", "{}"};
  const auto run = store.BeginRun(r);
  const auto meter = store.AddMeter(run, "nvml", true, "", {});
  const auto counter = store.AddChannel(meter, {0, "", "nvml::gpu0_energy", "gpu0", "", "J", "counter", 0.001, 0.1, false, "counter"});
  const auto instant = store.AddChannel(meter, {0, "", "nvml::gpu0_instant_power", "gpu0", "", "W", "gauge", 0.001, 0.1, false, "instant", std::nullopt, true});
  store.AddChannel(meter, {0, "", "nvml::gpu0_average_power", "gpu0", "", "W", "gauge", 0.001, 1.0, false, "averaged", std::nullopt, true});
  CellRecord c;
  c.run_id = run;
  c.engine = "opencl-optimized";
  c.precision = "fp32";
  c.batch = 1;
  c.load_mode = "offline";
  c.status = "completed";
  c.id = store.AddCell(c);
  MeasurementRecord m;
  m.cell_id = c.id;
  m.repetition = 1;
  m.duration_s = 10;
  m.inferences = 1000;
  m.queries = 1000;
  m.throughput_ips = 100;
  m.window_start_s = 5;
  m.window_end_s = 15;
  m.energy.push_back({counter, 4000, 0.1, 100.0, 0, 0, 4.0, std::nullopt, "counter"});
  std::vector<SampleRecord> samples;
  for (double t = 1; t < 19; t += 0.25) samples.push_back({instant, t, t > 5 && t <= 15 ? 400.0 : 100.0});
  store.AddMeasurement(m, samples);
  const auto trace = BuildReport(store, run, std::nullopt, Profile(kFleet))["run"]["trace"];
  ASSERT_FALSE(trace.is_null());
  EXPECT_EQ(trace["channel"], "nvml::gpu0_instant_power");  // not the 1 s average, not the unsampled counter
  EXPECT_FALSE(trace["derived_from_counter"].get<bool>());
  EXPECT_EQ(trace["points"].size(), 65u);  // samples from 2 s to 18 s
}

TEST(Report, MissingEnergyUnmetSloAndUnknownRunsAreExplained) {
  TempDir tmp;
  Store store(tmp / "r.db");
  const auto no_energy = FakeRun(store, {{"opencl-baseline", 0.8}}, 20, /*with_energy=*/false);
  const auto slow = FakeRun(store, {{"opencl-baseline", 0.8}}, 500);
  const auto r1 = BuildReport(store, no_energy, std::nullopt, Profile(kFleet));
  EXPECT_FALSE(r1["run"]["rows"][0]["fleet"].contains("figures"));
  EXPECT_NE(r1["run"]["rows"][0]["config"]["no_energy_reason"].get<std::string>().find("no repetition with valid energy"), std::string::npos);
  const auto r2 = BuildReport(store, slow, std::nullopt, Profile(kFleet));
  EXPECT_EQ(r2["run"]["no_config_meets_slo"], "no configuration with energy data meets p99 <= 50 ms; the best latency reached is 500 ms");
  EXPECT_NE(RenderMarkdown(r2).find("the best latency reached is 500 ms"), std::string::npos);
  try {
    BuildReport(store, 42, std::nullopt, Profile(kFleet));
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("run 42 is not in"), std::string::npos) << e.what();
  }
  EXPECT_THROW(BuildReport(store, slow, 77, Profile(kFleet)), InputError);  // a missing baseline run
}

}  // namespace
}  // namespace joulebench
