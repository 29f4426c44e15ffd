// `joulebench meters`: what is detected, each channel's unit, method, resolution and measured update period, why
// anything is unavailable; --watch prints live power; --trace records a trace (the replay meter's CSV format).
#include <sys/resource.h>

#include <cmath>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "harness/cli/commands.h"
#include "harness/common/errors.h"
#include "harness/interrupt.h"
#include "harness/meter_session.h"
#include "meters/meter.h"

namespace joulebench {
namespace {

struct MetersOptions {
  std::string sysfs_root;
  std::vector<std::string> only;
  std::string replay;
  double calibrate_s = 1.0;
  bool watch = false;
  double interval_s = 1.0;
  int count = 0;
  std::string trace;
  double duration_s = 10;
  double rate_hz = 20;
};

double ProcessCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

Scenario MetersScenario(const MetersOptions& o) {
  Scenario s;
  s.meters_auto = false;
  s.allow_unmetered = true;
  for (const auto& m : Meters()) {
    const bool wanted = o.only.empty() ? (m.name != "replay" || !o.replay.empty())
                                       : std::find(o.only.begin(), o.only.end(), m.name) != o.only.end();
    if (wanted) s.meters.push_back(m.name);
    nlohmann::json opts = nlohmann::json::object();
    for (const auto& p : m.options) opts[p.name] = p.default_value;
    s.meter_options[m.name] = opts;
  }
  if (!o.only.empty()) {
    for (const auto& name : o.only) {
      if (!FindMeter(name)) throw InputError(fmt::format("--meter {}: no such meter (see joulebench meters)", name));
    }
  }
  s.meter_options["rapl"]["sysfs_root"] = o.sysfs_root;
  s.meter_options["replay"]["file"] = o.replay;
  s.meter_calibration_s = o.calibrate_s;
  s.sample_rate_hz = o.rate_hz;
  return s;
}

void PrintInventory(MeterSession& session) {
  std::size_t c = 0;
  for (const auto& src : session.sources()) {
    std::cout << fmt::format("{}: available · {}\n", src.name, src.probe.identity.dump());
    for (const auto& ch : src.channels) {
      const double measured = session.measured_period(c++);
      std::cout << fmt::format("  {:<40} {:<7} {} · resolution {:g} {} · update period declared {:g} s, measured {} · "
                               "{}{}\n",
                               ch.name, ChannelKindName(ch.kind), ch.unit, ch.resolution, ch.unit, ch.update_period_s,
                               std::isnan(measured) ? std::string("- (value did not change enough)")
                                                    : fmt::format("{:.4g} s", measured),
                               ch.estimated ? "ESTIMATED: " : "", ch.method);
    }
  }
  for (const auto& u : session.unavailable()) std::cout << fmt::format("{}: unavailable · {}\n", u.name, u.probe.reason);
}

int Watch(MeterSession& session, const MetersOptions& o) {
  const auto& chans = session.channels();
  session.StartSampling();
  Snapshot prev = session.Mark();
  for (int i = 0; (o.count == 0 || i < o.count) && SleepUnlessInterrupted(Seconds(o.interval_s)); ++i) {
    Snapshot now = session.Mark();
    const double dt = std::chrono::duration<double>(now.time - prev.time).count();
    std::string line = fmt::format("{:7.1f} s", session.SecondsSinceStart(now.time));
    for (std::size_t c = 0; c < chans.size(); ++c) {
      const double w = chans[c].kind == ChannelKind::kCounter ? (now.values[c] - prev.values[c]) / dt : now.values[c];
      line += fmt::format(" | {} {:.2f} W{}", chans[c].name, w, chans[c].estimated ? " (est.)" : "");
    }
    if (!now.error.empty()) line += " | " + now.error;
    std::cout << line << std::endl;
    prev = std::move(now);
    session.DrainSamples();  // --watch keeps no time series
  }
  return 0;
}

int Trace(MeterSession& session, const MetersOptions& o) {
  std::ofstream out(o.trace);
  if (!out) throw InputError(fmt::format("--trace {}: cannot write this file", o.trace));
  const double cpu0 = ProcessCpuSeconds();
  session.StartSampling();
  const auto t0 = std::chrono::steady_clock::now();
  SleepUnlessInterrupted(Seconds(o.duration_s));
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  session.Stop();
  const double cpu = ProcessCpuSeconds() - cpu0;
  out << "time_s,channel,value\n";
  const auto rows = session.DrainSamples();
  const auto& chans = session.channels();
  // Absolute CLOCK_MONOTONIC seconds, so other programs' timestamps (time.monotonic()) line up with the trace.
  const double epoch = session.SecondsSinceStart(MonotonicClock::time_point{});
  for (const auto& r : rows) {
    out << fmt::format("{:.6f},{},{:.6f}\n", r.t_s - epoch, chans[static_cast<std::size_t>(r.channel_id)].name, r.value);
  }
  const double achieved = chans.empty() ? 0 : static_cast<double>(rows.size()) / chans.size() / wall;
  std::cerr << fmt::format("wrote {} samples of {} channels over {:.2f} s to {}: asked for {:g} Hz, achieved {:.1f} "
                           "reads/s{}; sampler CPU {:.3f} s = {:.2f}% of one core\n",
                           rows.size(), chans.size(), wall, o.trace, o.rate_hz, achieved,
                           achieved < 0.9 * o.rate_hz ? " (one read of every meter takes longer than the period)" : "",
                           cpu, 100 * cpu / wall);
  return 0;
}

}  // namespace

std::vector<Command> AddMetersCommand(CLI::App& parent) {
  auto o = std::make_shared<MetersOptions>();
  CLI::App* cmd = parent.add_subcommand("meters", "List power meters and channels (measured update periods), "
                                                  "watch live power, or record a trace");
  cmd->add_option("--sysfs-root", o->sysfs_root, "Folder standing for /sys (RAPL fixture trees); "
                                                 "default $JOULEBENCH_SYSFS_ROOT or /sys");
  cmd->add_option("--meter", o->only, "Only these meters (repeatable); default every meter");
  cmd->add_option("--replay", o->replay, "Also open the replay meter on this trace (CSV or .db)");
  cmd->add_option("--calibrate", o->calibrate_s, "Seconds spent measuring update periods")->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--watch", o->watch, "Print live power until Ctrl-C (or --count lines)");
  cmd->add_option("--interval", o->interval_s, "Seconds between --watch lines")->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--count", o->count, "Stop --watch after this many lines (0 = never)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--trace", o->trace, "Record every channel to this CSV (time_s,channel,value)");
  cmd->add_option("--duration", o->duration_s, "Seconds to record with --trace")->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--rate", o->rate_hz, "Sampling rate for --trace, Hz")->capture_default_str()
      ->check(CLI::Range(0.001, 1000.0));
  return {{cmd, [o] {
             InstallInterruptHandlers();
             MeterSession session(MetersScenario(*o), std::cerr);
             if (!o->trace.empty()) return Trace(session, *o);
             session.Calibrate();
             PrintInventory(session);
             if (o->watch) return Watch(session, *o);
             return session.metered() ? 0 : static_cast<int>(ExitCode::kEnvironment);
           }}};
}

}  // namespace joulebench
