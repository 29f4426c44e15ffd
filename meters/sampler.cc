// Sampler implementation: a steady-rate loop (absolute deadlines, so reads do not drift) that stops promptly.
#include "meters/sampler.h"

#include <limits>

namespace joulebench {

Sampler::Sampler(std::vector<MeterSource> sources, Seconds period) : sources_(std::move(sources)), period_(period) {
  for (std::size_t s = 0; s < sources_.size(); ++s) {
    for (const auto& c : sources_[s].channels) {
      channels_.push_back(c);
      source_of_.push_back(s);
    }
  }
}

Sampler::~Sampler() { Stop(); }

void Sampler::Start() {
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void Sampler::Stop() {
  {
    std::lock_guard lock(stop_mutex_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Snapshot Sampler::ReadLocked(bool sample) {
  Snapshot snap;
  snap.time = MonotonicClock::now();
  for (auto& src : sources_) {
    Reading r = sample ? src.meter->Sample() : src.meter->Read();
    r.values.resize(src.channels.size(), std::numeric_limits<double>::quiet_NaN());
    snap.values.insert(snap.values.end(), r.values.begin(), r.values.end());
    if (!r.error.empty()) snap.error += (snap.error.empty() ? "" : "; ") + r.error;
  }
  return snap;
}

Snapshot Sampler::ReadNow() {
  std::lock_guard lock(read_mutex_);
  return ReadLocked();
}

nlohmann::json Sampler::State() {
  std::lock_guard lock(read_mutex_);
  nlohmann::json out = nlohmann::json::object();
  for (auto& src : sources_) {
    nlohmann::json st = src.meter->State();
    if (!st.empty()) out[src.name] = std::move(st);
  }
  return out;
}

std::vector<Sample> Sampler::TakeSamples() {
  std::lock_guard lock(buffer_mutex_);
  std::vector<Sample> out;
  out.swap(buffer_);
  return out;
}

void Sampler::Loop() {
  auto next = MonotonicClock::now();
  const auto step = std::chrono::duration_cast<MonotonicClock::duration>(period_);
  for (;;) {
    Snapshot snap;
    {
      std::lock_guard read_lock(read_mutex_);
      snap = ReadLocked(/*sample=*/true);
    }
    {
      std::lock_guard lock(buffer_mutex_);
      for (std::size_t c = 0; c < snap.values.size(); ++c) buffer_.push_back({c, snap.time, snap.values[c]});
    }
    next += step;
    const auto now = MonotonicClock::now();
    if (next < now) next = now;  // fell behind (a slow read): skip, do not burst
    std::unique_lock lock(stop_mutex_);
    if (stop_cv_.wait_until(lock, next, [this] { return stop_; })) return;
  }
}

}  // namespace joulebench
