// Data-driven scenario validation: every tests/scenarios/good/*.json parses; every bad/*.json fails with exactly
// the problems listed in its .expected file (ORIGIN and BASEDIR stand for the file's path and folder).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/scenario.h"
#include "test_paths.h"

namespace joulebench {
namespace {

namespace fs = std::filesystem;
const fs::path kDir = fs::path(testing::kSourceDir) / "tests" / "scenarios";

std::vector<fs::path> Files(const std::string& sub) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(kDir / sub)) {
    if (e.path().extension() == ".json") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> ExpectedLines(const fs::path& file, const std::string& origin, const std::string& base) {
  std::ifstream in(fs::path(file).replace_extension(".expected"));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    for (auto [token, value] : {std::pair{"ORIGIN", origin}, std::pair{"BASEDIR", base}}) {
      for (auto pos = line.find(token); pos != std::string::npos; pos = line.find(token, pos + value.size())) {
        line.replace(pos, std::string(token).size(), value);
      }
    }
    lines.push_back(line);
  }
  return lines;
}

TEST(ScenarioValidation, BadFilesReportExactlyTheirProblems) {
  const auto files = Files("bad");
  ASSERT_GE(files.size(), 10u);
  for (const auto& f : files) {
    SCOPED_TRACE(f.string());
    const auto expected = ExpectedLines(f, f.string(), f.parent_path().string());
    ASSERT_FALSE(expected.empty()) << "missing " << fs::path(f).replace_extension(".expected");
    try {
      LoadScenarioFile(f.string());
      ADD_FAILURE() << "accepted a bad scenario";
    } catch (const ScenarioError& e) {
      std::vector<std::string> got = e.problems();
      std::sort(got.begin(), got.end());
      auto want = expected;
      std::sort(want.begin(), want.end());
      EXPECT_EQ(got, want);
    }
  }
}

TEST(ScenarioValidation, GoodFilesParse) {
  for (const auto& f : Files("good")) {
    SCOPED_TRACE(f.string());
    EXPECT_NO_THROW(LoadScenarioFile(f.string()));
  }
  EXPECT_NO_THROW(LoadScenarioFile((fs::path(testing::kSourceDir) / "scenarios" / "quickstart.json").string()));
}

TEST(ScenarioValidation, DefaultsAreFilledIntoThePlan) {
  const Scenario s = LoadScenarioFile((kDir / "good" / "minimal.json").string());
  EXPECT_EQ(s.name, "minimal");
  EXPECT_EQ(s.load.mode, "offline");
  EXPECT_EQ(s.load.repetitions, 3);
  EXPECT_DOUBLE_EQ(s.load.min_duration_s, 3.0);
  EXPECT_TRUE(s.meters_auto);
  ASSERT_EQ(s.cells.size(), 1u);
  EXPECT_EQ(s.cells[0].batch, 1);
  const auto plan = s.PlanJson();
  EXPECT_EQ(plan["model"]["params"]["hidden"], nlohmann::json({512, 512}));
  EXPECT_EQ(plan["meter_options"]["cpu-estimate"]["watts_per_core"], 10.0);
  EXPECT_EQ(plan["idle"]["duration_s"], 5.0);
  EXPECT_EQ(plan["cells"].size(), 1u);
}

TEST(ScenarioValidation, MatrixSkipsPrecisionsAnEngineLacks) {
  const Scenario s = LoadScenarioFile((kDir / "good" / "full.json").string());
  ASSERT_EQ(s.cells.size(), 3u);  // reference x fp32 x {1,2,4}; fp16 skipped with a reason
  EXPECT_EQ(s.cells[2].batch, 4);
  ASSERT_EQ(s.skipped_cells.size(), 1u);
  EXPECT_NE(s.skipped_cells[0].find("does not offer fp16"), std::string::npos);
  EXPECT_EQ(s.PlanJson()["tags"]["owner"], "ci");
  EXPECT_DOUBLE_EQ(s.meter_options["cpu-estimate"]["watts_per_core"].get<double>(), 7.5);
}

TEST(ScenarioValidation, EmbeddedQuickstartMatchesTheFile) {
  const Scenario embedded = EmbeddedQuickstart();
  const Scenario file = LoadScenarioFile((fs::path(testing::kSourceDir) / "scenarios" / "quickstart.json").string());
  EXPECT_EQ(embedded.PlanJson(), file.PlanJson());
}

TEST(ScenarioValidation, DidYouMean) {
  EXPECT_EQ(ClosestMatch("batch_size", {"batch_sizes", "engines"}), "batch_sizes");
  EXPECT_EQ(ClosestMatch("zzz", {"batch_sizes", "engines"}), "");
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
}

}  // namespace
}  // namespace joulebench
