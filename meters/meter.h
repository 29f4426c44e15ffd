// The meter contract: Probe() says whether the source exists here and why not; Channels() declares each channel
// as data in SI units; Read() returns one timestamped value per channel. Counters are differenced (with
// wraparound), gauges are integrated; meters convert to joules/watts exactly once, inside Read().
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/common/param_spec.h"
#include "harness/common/units.h"

namespace joulebench {

using MonotonicClock = std::chrono::steady_clock;

enum class ChannelKind { kCounter, kGauge };
const char* ChannelKindName(ChannelKind kind);

struct Channel {
  std::string name;    // source::quantity, e.g. "cpu_estimate::process_energy"
  std::string domain;  // what it covers, e.g. "gpu0", "package-0", "process"
  std::string parent;  // enclosing domain ("" at the root): totals sum one level, never parent and child
  std::string unit;    // "J" for counters, "W" for gauges
  ChannelKind kind = ChannelKind::kCounter;
  double resolution = 0;         // smallest step of the value, in `unit`
  double update_period_s = 0;    // how often the source changes (declared; measured values are stored too)
  double wrap = 0;               // counter range after which it wraps to 0, in `unit`; 0 = never
  bool estimated = false;        // true when the value is modelled, not measured: labelled "estimated" everywhere
  bool cross_check_only = false; // recorded and compared, never the energy figure of its domain (averaged power)
  std::string method;            // how the value is obtained, in words, shown next to every figure
};

struct ProbeResult {
  bool available = false;
  std::string reason;               // why not, with the fix, when unavailable
  nlohmann::json identity = nlohmann::json::object();  // driver, paths, versions
};

struct Reading {
  MonotonicClock::time_point time;
  std::vector<double> values;  // one per channel, in Channels() order, SI units; NaN where a read failed
  std::string error;           // what failed, when any value is NaN ("NvmlMeter::Read(): gpu0: GPU is lost")
};

class Meter {
 public:
  virtual ~Meter() = default;
  // Called once before use; a meter that is unavailable is never read.
  virtual ProbeResult Probe() = 0;
  // Valid after a successful Probe(); the order is the order of Reading::values.
  virtual std::vector<Channel> Channels() const = 0;
  // Called from the sampler thread only (never concurrently); cheap enough for its rate.
  virtual Reading Read() = 0;
  // One tick of the sampler's time series. A meter may leave channels whose read is expensive NaN here (with no
  // error) when window edges, which always use Read(), are enough for their energy: NVML's energy counter costs
  // ~3.4 ms per call on an H100, 7% of a core at 20 Hz, while its instant power costs 0.5 µs.
  virtual Reading Sample() { return Read(); }
  // Slow-changing device state read at the start and end of each measurement (clocks, temperature, power
  // limit, throttle reasons). Never called concurrently with Read(). Empty object when there is none.
  virtual nlohmann::json State() { return nlohmann::json::object(); }
};

struct MeterInfo {
  std::string name;
  std::string description;
  bool in_auto;  // chosen by "meters": "auto" when available
  std::vector<ParamSpec> options;
  std::unique_ptr<Meter> (*create)(const nlohmann::json& resolved_options);
};

// The registration table: the one place optional meters are switched in.
const std::vector<MeterInfo>& Meters();
const MeterInfo* FindMeter(const std::string& name);

}  // namespace joulebench
