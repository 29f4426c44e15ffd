// kernel_objective=measured-energy: opencl-optimized chooses each layer's kernel by the energy the device's own
// counter reports while the candidate runs, not by its time alone. At batch 1 on the H100 the plan that timing builds
// draws ~330 W where opencl-baseline draws ~225 W: how many compute units a candidate keeps busy, whether it spills
// partial sums, how often it re-reads its tiles all show in its power, which the clock does not see. The fastest few
// candidates of each layer (energy_candidates, and only those within energy_slack of the fastest's time) are run back
// to back for energy_window_ms each while the counter is read (EngineConfig::device_energy_j: the run's nvml meter);
// the one with the least joules per run is chosen.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <atomic>
#include <deque>
#include <limits>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "engines/opencl/optimized_engine.h"
#include "harness/common/errors.h"

namespace joulebench {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

}  // namespace

void OpenClOptimizedEngine::RequireEnergyCounter() const {
  if (config_.device_energy_j) return;
  throw InputError(
      "opencl-optimized: kernel_objective=measured-energy reads the device's energy counter while it selects "
      "kernels, and this run has none: run it with `joulebench run` and the nvml meter (meters \"auto\" or "
      "[\"nvml\"]), or with `joulebench check`, on an NVIDIA GPU whose energy counter NVML reports, or use "
      "kernel_objective=time");
}

std::string OpenClOptimizedEngine::LeastEnergyCandidate(Builder& b, const Node& n,
                                                        const std::map<std::string, CandidateCost>& costs,
                                                        const std::string& sig) {
  RequireEnergyCounter();
  std::vector<std::pair<double, std::string>> fastest;
  for (const auto& [c, cost] : costs) {
    if (cost.seconds < 1e29) fastest.emplace_back(cost.seconds, c);
  }
  if (fastest.empty()) return costs.begin()->first;
  std::sort(fastest.begin(), fastest.end());
  fastest.resize(std::min<std::size_t>(fastest.size(), static_cast<std::size_t>(energy_candidates_)));
  const double limit = fastest[0].first * (1 + energy_slack_);  // energy_slack: no candidate slower than this
  fastest.erase(std::remove_if(fastest.begin(), fastest.end(), [&](const auto& f) { return f.first > limit; }),
                fastest.end());
  if (fastest.size() == 1) return fastest[0].second;
  const auto t0 = Clock::now();
  const std::string suffix = fmt::format("|joules-{}ms", std::lround(energy_window_s_ * 1e3));
  std::string best = fastest[0].second;
  double least = std::numeric_limits<double>::infinity();
  for (const auto& [seconds, c] : fastest) {
    CandidateEnergy m;
    const auto cached = timing_cache_->Find(sig + "|" + c + suffix), watts = timing_cache_->Find(sig + "|" + c + suffix + "|W");
    if (cached && watts) {
      m = {*cached, *watts};
    } else {
      WithCandidate(b, n, c, [&, s = seconds](std::size_t first) { m = CandidateJoules(first, s); });
      if (std::isfinite(m.joules)) {
        timing_cache_->Put(sig + "|" + c + suffix, m.joules);
        timing_cache_->Put(sig + "|" + c + suffix + "|W", m.watts);
      }
    }
    const double joules = m.joules;
    if (!std::isfinite(joules)) {
      warnings_.push_back(fmt::format("{}: no energy reading for candidate {} (the counter failed or did not move); "
                                      "chosen among the others by energy, or by time",
                                      n.name, c));
      continue;
    }
    energies_[n.name][c] = joules;
    powers_[n.name][c] = m.watts;
    if (joules < least) {
      least = joules;
      best = c;
    }
  }
  phases_["kernel_energy"] += Since(t0);
  return best;
}

