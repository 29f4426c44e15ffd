// opencl-optimized's candidate timing: each candidate lowered on its own (WithCandidate), run back to back on the
// host clock (wall) or behind a user event on the device clock (gpu), then undone; Score turns a cost into what
// kernel_objective minimises.

#include <algorithm>
#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "engines/opencl/optimized_engine.h"

namespace joulebench {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

}  // namespace

double OpenClOptimizedEngine::Score(const CandidateCost& c) const {
  return energy_objective_ ? c.seconds * (static_power_ratio_ + c.busy) : c.seconds;
}

OpenClOptimizedEngine::CandidateCost OpenClOptimizedEngine::TimeCandidate(Builder& b, const Node& n,
                                                                          const std::string& candidate) {
  const auto t_start = Clock::now();
  double best = 1e30, busy = 0;
  WithCandidate(b, n, candidate, [&](std::size_t first) {
    auto run = [&](int times) {
      for (int t = 0; t < times; ++t) {
        for (std::size_t i = first; i < launches_.size(); ++i) launches_[i].run();
      }
      cl::Check(clFinish(device_->queue()), "clFinish");
    };
    run(1);  // compiles library kernels on first use
    // Wall timing: enough repetitions per measurement to fill timing_window_us, so that the wait at its end
    // (clFinish, tens of us on the H100) and the host's jitter are a small share of it; a batch-1 layer of ~15 us took
    // five repetitions, ~75 us, and a build's per-layer timings moved by up to 40% from one build to the next
    // (session 12).
    constexpr int kBackToBack = 5;
    int reps = kBackToBack, trials = 3;
    if (candidate_timing_ == "wall" && timing_window_s_ > 0) {
      best = WallSeconds(run, kBackToBack);  // the first trial, and the estimate (a slow candidate keeps it: PoCL)
      reps = static_cast<int>(std::clamp(std::ceil(timing_window_s_ / std::max(best, 1e-7)), 1.0 * kBackToBack, 400.0));
      if (reps > kBackToBack) {
        best = 1e30;  // five repetitions' end-of-run wait would bias it: three trials of the window instead
      } else {
        trials = 2;
      }
    }
    for (int r = 0; r < trials; ++r) {
      best = std::min(best, candidate_timing_ == "gpu" ? GatedGpuSeconds(first, kBackToBack) : WallSeconds(run, reps));
    }
    const double units = std::max<double>(1, device_->compute_units());
    for (std::size_t i = first; i < launches_.size(); ++i) {
      busy = std::max(busy, launches_[i].groups ? std::min(1.0, static_cast<double>(launches_[i].groups) / units) : 1.0);
    }
  });
  phases_["kernel_timing"] += Since(t_start);
  return {best, busy};
}

void OpenClOptimizedEngine::WithCandidate(Builder& b, const Node& n, const std::string& candidate,
                                          const std::function<void(std::size_t)>& use) {
  // Lower the candidate on its own, use it, then undo every trace of it in the plan.
  const auto tensors = device_tensors_;
  const auto kinds = launches_by_kind_;
  const auto pooled = pooled_;
  const auto free_buffers = free_buffers_;
  const auto refs = buffer_refs_;
  const auto last_use = last_use_;
  const std::size_t first = launches_.size(), bytes = device_bytes_, allocated = buffers_allocated_;
  auto undo = [&] {
    launches_.resize(first);
    device_tensors_ = tensors;
    launches_by_kind_ = kinds;
    pooled_ = pooled;
    free_buffers_ = free_buffers;
    buffer_refs_ = refs;
    last_use_ = last_use;
    device_bytes_ = bytes;
    buffers_allocated_ = allocated;
  };
  trial_ = true;
  try {  // a candidate refused part-way through its lowering (InputError), or failing as it runs, leaves nothing
    LowerCandidate(b, n, candidate);
    use(first);
  } catch (...) {
    trial_ = false;
    undo();
    throw;
  }
  trial_ = false;
  undo();
}

// "wall": kBackToBack repetitions enqueued back to back, timed on the host clock: a layer costs the slower of its
// host enqueue and its GPU time (waiting after each would charge candidates with more launches the whole launch
// latency every time).
double OpenClOptimizedEngine::WallSeconds(const std::function<void(int)>& run, int reps) {
  const auto t0 = Clock::now();
  run(reps);
  return Since(t0) / reps;
}

// "gpu": the repetitions wait behind a user event until all are enqueued, so the device runs them back to back
// whatever each launch costs the host; markers after a first (pipeline-filling) copy and after the last time them
// on the device clock. At batch 1 the host enqueues an inference faster than the device runs it, so a layer's cost
// there is its device time.
double OpenClOptimizedEngine::GatedGpuSeconds(std::size_t first, int reps) {
  cl_command_queue q = device_->queue();
  cl_int err = CL_SUCCESS;
  cl_event gate = clCreateUserEvent(device_->context(), &err);
  cl::Check(err, "clCreateUserEvent");
  cl_event marks[2] = {nullptr, nullptr};
  cl::Check(clEnqueueMarkerWithWaitList(q, 1, &gate, nullptr), "clEnqueueMarkerWithWaitList");
  for (int r = 0; r <= reps; ++r) {
    if (r == 1) cl::Check(clEnqueueMarkerWithWaitList(q, 0, nullptr, &marks[0]), "clEnqueueMarkerWithWaitList");
    for (std::size_t i = first; i < launches_.size(); ++i) launches_[i].run();
  }
  cl::Check(clEnqueueMarkerWithWaitList(q, 0, nullptr, &marks[1]), "clEnqueueMarkerWithWaitList");
  cl::Check(clSetUserEventStatus(gate, CL_COMPLETE), "clSetUserEventStatus");
  cl::Check(clFinish(q), "clFinish");
  cl_ulong end[2] = {0, 0};
  for (int i = 0; i < 2; ++i) {
    cl::Check(clGetEventProfilingInfo(marks[i], CL_PROFILING_COMMAND_END, sizeof end[i], &end[i], nullptr),
              "clGetEventProfilingInfo");
    clReleaseEvent(marks[i]);
  }
  clReleaseEvent(gate);
  return 1e-9 * static_cast<double>(end[1] - end[0]) / reps;
}

}  // namespace joulebench
