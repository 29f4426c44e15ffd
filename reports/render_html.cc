// One self-contained HTML file (no external resources) with inline SVG charts: J/inference against batch size per
// engine and precision, throughput against J/inference with the Pareto front, and total tCO2e per year per
// configuration with its low–high range.
#include <algorithm>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "reports/report.h"

namespace joulebench {
namespace {

using json = nlohmann::json;

std::string Esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};

// J/inference (y) against batch size (x, log2 scale), one series per engine and precision.
std::string EnergyChart(const json& rows) {
  std::map<std::string, std::vector<std::pair<double, double>>> series;
  for (const auto& row : rows) {
    const auto& c = row["config"];
    if (c["j_per_inference"].is_null()) continue;
    series[c["engine"].get<std::string>() + " " + c["precision"].get<std::string>()].push_back(
        {static_cast<double>(c["batch"].get<int>()), c["j_per_inference"].get<double>()});
  }
  if (series.empty()) return "<p>No configuration has energy data.</p>";
  double xmax = 1, ymax = 0;
  for (auto& [name, pts] : series) {
    std::sort(pts.begin(), pts.end());
    for (const auto& [x, y] : pts) {
      xmax = std::max(xmax, x);
      ymax = std::max(ymax, y);
    }
  }
  const double W = 560, H = 300, L = 60, B = 40;
  auto px = [&](double x) { return L + (xmax > 1 ? std::log2(x) / std::log2(xmax) : 0.5) * (W - L - 20); };
  auto py = [&](double y) { return H - B - y / (ymax * 1.1) * (H - B - 20); };
  std::ostringstream o;
  o << fmt::format(R"svg(<svg id="chart-energy" xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" role="img" aria-label="J per inference against batch size">)svg", W, H);
  o << fmt::format(R"svg(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#333"/><line x1="{}" y1="20" x2="{}" y2="{}" stroke="#333"/>)svg", L, H - B, W - 10, H - B, L, L, H - B);
  o << fmt::format(R"svg(<text x="{}" y="{}" font-size="12" text-anchor="middle">batch size (log scale)</text>)svg", (W + L) / 2, H - 8);
  o << fmt::format(R"svg(<text x="14" y="{}" font-size="12" transform="rotate(-90 14 {})" text-anchor="middle">J per inference</text>)svg", H / 2, H / 2);
  for (int t = 0; t <= 4; ++t) {
    const double y = ymax * 1.1 * t / 4;
    o << fmt::format(R"svg(<text x="{}" y="{}" font-size="10" text-anchor="end">{:.3g}</text>)svg", L - 4, py(y) + 3, y);
  }
  int k = 0;
  for (const auto& [name, pts] : series) {
    const char* color = kColors[k % 6];
    std::string d;
    for (const auto& [x, y] : pts) d += fmt::format("{}{:.1f},{:.1f}", d.empty() ? "M" : " L", px(x), py(y));
    o << fmt::format(R"svg(<path class="series" d="{}" fill="none" stroke="{}" stroke-width="2"/>)svg", d, color);
    for (const auto& [x, y] : pts) {
      o << fmt::format(R"svg(<circle cx="{:.1f}" cy="{:.1f}" r="4" fill="{}"><title>{} batch {}: {:.4g} J</title></circle>)svg", px(x), py(y), color, Esc(name), x, y);
      o << fmt::format(R"svg(<text x="{:.1f}" y="{}" font-size="10" text-anchor="middle">{}</text>)svg", px(x), H - B + 14, x);
    }
    o << fmt::format(R"svg(<text x="{}" y="{}" font-size="11" fill="{}">{}</text>)svg", W - 200, 30 + 14 * k, color, Esc(name));
    ++k;
  }
  o << "</svg>";
  return o.str();
}

// Total tCO2e per year per configuration: bars with low–high whiskers.
std::string CarbonChart(const json& rows) {
  std::vector<std::tuple<std::string, double, double, double>> bars;
  for (const auto& row : rows) {
    if (!row["fleet"].contains("figures")) continue;
    const auto& c = row["config"];
    const auto& f = row["fleet"]["figures"];
    bars.emplace_back(fmt::format("{} b{}", c["engine"].get<std::string>(), c["batch"].get<int>()),
                      f["central"]["total_tco2e"].get<double>(), f["low"]["total_tco2e"].get<double>(),
                      f["high"]["total_tco2e"].get<double>());
  }
  if (bars.empty()) return "<p>No configuration has fleet figures.</p>";
  double ymax = 0;
  for (const auto& b : bars) ymax = std::max(ymax, std::get<3>(b));
  const double W = 560, H = 300, L = 60, B = 70, bw = (W - L - 20) / static_cast<double>(bars.size());
  auto py = [&](double y) { return H - B - y / (ymax * 1.1) * (H - B - 20); };
  std::ostringstream o;
  o << fmt::format(R"svg(<svg id="chart-carbon" xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" role="img" aria-label="tCO2e per year per configuration">)svg", W, H);
  o << fmt::format(R"svg(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#333"/>)svg", L, H - B, W - 10, H - B);
  o << fmt::format(R"svg(<text x="14" y="{}" font-size="12" transform="rotate(-90 14 {})" text-anchor="middle">tCO2e per year</text>)svg", H / 2, H / 2);
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const auto& [name, c, lo, hi] = bars[i];
    const double x = L + bw * static_cast<double>(i) + bw * 0.15;
    o << fmt::format(R"svg(<rect class="bar" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}"><title>{}: {:.4g} ({:.4g} – {:.4g}) tCO2e/yr</title></rect>)svg",
                     x, py(c), bw * 0.7, H - B - py(c), kColors[i % 6], Esc(name), c, lo, hi);
    o << fmt::format(R"svg(<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="#000"/>)svg", x + bw * 0.35, py(lo), x + bw * 0.35, py(hi));
    o << fmt::format(R"svg(<text x="{:.1f}" y="{}" font-size="10" text-anchor="end" transform="rotate(-35 {:.1f} {})">{}</text>)svg",
                     x + bw * 0.35, H - B + 14, x + bw * 0.35, H - B + 14, Esc(name));
  }
  o << "</svg>";
  return o.str();
}

