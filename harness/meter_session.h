// The meters of one run: opened from the scenario ("auto" or a list), recorded in the store (unavailable ones
// too, with the reason), sampled by one Sampler thread, and asked for the energy of measurement windows.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "harness/scenario.h"
#include "harness/store.h"
#include "meters/sampler.h"
#include "meters/window_energy.h"

namespace joulebench {

struct Window {
  Snapshot start, end;
};

class MeterSession {
 public:
  // Throws EnvironmentError when a listed meter is unavailable. `log` receives notes (e.g. estimate fallback).
  MeterSession(const Scenario& scenario, std::ostream& log);

  // Records meters and channels for `run_id`, then starts sampling.
  void Start(Store& store, std::int64_t run_id);
  void Stop();

  Snapshot Mark() { return sampler_->ReadNow(); }
  // Energy per channel (flattened order) over [w.start, w.end], from counters or integrated gauge samples.
  std::vector<WindowEnergy> Energy(const Window& w);
  // Samples buffered since the last call, as store rows (time relative to the run's start).
  std::vector<SampleRecord> DrainSamples();

  const std::vector<Channel>& channels() const { return sampler_->channels(); }
  std::int64_t channel_id(std::size_t i) const { return channel_ids_[i]; }
  bool all_estimated() const;
  double SecondsSinceStart(MonotonicClock::time_point t) const;

 private:
  void Pull();  // moves the sampler's buffer into recent_ and pending_rows_

  std::unique_ptr<Sampler> sampler_;
  std::vector<SampleRecord> pending_rows_;
  std::vector<std::int64_t> channel_ids_;
  std::vector<MeterSource> unavailable_;  // recorded in the store with their reasons
  MonotonicClock::time_point epoch_;
  std::vector<Sample> recent_;  // samples kept for gauge integration of the current window
};

}  // namespace joulebench
