// One self-contained HTML file (no external resources) with inline SVG charts: J/inference against batch size per
// engine and precision, throughput against J/inference with the Pareto front, and total tCO2e per year per
// configuration with its low–high range.
#include <algorithm>
#include <cmath>
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

// 1, 2 or 5 times a power of ten, at least `raw`: tick spacing.
double NiceStep(double raw) {
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0}) {
    if (m * p >= raw) return m * p;
  }
  return 10 * p;
}

// The Markdown report (render_text.cc) as HTML: headings, paragraphs, bullet lists, pipe tables and **bold**, the
// only constructs it uses. The page's own <h1> replaces the Markdown's first heading.
std::string MarkdownToHtml(const std::string& md) {
  auto inline_md = [](const std::string& line) {
    std::string e = Esc(line), o;
    bool open = false;
    for (std::size_t i = 0; i < e.size(); ++i) {
      if (e.compare(i, 2, "**") == 0) {
        o += open ? "</strong>" : "<strong>";
        open = !open;
        ++i;
      } else {
        o += e[i];
      }
    }
    return o + (open ? "</strong>" : "");
  };
  auto cells = [](const std::string& line) {
    std::vector<std::string> out;
    std::size_t start = 1;
    for (std::size_t bar = line.find('|', start); bar != std::string::npos; bar = line.find('|', start)) {
      std::string c = line.substr(start, bar - start);
      c.erase(0, c.find_first_not_of(' '));
      c.erase(c.find_last_not_of(' ') + 1);
      out.push_back(c);
      start = bar + 1;
    }
    return out;
  };
  std::ostringstream o;
  std::istringstream in(md);
  std::string block;  // "ul", "table" or "" (none open)
  int table_row = 0;
  auto close = [&] {
    if (block == "ul") o << "</ul>\n";
    if (block == "table") o << "</tbody></table>\n";
    block.clear();
  };
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# ", 0) == 0) {
      close();
    } else if (line.rfind("## ", 0) == 0) {
      close();
      o << "<h2>" << inline_md(line.substr(3)) << "</h2>\n";
    } else if (line.rfind("- ", 0) == 0) {
      if (block != "ul") {
        close();
        o << "<ul>\n";
        block = "ul";
      }
      o << "<li>" << inline_md(line.substr(2)) << "</li>\n";
    } else if (line.rfind("|", 0) == 0) {
      if (block != "table") {
        close();
        o << "<table>";
        block = "table";
        table_row = 0;
      }
      ++table_row;
      if (table_row == 2) continue;  // the |---| separator
      const char* tag = table_row == 1 ? "th" : "td";
      o << (table_row == 1 ? "<thead><tr>" : "<tr>");
      for (const auto& c : cells(line)) o << "<" << tag << ">" << inline_md(c) << "</" << tag << ">";
      o << (table_row == 1 ? "</tr></thead><tbody>\n" : "</tr>\n");
    } else if (line.empty()) {
      close();
    } else {
      close();
      o << "<p>" << inline_md(line) << "</p>\n";
    }
  }
  close();
  return o.str();
}

