// MeterSession implementation: opening meters by name or "auto", and window energy from the sampled data.
#include "harness/meter_session.h"

#include <algorithm>
#include <ostream>

#include <fmt/format.h>

#include "harness/common/errors.h"

namespace joulebench {

MeterSession::MeterSession(const Scenario& s, std::ostream& log) {
  std::vector<MeterSource> available;
  auto open = [&](const MeterInfo& info) {
    MeterSource src;
    src.name = info.name;
    src.meter = info.create(s.meter_options.at(info.name));
    src.probe = src.meter->Probe();
    if (src.probe.available) src.channels = src.meter->Channels();
    return src;
  };
  if (s.meters_auto) {
    for (const auto& info : Meters()) {
      if (!info.in_auto) continue;
      MeterSource src = open(info);
      (src.probe.available ? available : unavailable_).push_back(std::move(src));
    }
    if (available.empty()) {
      log << "note: no measured power source found on this machine";
      for (const auto& u : unavailable_) log << fmt::format("; {}: {}", u.name, u.probe.reason);
      log << "; falling back to cpu-estimate: every energy figure of this run is ESTIMATED\n";
      available.push_back(open(*FindMeter("cpu-estimate")));
    }
  } else {
    for (const auto& name : s.meters) {
      MeterSource src = open(*FindMeter(name));
      if (!src.probe.available) {
        throw EnvironmentError(fmt::format("meter \"{}\" is not available here: {}", name, src.probe.reason));
      }
      available.push_back(std::move(src));
    }
  }
  sampler_ = std::make_unique<Sampler>(std::move(available), Seconds(1.0 / s.sample_rate_hz));
}

void MeterSession::Start(Store& store, std::int64_t run_id) {
  for (const auto& src : sampler_->sources()) {
    const auto meter_id = store.AddMeter(run_id, src.name, true, "", src.probe.identity);
    for (const auto& c : src.channels) {
      channel_ids_.push_back(store.AddChannel(
          meter_id, {0, src.name, c.name, c.domain, c.parent, c.unit, ChannelKindName(c.kind), c.resolution,
                     c.update_period_s, c.estimated, c.method}));
    }
  }
  for (const auto& u : unavailable_) store.AddMeter(run_id, u.name, false, u.probe.reason, u.probe.identity);
  epoch_ = MonotonicClock::now();
  sampler_->Start();
}

void MeterSession::Stop() { sampler_->Stop(); }

double MeterSession::SecondsSinceStart(MonotonicClock::time_point t) const {
  return std::chrono::duration<double>(t - epoch_).count();
}

bool MeterSession::all_estimated() const {
  return std::all_of(channels().begin(), channels().end(), [](const Channel& c) { return c.estimated; });
}

void MeterSession::Pull() {
  auto fresh = sampler_->TakeSamples();
  for (const auto& s : fresh) pending_rows_.push_back({channel_ids_[s.channel], SecondsSinceStart(s.time), s.value});
  recent_.insert(recent_.end(), fresh.begin(), fresh.end());
  // Keep only what a window still in progress can need.
  const auto horizon = MonotonicClock::now() - std::chrono::seconds(600);
  std::erase_if(recent_, [&](const Sample& s) { return s.time < horizon; });
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
    if (chans[c].kind == ChannelKind::kCounter) {
      out.push_back(CounterWindowEnergy(chans[c], w.start.values[c], w.end.values[c]));
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

}  // namespace joulebench
