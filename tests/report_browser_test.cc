// The HTML report opened in headless Chromium (Debian's `chromium`): no console messages, every chart laid out
// with visible data marks inside its frame, and a screenshot kept as a test artifact
// (build/tests/test-artifacts/report.png); no label cut off at a chart's edge. A control page with a script error,
// a point at NaN, a hidden bar and a label past the edge proves the checks can fail. Without Chromium the test is skipped, except under CI, where `harness/scripts/setup.sh --test`
// installs it and a missing browser is a failure.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/store.h"
#include "reports/report.h"
#include "report_fixture.h"
#include "temp_dir.h"

namespace joulebench {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

const char* kChromium = "/usr/bin/chromium";

// Appended to a copy of the page: measures every chart as laid out and writes the result into the DOM, which
// --dump-dom prints. A data mark is an element the renderer draws from the figures (series, points, bars, trace).
const char* kProbe = R"(<script>
(function () {
  const charts = [];
  for (const svg of document.querySelectorAll('svg[id^="chart-"]')) {
    const frame = svg.getBoundingClientRect();
    let marks = 0, inside = 0;
    for (const el of svg.querySelectorAll('path.series, path.pareto, path.trace, circle, rect.bar')) {
      const b = el.getBBox();
      if (!(b.width > 0 || b.height > 0)) continue;
      ++marks;
      if (b.x >= 0 && b.y >= 0 && b.x + b.width <= frame.width && b.y + b.height <= frame.height) ++inside;
    }
    // Labels as laid out (rotations included), in page coordinates: every one must lie within the chart.
    const clipped = [];
    for (const t of svg.querySelectorAll('text')) {
      const r = t.getBoundingClientRect();
      if (r.left < frame.left - 0.5 || r.top < frame.top - 0.5 || r.right > frame.right + 0.5 || r.bottom > frame.bottom + 0.5) {
        clipped.push(t.textContent);
      }
    }
    charts.push({id: svg.id, width: frame.width, height: frame.height, marks: marks, inside: inside, clipped: clipped});
  }
  const pre = document.createElement('pre');
  pre.id = 'probe-result';
  pre.textContent = JSON.stringify(charts);
  document.body.appendChild(pre);
})();
</script>)";

struct PageCheck {
  int exit_code = -1;
  std::vector<std::string> console;  // Chromium's CONSOLE log lines: script errors, failed loads, console.*
  nlohmann::json charts;             // the probe's measurements, null when it did not run
};

std::string Slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Flags(const fs::path& profile) {
  // As the environment notes prescribe for a closed network: no sandbox as root, no background connections.
  return fmt::format("--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking "
                     "--disable-component-update --disable-sync --hide-scrollbars --user-data-dir={}",
                     profile.string());
}

// Opens a copy of `html` with the probe appended; collects the console log and the probe's result.
PageCheck OpenInChromium(const std::string& html, const fs::path& dir) {
  const fs::path page = dir / "page.html";
  std::string probed = html;
  probed.insert(probed.rfind("</body>"), kProbe);
  std::ofstream(page) << probed;
  const std::string cmd = fmt::format("timeout 120 {} {} --enable-logging=stderr --v=0 --dump-dom file://{} > {} 2> {}",
                                      kChromium, Flags(dir / "profile"), page.string(), (dir / "dom.html").string(),
                                      (dir / "log.txt").string());
  PageCheck c;
  c.exit_code = WEXITSTATUS(std::system(cmd.c_str()));
  std::istringstream log(Slurp(dir / "log.txt"));
  for (std::string line; std::getline(log, line);) {
    if (line.find(":CONSOLE") != std::string::npos) c.console.push_back(line);
  }
  const std::string dom = Slurp(dir / "dom.html");
  std::smatch m;
  if (std::regex_search(dom, m, std::regex(R"re(<pre id="probe-result">([^<]*)</pre>)re"))) {
    c.charts = nlohmann::json::parse(m[1].str(), nullptr, false);
  }
  return c;
}

bool HaveChromium() {
  if (fs::exists(kChromium)) return true;
  if (std::getenv("CI")) ADD_FAILURE() << kChromium << " is missing under CI; `bash harness/scripts/setup.sh --test` installs it";
  return false;
}

std::string FixedReportHtml(TempDir& tmp) {
  Store store(tmp / "r.db");
  const auto run = testing::FakeRun(store, {{"opencl-baseline", 0.8}, {"opencl-optimized", 0.4}}, 20);
  return RenderHtml(BuildReport(store, run, std::nullopt, testing::Profile(testing::kFleet)));
}

