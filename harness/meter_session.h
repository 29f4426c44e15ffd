// The meters of one run: opened from the scenario ("auto" or a list), recorded in the store (unavailable ones
// too, with the reason), calibrated (each channel's real update period, measured at start), sampled by one
// Sampler thread, and asked for the energy of named, nestable measurement windows.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness/scenario.h"
#include "harness/store.h"
#include "meters/sampler.h"
#include "meters/window_energy.h"

namespace joulebench {

struct Window {
  Snapshot start, end;
};

// Cross-check of the sources of each domain over one window: a non-averaged source differing from the domain's
// primary source by more than `tolerance` invalidates the window; averaged sources are only reported.
struct CrossCheckResult {
  bool disagree = false;
  std::vector<std::string> notes;
};
CrossCheckResult CrossCheck(const std::vector<Channel>& channels, const std::vector<WindowEnergy>& energies,
                            double tolerance);

class MeterSession {
 public:
  // Throws EnvironmentError when the scenario's meters cannot be had (and it does not allow unmetered runs).
  MeterSession(const Scenario& scenario, std::ostream& log);
  ~MeterSession();

  // Measures each channel's update period (once; Start() calls it when nobody did).
  void Calibrate();
  // Records meters and channels for `run_id`, then starts sampling.
  void Start(Store& store, std::int64_t run_id);
  void StartSampling();  // sampling without a store (joulebench meters)
  void Stop();

  // Named windows; nesting is allowed (a cell window around repetition windows).
  Snapshot Mark() { return sampler_->ReadNow(); }
  void Begin(const std::string& name);
  Window End(const std::string& name);
  nlohmann::json State() { return sampler_->State(); }
  // Energy per channel (flattened order); a channel whose read failed at an edge has NaN energy and says why.
  std::vector<WindowEnergy> Energy(const Window& w);
  // Samples buffered since the last call, as store rows (time relative to the run's start).
  std::vector<SampleRecord> DrainSamples();

  const std::vector<Channel>& channels() const { return sampler_->channels(); }
  std::int64_t channel_id(std::size_t i) const { return channel_ids_[i]; }
  double update_period(std::size_t i) const { return update_periods_[i]; }
  double measured_period(std::size_t i) const { return measured_periods_[i]; }  // NaN: did not change enough
  const std::vector<MeterSource>& sources() const { return sampler_->sources(); }
  const std::vector<MeterSource>& unavailable() const { return unavailable_; }
  bool metered() const { return !channels().empty(); }
  // Shortest window in which one tick of every measured energy counter is at most `target` of the energy.
  double MinWindowSeconds(double target) const;
  bool all_estimated() const;
  // Why there is no (measured) energy, for runs allowed to proceed unmetered.
  const std::string& unmetered_reason() const { return unmetered_reason_; }
  double SecondsSinceStart(MonotonicClock::time_point t) const;
  // Power over about the last second, summed over the root domains' primary channels (progress display only);
  // NaN when no channel has two samples yet.
  double RecentPowerW();

 private:
  void Pull();  // moves the sampler's buffer into recent_ and pending_rows_
  bool calibrated_ = false;

  std::unique_ptr<Sampler> sampler_;
  std::vector<SampleRecord> pending_rows_;
  std::vector<std::int64_t> channel_ids_;
  std::vector<double> update_periods_;  // measured at start (declared when it could not be measured)
  std::vector<double> measured_periods_;  // NaN where not measured
  std::vector<MeterSource> unavailable_;  // recorded in the store with their reasons
  std::string unmetered_reason_;
  double calibration_s_;
  std::map<std::string, Snapshot> open_windows_;
  MonotonicClock::time_point epoch_;
  std::vector<Sample> recent_;  // samples kept for gauge integration of windows in progress
};

}  // namespace joulebench
