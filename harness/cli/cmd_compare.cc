// `joulebench compare RUN_A RUN_B`: cells matched by engine, precision, batch and load mode; throughput and
// J/inference (each domain's energy source) as mean ± 95% CI for both runs, with the ratio.
#include <iostream>
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "harness/cli/commands.h"
#include "harness/common/errors.h"
#include "harness/run_report.h"
#include "harness/stats.h"

namespace joulebench {
namespace {

struct CellFigures {
  Summary throughput, joules;
  std::string energy_source;
};

using CellKey = std::tuple<std::string, std::string, std::int64_t, std::string>;

std::map<CellKey, CellFigures> Figures(Store& store, std::int64_t run) {
  std::map<std::int64_t, ChannelRecord> channels;
  for (const auto& c : store.Channels(run)) channels[c.id] = c;
  std::map<CellKey, CellFigures> out;
  for (const auto& cell : store.Cells(run)) {
    std::vector<double> tput, jpi;
    std::string source;
    for (const auto& m : store.Measurements(cell.id)) {
      tput.push_back(m.throughput_ips);
      for (const auto& e : m.energy) {
        const auto& ch = channels[e.channel_id];
        if (ch.cross_check_only) continue;
        if (source.empty()) source = ch.name;
        if (ch.name == source) jpi.push_back(e.j_per_inference);
      }
    }
    if (tput.empty()) continue;
    out[{cell.engine, cell.precision, cell.batch, cell.load_mode}] = {Summarize(tput), Summarize(jpi), source};
  }
  return out;
}

std::string Ci(const Summary& s, const std::string& unit) {
  if (s.n == 0) return "-";
  return s.n < 2 ? FormatSi(s.mean, unit) : fmt::format("{} ± {}", FormatSi(s.mean, unit), FormatSi(s.ci95, unit));
}

std::int64_t ParseRun(Store& store, const std::string& arg) {
  std::int64_t id = 0;
  try {
    std::size_t used = 0;
    id = std::stoll(arg, &used);
    if (used != arg.size()) throw std::invalid_argument("trailing");
  } catch (const std::exception&) {
    throw InputError(fmt::format("'{}' is not a run id; `joulebench db list` shows them", arg));
  }
  if (!store.GetRun(id)) throw InputError(fmt::format("run {} is not in {}", id, store.path()));
  return id;
}

}  // namespace

std::vector<Command> AddCompareCommand(CLI::App& parent) {
  struct Options {
    std::string a, b, db = kDefaultDatabase;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = parent.add_subcommand("compare", "Compare two runs cell by cell: throughput and J/inference with "
                                                   "95% confidence intervals and ratios");
  cmd->add_option("run_a", o->a, "Baseline run id")->required();
  cmd->add_option("run_b", o->b, "Candidate run id")->required();
  cmd->add_option("--db", o->db, "Results database (SQLite)")->capture_default_str();
  return {{cmd, [o] {
             std::error_code ec;
             if (!std::filesystem::exists(o->db, ec)) {
               throw InputError(fmt::format("results database '{}' does not exist; name one with --db", o->db));
             }
             Store store(o->db);
             const std::int64_t a = ParseRun(store, o->a), b = ParseRun(store, o->b);
             const auto fa = Figures(store, a), fb = Figures(store, b);
             std::cout << fmt::format("A = run {} ({}), B = run {} ({})\n\n", a, store.GetRun(a)->scenario_name, b,
                                      store.GetRun(b)->scenario_name);
             std::cout << fmt::format("{:<34} {:>24} {:>24} {:>7}   {:>22} {:>22} {:>9}\n", "cell", "A inf/s", "B inf/s",
                                      "B/A", "A J/inference", "B J/inference", "A/B J");
             for (const auto& [key, x] : fa) {
               const auto& [engine, precision, batch, mode] = key;
               const std::string name = fmt::format("{} {} b{} {}", engine, precision, batch, mode);
               auto it = fb.find(key);
               if (it == fb.end()) {
                 std::cout << fmt::format("{:<34} only in A\n", name);
                 continue;
               }
               const CellFigures& y = it->second;
               std::cout << fmt::format(
                   "{:<34} {:>24} {:>24} {:>7.3f}   {:>22} {:>22} {:>9}\n", name, Ci(x.throughput, "inf/s"),
                   Ci(y.throughput, "inf/s"), y.throughput.mean / x.throughput.mean, Ci(x.joules, "J"),
                   Ci(y.joules, "J"),
                   x.joules.n && y.joules.n ? fmt::format("{:.3f}", x.joules.mean / y.joules.mean) : "-");
             }
             for (const auto& [key, y] : fb) {
               if (!fa.count(key)) {
                 std::cout << fmt::format("{:<34} only in B\n", fmt::format("{} {} b{} {}", std::get<0>(key),
                                                                            std::get<1>(key), std::get<2>(key),
                                                                            std::get<3>(key)));
               }
             }
             return 0;
           }}};
}

}  // namespace joulebench