TEST(ReportInBrowser, EveryChartIsDrawnWithoutConsoleErrorsAndAScreenshotIsKept) {
  if (!HaveChromium()) GTEST_SKIP() << kChromium << " not installed (`bash harness/scripts/setup.sh --test`)";
  TempDir tmp;
  const std::string html = FixedReportHtml(tmp);
  const PageCheck c = OpenInChromium(html, tmp.path());
  ASSERT_EQ(c.exit_code, 0) << Slurp(tmp.path() / "log.txt");
  EXPECT_TRUE(c.console.empty()) << fmt::format("{}", fmt::join(c.console, "\n"));
  ASSERT_TRUE(c.charts.is_array()) << "the probe did not run";
  // The fixed run has two configurations at one batch size: two points in the energy and Pareto charts (their
  // one-point lines have no extent), two bars, two stacked bars of two segments in each savings panel, one power
  // trace.
  std::map<std::string, int> marks;
  for (const auto& chart : c.charts) {
    const std::string id = chart["id"];
    marks[id] = chart["marks"];
    EXPECT_GT(chart["width"].get<double>(), 100) << id;
    EXPECT_GT(chart["height"].get<double>(), 100) << id;
    EXPECT_EQ(chart["inside"], chart["marks"]) << id << ": a data mark lies outside the chart's frame";
    EXPECT_TRUE(chart["clipped"].empty()) << id << ": labels cut off at the chart's edge: " << chart["clipped"].dump();
  }
  EXPECT_EQ(marks, (std::map<std::string, int>{{"chart-energy", 2}, {"chart-pareto", 2}, {"chart-carbon", 2}, {"chart-savings", 8}, {"chart-trace", 1}}));

  // The screenshot of the report as shipped (no probe), kept next to the test binary for people to look at.
  const fs::path artifacts = fs::current_path() / "test-artifacts";
  fs::create_directories(artifacts);
  std::ofstream(artifacts / "report.html") << html;
  fs::remove(artifacts / "report.png");
  const std::string cmd = fmt::format("timeout 120 {} {} --window-size=1200,2400 --screenshot={} file://{} > /dev/null 2>&1",
                                      kChromium, Flags(tmp.path() / "profile2"), (artifacts / "report.png").string(),
                                      (artifacts / "report.html").string());
  ASSERT_EQ(WEXITSTATUS(std::system(cmd.c_str())), 0);
  // A PNG of the window's size; a blank page of that size compresses to a few kB, the drawn report to far more.
  const std::string png = Slurp(artifacts / "report.png");
  ASSERT_GT(png.size(), 24u);
  EXPECT_EQ(png.substr(1, 3), "PNG");
  auto be32 = [&](std::size_t at) {
    return (static_cast<unsigned char>(png[at]) << 24) | (static_cast<unsigned char>(png[at + 1]) << 16) |
           (static_cast<unsigned char>(png[at + 2]) << 8) | static_cast<unsigned char>(png[at + 3]);
  };
  EXPECT_EQ(be32(16), 1200u);
  EXPECT_EQ(be32(20), 2400u);
  EXPECT_GT(png.size(), 40000u) << "the screenshot looks blank";
}

TEST(ReportInBrowser, TheChecksCatchAScriptErrorAPointAtNaNAHiddenBarAndACutLabel) {
  if (!HaveChromium()) GTEST_SKIP() << kChromium << " not installed (`bash harness/scripts/setup.sh --test`)";
  TempDir tmp;
  std::string html = FixedReportHtml(tmp);
  html.insert(html.rfind("</body>"), "<script>reportHelper();</script>");
  const auto point = html.find("cx=\"", html.find("<svg id=\"chart-energy\"")) + 4;
  html.replace(point, html.find('"', point) - point, "NaN");
  const auto bar = html.find("<rect class=\"bar\"");
  html.replace(bar, 17, "<rect class=\"bar\" style=\"display:none\"");
  html.insert(html.find("</svg>", html.find("<svg id=\"chart-pareto\"")), R"(<text x="540" y="60">a name past the edge</text>)");
  const PageCheck c = OpenInChromium(html, tmp.path());
  const std::string log = fmt::format("{}", fmt::join(c.console, "\n"));
  EXPECT_EQ(c.console.size(), 2u) << log;
  EXPECT_NE(log.find("reportHelper is not defined"), std::string::npos) << log;
  EXPECT_NE(log.find("attribute cx"), std::string::npos) << log;
  ASSERT_TRUE(c.charts.is_array());
  for (const auto& chart : c.charts) {
    if (chart["id"] == "chart-energy") {
      EXPECT_LT(chart["inside"], chart["marks"]) << chart.dump();  // the NaN point is drawn at x = 0, half outside
    }
    if (chart["id"] == "chart-carbon") {
      EXPECT_EQ(chart["marks"], 1) << chart.dump();
    }
    if (chart["id"] == "chart-pareto") {
      EXPECT_EQ(chart["clipped"], nlohmann::json::array({"a name past the edge"})) << chart.dump();
    }
  }
}

}  // namespace
}  // namespace joulebench