// Throughput (x) against J/inference (y) for every configuration with energy, the Pareto front (no other
// configuration is both faster and more efficient) drawn as a line through its points.
std::string ParetoChart(const json& rows) {
  std::vector<std::tuple<double, double, std::string>> pts;
  for (const auto& row : rows) {
    const auto& c = row["config"];
    if (c["j_per_inference"].is_null()) continue;
    pts.emplace_back(c["throughput_ips"].get<double>(), c["j_per_inference"].get<double>(),
                     fmt::format("{} {} b{}", c["engine"].get<std::string>(), c["precision"].get<std::string>(), c["batch"].get<int>()));
  }
  if (pts.empty()) return "<p>No configuration has energy data.</p>";
  double xmax = 0, ymax = 0;
  for (const auto& [x, y, n] : pts) {
    xmax = std::max(xmax, x);
    ymax = std::max(ymax, y);
  }
  std::vector<std::tuple<double, double, std::string>> front;
  for (const auto& p : pts) {
    bool dominated = false;
    for (const auto& q : pts) {
      dominated |= std::get<0>(q) >= std::get<0>(p) && std::get<1>(q) <= std::get<1>(p) &&
                   (std::get<0>(q) > std::get<0>(p) || std::get<1>(q) < std::get<1>(p));
    }
    if (!dominated) front.push_back(p);
  }
  std::sort(front.begin(), front.end());
  const double W = 560, H = 300, L = 60, B = 40;
  auto px = [&](double x) { return L + x / (xmax * 1.1) * (W - L - 20); };
  auto py = [&](double y) { return H - B - y / (ymax * 1.1) * (H - B - 20); };
  std::ostringstream o;
  o << fmt::format(R"svg(<svg id="chart-pareto" xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" role="img" aria-label="throughput against J per inference">)svg", W, H);
  o << fmt::format(R"svg(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#333"/><line x1="{}" y1="20" x2="{}" y2="{}" stroke="#333"/>)svg", L, H - B, W - 10, H - B, L, L, H - B);
  o << fmt::format(R"svg(<text x="{}" y="{}" font-size="12" text-anchor="middle">inferences per second</text>)svg", (W + L) / 2, H - 8);
  o << fmt::format(R"svg(<text x="14" y="{}" font-size="12" transform="rotate(-90 14 {})" text-anchor="middle">J per inference</text>)svg", H / 2, H / 2);
  std::string d;
  for (const auto& [x, y, n] : front) d += fmt::format("{}{:.1f},{:.1f}", d.empty() ? "M" : " L", px(x), py(y));
  o << fmt::format(R"svg(<path class="pareto" d="{}" fill="none" stroke="#2ca02c" stroke-width="2" stroke-dasharray="5,3"/>)svg", d);
  for (const auto& [x, y, n] : pts) {
    o << fmt::format(R"svg(<circle class="config" cx="{:.1f}" cy="{:.1f}" r="4" fill="#1f77b4"><title>{}: {:.4g}/s, {:.4g} J</title></circle>)svg",
                     px(x), py(y), Esc(n), x, y);
    o << fmt::format(R"svg(<text x="{:.1f}" y="{:.1f}" font-size="9">{}</text>)svg", px(x) + 5, py(y) - 5, Esc(n));
  }
  o << "</svg>";
  return o.str();
}

// The best configuration's power during its first repetition: the energy window shaded, the idle power dashed.
std::string TraceChart(const json& trace) {
  double tmin = 0, tmax = 1, wmax = 1;
  for (const auto& p : trace["points"]) {
    tmin = std::min(tmin, p[0].get<double>());
    tmax = std::max(tmax, p[0].get<double>());
    wmax = std::max(wmax, p[1].get<double>());
  }
  const double W = 560, H = 260, L = 60, B = 40;
  auto px = [&](double t) { return L + (t - tmin) / (tmax - tmin) * (W - L - 20); };
  auto py = [&](double w) { return H - B - w / (wmax * 1.1) * (H - B - 20); };
  std::ostringstream o;
  o << fmt::format(R"svg(<svg id="chart-trace" xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" role="img" aria-label="power trace">)svg", W, H);
  const double w0 = trace["window_s"][0].get<double>(), w1 = trace["window_s"][1].get<double>();
  o << fmt::format(R"svg(<rect x="{:.1f}" y="20" width="{:.1f}" height="{:.1f}" fill="#fde9c8"><title>energy window, {:.3g} s</title></rect>)svg",
                   px(w0), px(w1) - px(w0), H - B - 20, w1 - w0);
  o << fmt::format(R"svg(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#333"/><line x1="{}" y1="20" x2="{}" y2="{}" stroke="#333"/>)svg", L, H - B, W - 10, H - B, L, L, H - B);
  o << fmt::format(R"svg(<text x="{}" y="{}" font-size="12" text-anchor="middle">seconds from the start of the energy window</text>)svg", (W + L) / 2, H - 8);
  o << fmt::format(R"svg(<text x="14" y="{}" font-size="12" transform="rotate(-90 14 {})" text-anchor="middle">W ({})</text>)svg", H / 2, H / 2, Esc(trace["channel"].get<std::string>()));
  for (int t = 0; t <= 4; ++t) {
    const double w = wmax * 1.1 * t / 4;
    o << fmt::format(R"svg(<text x="{}" y="{:.1f}" font-size="10" text-anchor="end">{:.0f}</text>)svg", L - 4, py(w) + 3, w);
  }
  std::string d;
  for (const auto& p : trace["points"]) d += fmt::format("{}{:.1f},{:.1f}", d.empty() ? "M" : " L", px(p[0].get<double>()), py(p[1].get<double>()));
  o << fmt::format(R"svg(<path class="trace" d="{}" fill="none" stroke="#d62728" stroke-width="1.5"/>)svg", d);
  if (!trace["idle_power_w"].is_null()) {
    const double idle = trace["idle_power_w"].get<double>();
    o << fmt::format(R"svg(<line class="idle" x1="{}" y1="{:.1f}" x2="{}" y2="{:.1f}" stroke="#555" stroke-dasharray="4,3"><title>idle power {:.1f} W</title></line>)svg",
                     L, py(idle), W - 10, py(idle), idle);
  }
  o << "</svg>";
  return o.str();
}

}  // namespace

std::string RenderHtml(const json& r) {
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Fleet report: " << Esc(r["fleet"]["name"])
    << "</title><style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse;"
       "margin:1em 0}td,th{border:1px solid #ccc;padding:3px 6px;font-size:13px}th{background:#f3f3f3}</style></head><body>\n";
  o << "<h1>Fleet report: " << Esc(r["fleet"]["name"]) << "</h1>\n";
  o << "<h2>J/inference against batch size</h2>\n" << EnergyChart(r["run"]["rows"]) << "\n";
  o << "<h2>Throughput against J/inference (dashed: Pareto front)</h2>\n" << ParetoChart(r["run"]["rows"]) << "\n";
  o << "<h2>Fleet carbon per configuration (central, low–high)</h2>\n" << CarbonChart(r["run"]["rows"]) << "\n";
  if (r["run"].contains("trace")) {
    o << "<h2>Power of the best configuration during its first repetition</h2>\n" << TraceChart(r["run"]["trace"]) << "\n";
  } else {
    o << "<p>No power trace: the run's samples do not cover a measurement window (runs before schema 6 lack it).</p>\n";
  }
  // The tables are the Markdown report's, rendered as preformatted text: one source of truth for the numbers.
  o << "<h2>Report</h2>\n<pre id=\"report-text\" style=\"white-space:pre-wrap;font-size:12px\">" << Esc(RenderMarkdown(r))
    << "</pre>\n";
  std::string data = r.dump();  // inside <script>, only "</" needs escaping
  for (std::size_t p = data.find("</"); p != std::string::npos; p = data.find("</", p + 3)) data.replace(p, 2, "<\\/");
  o << "<script type=\"application/json\" id=\"report-json\">" << data << "</script>\n</body></html>\n";
  return o.str();
}

}  // namespace joulebench