// A chart's frame: the <svg> opening, both axes, their titles and five value ticks on the y axis (0 to ymax).
// x_title empty: no x axis title. The caller draws the data and closes the </svg>.
struct Frame {
  double W = 560, H = 300, L = 64, B = 40;
  double ymax = 1, ystep = 0.25;
  // The y axis ends at the first round tick at or above `top`.
  void SetTop(double top) {
    ystep = NiceStep(top / 4);
    ymax = std::ceil(top / ystep) * ystep;
  }
  double Y(double y) const { return H - B - y / ymax * (H - B - 20); }
  void Open(std::ostringstream& o, const char* id, const std::string& label, const std::string& x_title,
            const std::string& y_title, const char* tick_spec = "{:g}") const {
    o << fmt::format(R"svg(<svg id="{}" xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" role="img" aria-label="{}">)svg", id, W, H, Esc(label));
    o << fmt::format(R"svg(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#333"/><line x1="{}" y1="20" x2="{}" y2="{}" stroke="#333"/>)svg", L, H - B, W - 10, H - B, L, L, H - B);
    if (!x_title.empty()) {
      o << fmt::format(R"svg(<text x="{}" y="{}" font-size="12" text-anchor="middle">{}</text>)svg", (W + L) / 2, H - 8, Esc(x_title));
    }
    o << fmt::format(R"svg(<text x="14" y="{}" font-size="12" transform="rotate(-90 14 {})" text-anchor="middle">{}</text>)svg", (H - B) / 2 + 10, (H - B) / 2 + 10, Esc(y_title));
    for (double y = 0; y <= ymax * (1 + 1e-9); y += ystep) {
      o << fmt::format(R"svg(<text x="{}" y="{:.1f}" font-size="10" text-anchor="end">{}</text>)svg", L - 4, Y(y) + 3, fmt::format(fmt::runtime(tick_spec), y));
    }
  }
};

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
  double xmin = xmax;
  for (const auto& [name, pts] : series) xmin = std::min(xmin, pts.front().first);
  Frame f;
  f.SetTop(ymax * 1.05);
  const double W = f.W, H = f.H, L = f.L, B = f.B;
  // log2 batch between the smallest and largest batch; a single batch size sits in the middle.
  auto px = [&](double x) {
    return L + 20 + (xmax > xmin ? std::log2(x / xmin) / std::log2(xmax / xmin) : 0.5) * (W - L - 50);
  };
  auto py = [&](double y) { return f.Y(y); };
  std::ostringstream o;
  f.Open(o, "chart-energy", "J per inference against batch size", "batch size (log scale)", "J per inference");
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
    o << fmt::format(R"svg(<text x="{}" y="{}" font-size="11" fill="{}" text-anchor="end">{}</text>)svg", W - 12, 30 + 14 * k, color, Esc(name));
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
  Frame f;
  f.H = 340;
  f.B = 110;  // room for the slanted configuration names
  f.L = 110;
  f.SetTop(ymax * 1.05);
  const double W = f.W, H = f.H, L = f.L, B = f.B, bw = (W - L - 20) / static_cast<double>(bars.size());
  auto py = [&](double y) { return f.Y(y); };
  std::ostringstream o;
  f.Open(o, "chart-carbon", "tCO2e per year per configuration", "", "tCO2e per year");
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
  Frame f;
  f.SetTop(ymax * 1.05);
  const double W = f.W, L = f.L;
  auto px = [&](double x) { return L + x / (xmax * 1.1) * (W - L - 20); };
  auto py = [&](double y) { return f.Y(y); };
  std::ostringstream o;
  f.Open(o, "chart-pareto", "throughput against J per inference", "inferences per second", "J per inference");
  const double xstep = NiceStep(xmax * 1.1 / 5);
  for (double x = 0; x <= xmax * 1.1 - 0.4 * xstep; x += xstep) {
    o << fmt::format(R"svg(<text x="{:.1f}" y="{}" font-size="10" text-anchor="middle">{:g}</text>)svg", px(x), f.H - f.B + 14, x);
  }
  std::string d;
  for (const auto& [x, y, n] : front) d += fmt::format("{}{:.1f},{:.1f}", d.empty() ? "M" : " L", px(x), py(y));
  o << fmt::format(R"svg(<path class="pareto" d="{}" fill="none" stroke="#2ca02c" stroke-width="2" stroke-dasharray="5,3"/>)svg", d);
  for (const auto& [x, y, n] : pts) {
    o << fmt::format(R"svg(<circle class="config" cx="{:.1f}" cy="{:.1f}" r="4" fill="#1f77b4"><title>{}: {:.4g}/s, {:.4g} J</title></circle>)svg",
                     px(x), py(y), Esc(n), x, y);
    // Names right of their point, or left of it in the right half so that they stay inside the frame.
    const bool left = px(x) > (L + W) / 2;
    o << fmt::format(R"svg(<text x="{:.1f}" y="{:.1f}" font-size="9" text-anchor="{}">{}</text>)svg", px(x) + (left ? -6 : 6),
                     py(y) - 6, left ? "end" : "start", Esc(n));
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
  Frame f;
  f.H = 260;
  f.SetTop(wmax * 1.05);
  const double W = f.W, H = f.H, L = f.L, B = f.B;
  auto px = [&](double t) { return L + (t - tmin) / (tmax - tmin) * (W - L - 20); };
  auto py = [&](double w) { return f.Y(w); };
  const double w0 = trace["window_s"][0].get<double>(), w1 = trace["window_s"][1].get<double>();
  std::ostringstream o;
  f.Open(o, "chart-trace", "power trace", "seconds from the start of the energy window",
         "W (" + trace["channel"].get<std::string>() + ")");
  o << fmt::format(R"svg(<rect x="{:.1f}" y="20" width="{:.1f}" height="{:.1f}" fill="#fde9c8" fill-opacity="0.8"><title>energy window, {:.3g} s</title></rect>)svg",
                   px(w0), px(w1) - px(w0), H - B - 20, w1 - w0);
  const double step = NiceStep((tmax - tmin) / 6);
  for (double t = std::ceil(tmin / step) * step; t <= tmax; t += step) {
    o << fmt::format(R"svg(<text x="{:.1f}" y="{}" font-size="10" text-anchor="middle">{:g}</text>)svg", px(t), H - B + 14, t + 0.0);  // + 0.0: no "-0"
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

// The savings breakdown: baseline against optimized, facility kWh per year split into active and idle energy, and
// tCO2e per year split into operational and embodied carbon (central figures), the difference written above.
std::string SavingsChart(const json& r) {
  const json* base = nullptr;
  const json* opt = nullptr;
  const json& s = r["savings"];
  if (s.contains("baseline_row")) {
    base = &r["run"]["rows"][s["baseline_row"].get<std::size_t>()];
    opt = &r["run"]["rows"][s["optimized_row"].get<std::size_t>()];
  } else {
    base = &r["baseline_run"]["rows"][r["baseline_run"]["best"].get<std::size_t>()];
    opt = &r["run"]["rows"][r["run"]["best"].get<std::size_t>()];
  }
  auto name = [](const json& row) {
    return fmt::format("{} b{}", row["config"]["engine"].get<std::string>(), row["config"]["batch"].get<int>());
  };
  // Per panel: title, unit, the two segments' names and colours, and each bar's two values.
  struct Panel {
    std::string title, seg1, seg2;
    double b1, b2, o1, o2;
  };
  auto split = [](const json& c, double total) {  // facility kWh in proportion to active and idle IT energy
    const double it = c["active_kwh"].get<double>() + c["idle_kwh"].get<double>();
    return it > 0 ? total * c["active_kwh"].get<double>() / it : total;
  };
  const json& bc = (*base)["fleet"]["figures"]["central"];
  const json& oc = (*opt)["fleet"]["figures"]["central"];
  const double bf = bc["facility_kwh"].get<double>(), of = oc["facility_kwh"].get<double>();
  const Panel panels[] = {
      {"facility kWh per year", "active", "idle", split(bc, bf), bf - split(bc, bf), split(oc, of), of - split(oc, of)},
      {"tCO2e per year", "operational", "embodied", bc["operational_tco2e"].get<double>(), bc["embodied_tco2e"].get<double>(),
       oc["operational_tco2e"].get<double>(), oc["embodied_tco2e"].get<double>()}};
  const double W = 560, H = 320, B = 60, top = 40, pw = W / 2;
  std::ostringstream o;
  o << fmt::format(R"svg(<svg id="chart-savings" xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" role="img" aria-label="savings breakdown">)svg", W, H);
  for (int k = 0; k < 2; ++k) {
    const Panel& p = panels[k];
    const double x0 = pw * k, ymax = std::max(p.b1 + p.b2, p.o1 + p.o2) * 1.05;
    auto h = [&](double v) { return ymax > 0 ? v / ymax * (H - B - top) : 0; };
    o << fmt::format(R"svg(<text x="{}" y="16" font-size="12" text-anchor="middle">{}</text>)svg", x0 + pw / 2, p.title);
    o << fmt::format(R"svg(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#333"/>)svg", x0 + 20, H - B, x0 + pw - 20, H - B);
    const double bars[2][2] = {{p.b1, p.b2}, {p.o1, p.o2}};
    for (int i = 0; i < 2; ++i) {
      const double x = x0 + 40 + i * (pw - 80) / 2, bw = (pw - 80) / 2 - 20;
      const double y1 = H - B - h(bars[i][0]), y2 = y1 - h(bars[i][1]);
      o << fmt::format(R"svg(<rect class="bar" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="#1f77b4"><title>{}: {:.4g}</title></rect>)svg",
                       x, y1, bw, h(bars[i][0]), p.seg1, bars[i][0]);
      o << fmt::format(R"svg(<rect class="bar" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="#aec7e8"><title>{}: {:.4g}</title></rect>)svg",
                       x, y2, bw, h(bars[i][1]), p.seg2, bars[i][1]);
      o << fmt::format(R"svg(<text x="{:.1f}" y="{:.1f}" font-size="10" text-anchor="middle">{:.4g}</text>)svg", x + bw / 2, y2 - 4,
                       bars[i][0] + bars[i][1]);
      o << fmt::format(R"svg(<text x="{:.1f}" y="{}" font-size="10" text-anchor="middle">{}</text>)svg", x + bw / 2, H - B + 14,
                       i == 0 ? "baseline" : "optimized");
      o << fmt::format(R"svg(<text x="{:.1f}" y="{}" font-size="9" text-anchor="middle">{}</text>)svg", x + bw / 2, H - B + 27,
                       Esc(name(i == 0 ? *base : *opt)));
    }
    const double saved = p.b1 + p.b2 - p.o1 - p.o2;
    o << fmt::format(R"svg(<text x="{}" y="{}" font-size="11" text-anchor="middle">{} {:.4g} ({:.0f}%)</text>)svg", x0 + pw / 2, H - 12,
                     saved >= 0 ? "saved" : "added", std::abs(saved),
                     p.b1 + p.b2 > 0 ? 100 * std::abs(saved) / (p.b1 + p.b2) : 0.0);
    o << fmt::format(R"svg(<rect x="{}" y="24" width="10" height="10" fill="#1f77b4"/><text x="{}" y="33" font-size="10">{}</text>)svg",
                     x0 + 30, x0 + 44, p.seg1);
    o << fmt::format(R"svg(<rect x="{}" y="24" width="10" height="10" fill="#aec7e8"/><text x="{}" y="33" font-size="10">{}</text>)svg",
                     x0 + 120, x0 + 134, p.seg2);
  }
  o << "</svg>";
  return o.str();
}

}  // namespace

std::string RenderHtml(const json& r) {
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Fleet report: " << Esc(r["fleet"]["name"])
    << "</title><style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse;"
       "margin:1em 0}td,th{border:1px solid #ccc;padding:3px 6px;font-size:13px;text-align:left;vertical-align:top}th{background:#f3f3f3}svg{display:block;margin:0.5em 0 1.5em}</style></head><body>\n";
  o << "<h1>Fleet report: " << Esc(r["fleet"]["name"]) << "</h1>\n";
  // The Markdown report, converted: one source of truth for the numbers. Its run lines go above the charts.
  const std::string text = MarkdownToHtml(RenderMarkdown(r));
  const std::size_t assumptions = std::min(text.find("<h2>Assumptions</h2>"), text.size());
  o << text.substr(0, assumptions);
  o << "<h2>J/inference against batch size</h2>\n" << EnergyChart(r["run"]["rows"]) << "\n";
  o << "<h2>Throughput against J/inference (dashed: Pareto front)</h2>\n" << ParetoChart(r["run"]["rows"]) << "\n";
  o << "<h2>Fleet carbon per configuration (central, low–high)</h2>\n" << CarbonChart(r["run"]["rows"]) << "\n";
  if (r.contains("savings")) {
    o << "<h2>Savings breakdown (central; " << Esc(r["savings"]["basis"].get<std::string>()) << ")</h2>\n" << SavingsChart(r) << "\n";
  }
  if (r["run"].contains("trace")) {
    o << "<h2>Power of the best configuration during its first repetition</h2>\n" << TraceChart(r["run"]["trace"]) << "\n";
  } else {
    o << "<p>No power trace: the run's samples do not cover a measurement window (runs before schema 6 lack it).</p>\n";
  }
  o << "<div id=\"report-text\">\n" << text.substr(assumptions) << "</div>\n";
  std::string data = r.dump();  // inside <script>, only "</" needs escaping
  for (std::size_t p = data.find("</"); p != std::string::npos; p = data.find("</", p + 3)) data.replace(p, 2, "<\\/");
  o << "<script type=\"application/json\" id=\"report-json\">" << data << "</script>\n</body></html>\n";
  return o.str();
}

}  // namespace joulebench