OpenClOptimizedEngine::CandidateEnergy OpenClOptimizedEngine::CandidateJoules(std::size_t first, double seconds) {
  // The host keeps the device busy with chunks of repetitions (~4 ms each, at most 4 queued) and logs each chunk's
  // completion, while a second thread reads the counter and logs each step it takes (a read costs ~3.4 ms of host
  // time on the H100: read between enqueues, it would starve the device on candidates whose enqueue is as slow as
  // their run). Joules per repetition: the counter's rise between two steps at least energy_window_ms apart, after
  // a warm-up of a fifth of the window, over the repetitions completed between them (interpolated in the log).
  constexpr double kChunk = 0.004;
  constexpr std::size_t kAhead = 4;
  cl_command_queue q = device_->queue();
  const int reps = static_cast<int>(std::clamp(std::ceil(kChunk / std::max(seconds, 1e-7)), 1.0, 100000.0));
  const auto start = Clock::now();
  std::vector<std::pair<double, double>> done = {{0.0, 0.0}}, steps;  // (seconds since start, reps / joules)
  std::mutex steps_mutex;
  std::atomic<bool> stop{false}, failed{false};
  std::thread reader([&] {
    double last = config_.device_energy_j();
    while (!stop && std::isfinite(last)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      const double e = config_.device_energy_j();
      if (e != last) {
        std::lock_guard lock(steps_mutex);
        steps.emplace_back(Since(start), e);
      }
      last = e;
    }
    if (!std::isfinite(last)) failed = true;
  });
  // The two steps that bound the window, once seen: indices into `steps`.
  auto window = [&](std::size_t* a, std::size_t* b) {
    std::lock_guard lock(steps_mutex);
    std::size_t i = 0;
    while (i < steps.size() && steps[i].first < energy_window_s_ / 5) ++i;
    std::size_t j = i;
    while (j < steps.size() && steps[j].first - steps[i].first < energy_window_s_) ++j;
    if (j >= steps.size()) return false;
    *a = i, *b = j;
    return true;
  };
  std::deque<cl_event> queued;
  CandidateEnergy result;
  try {
    std::size_t a = 0, b = 0;
    while (!failed && Since(start) < energy_window_s_ * 1.2 + 3.0 && !window(&a, &b)) {
      while (queued.size() < kAhead) {
        for (int r = 0; r < reps; ++r) {
          for (std::size_t i = first; i < launches_.size(); ++i) launches_[i].run();
        }
        cl_event marker = nullptr;
        cl::Check(clEnqueueMarkerWithWaitList(q, 0, nullptr, &marker), "clEnqueueMarkerWithWaitList");
        queued.push_back(marker);
        cl::Check(clFlush(q), "clFlush");
      }
      cl::Check(clWaitForEvents(1, &queued.front()), "clWaitForEvents (a candidate's repetitions)");
      clReleaseEvent(queued.front());
      queued.pop_front();
      done.emplace_back(Since(start), done.back().second + reps);
    }
    if (window(&a, &b)) {
      auto reps_at = [&](double t) {  // completed repetitions at time t, linear between logged completions
        const auto it = std::lower_bound(done.begin(), done.end(), std::make_pair(t, -1.0));
        if (it == done.begin()) return 0.0;
        if (it == done.end()) return done.back().second;
        const auto& [t1, r1] = *it;
        const auto& [t0, r0] = *(it - 1);
        return r0 + (r1 - r0) * (t - t0) / std::max(t1 - t0, 1e-12);
      };
      std::lock_guard lock(steps_mutex);
      const double runs = reps_at(steps[b].first) - reps_at(steps[a].first);
      if (runs > 0) {
        result.joules = (steps[b].second - steps[a].second) / runs;
        result.watts = (steps[b].second - steps[a].second) / (steps[b].first - steps[a].first);
      }
    }
  } catch (...) {
    stop = true;
    reader.join();
    clFinish(q);
    for (cl_event e : queued) clReleaseEvent(e);
    throw;
  }
  stop = true;
  reader.join();
  clFinish(q);
  for (cl_event e : queued) clReleaseEvent(e);
  return result;
}

}  // namespace joulebench
