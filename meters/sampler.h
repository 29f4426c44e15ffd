// The sampler: one thread reads every meter at a fixed rate and buffers the time series; the runner reads all
// meters at window edges through ReadNow() (serialized with the thread, so meters are never read concurrently)
// and drains the buffer into the results store with each measurement.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "meters/meter.h"

namespace joulebench {

struct MeterSource {
  std::string name;  // registry name, e.g. "cpu-estimate"
  std::unique_ptr<Meter> meter;
  ProbeResult probe;
  std::vector<Channel> channels;
};

struct Snapshot {
  MonotonicClock::time_point time;
  std::vector<double> values;  // flattened: every channel of every source, in order; NaN where a read failed
  std::string error;           // the meters' errors for the NaN values
};

struct Sample {
  std::size_t channel;  // flattened channel index
  MonotonicClock::time_point time;
  double value;
};

class Sampler {
 public:
  Sampler(std::vector<MeterSource> sources, Seconds period);
  ~Sampler();
  Sampler(const Sampler&) = delete;
  Sampler& operator=(const Sampler&) = delete;

  void Start();
  void Stop();
  Snapshot ReadNow();
  // Every source's State() (clocks, temperatures, limits), keyed by meter name; serialized with reads.
  nlohmann::json State();
  std::vector<Sample> TakeSamples();

  const std::vector<MeterSource>& sources() const { return sources_; }
  // Flattened channel list (same order as Snapshot::values) with the index of the source of each.
  const std::vector<Channel>& channels() const { return channels_; }
  std::size_t source_of(std::size_t channel) const { return source_of_[channel]; }

 private:
  Snapshot ReadLocked(bool sample = false);  // sample: Meter::Sample() (a tick), else Meter::Read() (an edge)
  void Loop();

  std::vector<MeterSource> sources_;
  std::vector<Channel> channels_;
  std::vector<std::size_t> source_of_;
  Seconds period_;
  std::mutex read_mutex_;  // serializes meter reads
  std::mutex buffer_mutex_;
  std::vector<Sample> buffer_;
  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace joulebench
