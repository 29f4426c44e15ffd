// MeterSession implementation: opening meters, start-up calibration, named windows, window energy, cross-checks.
#include "harness/meter_session.h"

#include <algorithm>
#include <cmath>
#include <ostream>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "harness/common/errors.h"
#include "harness/stats.h"

namespace joulebench {

MeterSession::MeterSession(const Scenario& s, std::ostream& log) : calibration_s_(s.meter_calibration_s) {
  std::vector<MeterSource> available;
  auto open = [&](const MeterInfo& info) {
    MeterSource src;
    src.name = info.name;
    src.meter = info.create(s.meter_options.at(info.name));
    src.probe = src.meter->Probe();
    if (src.probe.available) src.channels = src.meter->Channels();
    return src;
  };
  std::vector<std::string> reasons;
  for (const auto& info : Meters()) {
    const bool wanted = s.meters_auto ? info.in_auto
                                      : std::find(s.meters.begin(), s.meters.end(), info.name) != s.meters.end();
    if (!wanted) continue;
    MeterSource src = open(info);
    if (src.probe.available) {
      available.push_back(std::move(src));
      continue;
    }
    reasons.push_back(fmt::format("{}: {}", src.name, src.probe.reason));
    unavailable_.push_back(std::move(src));
  }
  const std::string why = fmt::format("{}", fmt::join(reasons, "; "));
  if (!s.meters_auto && !unavailable_.empty() && !s.allow_unmetered) {
    throw EnvironmentError(fmt::format("meter(s) not available here: {}. Fix the cause, remove the meter from "
                                       "the scenario, or set \"allow_unmetered\": true",
                                       why));
  }
  if (available.empty()) {
    if (!s.allow_unmetered) {
      throw EnvironmentError(fmt::format(
          "no power meter is available here ({}). List \"cpu-estimate\" in the scenario's meters for an ESTIMATED "
          "figure, or set \"allow_unmetered\": true to measure performance only",
          why.empty() ? "none requested" : why));
    }
    unmetered_reason_ = "no meter available: " + (why.empty() ? std::string("none requested") : why);
    log << "note: " << unmetered_reason_ << "; energy figures will be absent\n";
  } else if (!unavailable_.empty()) {
    log << "note: not metering with " << why << "\n";
  }
  sampler_ = std::make_unique<Sampler>(std::move(available), Seconds(1.0 / s.sample_rate_hz));
}

MeterSession::~MeterSession() { Stop(); }

void MeterSession::Calibrate() {
  if (calibrated_) return;
  calibrated_ = true;
  const double seconds = calibration_s_;
  const auto& chans = channels();
  measured_periods_.assign(chans.size(), NAN);
  update_periods_.resize(chans.size());
  for (std::size_t c = 0; c < chans.size(); ++c) update_periods_[c] = chans[c].update_period_s;
  if (seconds <= 0 || chans.empty()) return;
  // Read as fast as is reasonable (1 kHz) and time the changes of each channel's value.
  std::vector<std::vector<double>> change_times(chans.size());
  std::vector<double> last(chans.size(), NAN);
  const auto t0 = MonotonicClock::now();
  while (std::chrono::duration<double>(MonotonicClock::now() - t0).count() < seconds) {
    const Snapshot snap = sampler_->ReadNow();
    const double t = std::chrono::duration<double>(snap.time - t0).count();
    for (std::size_t c = 0; c < chans.size(); ++c) {
      const double v = snap.values[c];
      if (!std::isnan(last[c]) && v != last[c]) change_times[c].push_back(t);
      last[c] = v;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  for (std::size_t c = 0; c < chans.size(); ++c) {
    const auto& ts = change_times[c];
    if (ts.size() < 3) continue;  // too few changes to say (idle gauges may not move at all)
    std::vector<double> gaps;
    for (std::size_t i = 1; i < ts.size(); ++i) gaps.push_back(ts[i] - ts[i - 1]);
    measured_periods_[c] = Percentile(gaps, 0.5);
    update_periods_[c] = measured_periods_[c];
  }
}

void MeterSession::StartSampling() {
  Calibrate();
  channel_ids_.clear();  // no store: samples are keyed by channel index
  for (std::size_t c = 0; c < channels().size(); ++c) channel_ids_.push_back(static_cast<std::int64_t>(c));
  epoch_ = MonotonicClock::now();
  sampler_->Start();
}

void MeterSession::Start(Store& store, std::int64_t run_id) {
  Calibrate();
  std::size_t c = 0;
  for (const auto& src : sampler_->sources()) {
    const auto meter_id = store.AddMeter(run_id, src.name, true, "", src.probe.identity);
    for (const auto& ch : src.channels) {
      ChannelRecord rec{0, src.name, ch.name, ch.domain, ch.parent, ch.unit, ChannelKindName(ch.kind), ch.resolution,
                        ch.update_period_s, ch.estimated, ch.method};
      rec.cross_check_only = ch.cross_check_only;
      if (!std::isnan(measured_periods_[c])) rec.measured_update_period_s = measured_periods_[c];
      channel_ids_.push_back(store.AddChannel(meter_id, rec));
      ++c;
    }
  }
  for (const auto& u : unavailable_) store.AddMeter(run_id, u.name, false, u.probe.reason, u.probe.identity);
  epoch_ = MonotonicClock::now();
  sampler_->Start();
}

void MeterSession::Stop() {
  if (sampler_) sampler_->Stop();
}

double MeterSession::SecondsSinceStart(MonotonicClock::time_point t) const {
  return std::chrono::duration<double>(t - epoch_).count();
}

double MeterSession::MinWindowSeconds(double target) const {
  double window = 0;
  const auto& chans = channels();
  for (std::size_t c = 0; c < chans.size(); ++c) {
    if (chans[c].kind == ChannelKind::kCounter && !chans[c].estimated && !chans[c].cross_check_only) {
      window = std::max(window, update_periods_[c] / target);
    }
  }
  return window;
}

bool MeterSession::all_estimated() const {
  return std::all_of(channels().begin(), channels().end(), [](const Channel& c) { return c.estimated; });
}

void MeterSession::Begin(const std::string& name) { open_windows_[name] = sampler_->ReadNow(); }

Window MeterSession::End(const std::string& name) {
  Window w;
  w.end = sampler_->ReadNow();
  auto it = open_windows_.find(name);
  if (it == open_windows_.end()) throw std::logic_error("MeterSession::End: no open window " + name);
  w.start = std::move(it->second);
  open_windows_.erase(it);
  return w;
}

void MeterSession::Pull() {
  auto fresh = sampler_->TakeSamples();
  std::erase_if(fresh, [](const Sample& s) { return std::isnan(s.value); });  // failed reads are not samples
  for (const auto& s : fresh) pending_rows_.push_back({channel_ids_[s.channel], SecondsSinceStart(s.time), s.value});
  recent_.insert(recent_.end(), fresh.begin(), fresh.end());
  // Keep what a window may still need: everything since the oldest open window, else the last minute (a window
  // that just ended is integrated right after End()).
  auto horizon = MonotonicClock::now() - std::chrono::minutes(1);
  for (const auto& [name, snap] : open_windows_) horizon = std::min(horizon, snap.time);
  std::erase_if(recent_, [&](const Sample& s) { return s.time < horizon; });
}

double MeterSession::RecentPowerW() {
  Pull();
  const auto since = MonotonicClock::now() - std::chrono::seconds(1);
  const auto& chans = channels();
  std::map<std::string, double> by_domain;  // one figure per root domain: its first channel with samples
  for (std::size_t c = 0; c < chans.size(); ++c) {
    if (!chans[c].parent.empty() || chans[c].cross_check_only || by_domain.count(chans[c].domain)) continue;
    const Sample *first = nullptr, *last = nullptr;
    for (const auto& s : recent_) {
      if (s.channel != c || s.time < since) continue;
      if (!first) first = &s;
      last = &s;
    }
    if (!first || first == last) continue;
    const double dt = std::chrono::duration<double>(last->time - first->time).count();
    if (chans[c].kind == ChannelKind::kCounter && last->value < first->value) continue;  // wrapped
    by_domain[chans[c].domain] = chans[c].kind == ChannelKind::kCounter ? (last->value - first->value) / dt : last->value;
  }
  if (by_domain.empty()) return NAN;
  double total = 0;
  for (const auto& [domain, w] : by_domain) total += w;
  return total;
}

std::vector<SampleRecord> MeterSession::DrainSamples() {
  Pull();
  std::vector<SampleRecord> rows;
  rows.swap(pending_rows_);
  return rows;
}

std::vector<WindowEnergy> MeterSession::Energy(const Window& w) {
  Pull();
  std::vector<WindowEnergy> out;
  const auto& chans = channels();
  for (std::size_t c = 0; c < chans.size(); ++c) {
    if (std::isnan(w.start.values[c]) || std::isnan(w.end.values[c])) {
      WindowEnergy failed;
      failed.energy = Joules{NAN};
      failed.method = "read failed: " + (w.start.error.empty() ? w.end.error : w.start.error);
      out.push_back(failed);
      continue;
    }
    if (chans[c].kind == ChannelKind::kCounter) {
      WindowEnergy e = CounterWindowEnergy(chans[c], w.start.values[c], w.end.values[c]);
      // A counter is quantized by its tick: one update period of energy at this window's power.
      const double dt = std::chrono::duration<double>(w.end.time - w.start.time).count();
      if (dt > 0) e.uncertainty = Joules{std::max(e.uncertainty.value, e.energy.value / dt * update_periods_[c])};
      out.push_back(e);
      continue;
    }
    std::vector<TimedValue> series{{SecondsSinceStart(w.start.time), w.start.values[c]}};
    for (const auto& s : recent_) {
      if (s.channel == c && s.time > w.start.time && s.time < w.end.time) {
        series.push_back({SecondsSinceStart(s.time), s.value});
      }
    }
    series.push_back({SecondsSinceStart(w.end.time), w.end.values[c]});
    out.push_back(GaugeWindowEnergy(chans[c], series));
  }
  return out;
}

CrossCheckResult CrossCheck(const std::vector<Channel>& channels, const std::vector<WindowEnergy>& energies,
                            double tolerance) {
  CrossCheckResult result;
  std::map<std::string, std::size_t> primary;
  for (std::size_t c = 0; c < channels.size(); ++c) {
    if (!channels[c].cross_check_only && !std::isnan(energies[c].energy.value)) primary.emplace(channels[c].domain, c);
  }
  for (std::size_t c = 0; c < channels.size(); ++c) {
    auto it = primary.find(channels[c].domain);
    if (it == primary.end() || it->second == c || std::isnan(energies[c].energy.value)) continue;
    const double ref = energies[it->second].energy.value;
    if (ref <= 0) continue;
    const double diff = (energies[c].energy.value - ref) / ref;
    const bool averaged = channels[c].update_period_s >= 1.0;  // a 1 s moving average lags any window
    // Both figures carry their own quantization: only a difference beyond it and the tolerance counts.
    const double slack = (energies[it->second].uncertainty.value + energies[c].uncertainty.value) / ref;
    const bool beyond = std::fabs(diff) > tolerance + slack;
    result.notes.push_back(fmt::format("{}: {} differs from {} by {:+.1f}%{}", channels[c].domain, channels[c].name,
                                       channels[it->second].name, 100 * diff,
                                       beyond ? (averaged ? " (averaged power lags; not judged)"
                                                          : fmt::format(" (beyond the {:.0f}% tolerance)",
                                                                        100 * tolerance))
                                              : ""));
    if (beyond && !averaged) result.disagree = true;
  }
  return result;
}

}  // namespace joulebench
