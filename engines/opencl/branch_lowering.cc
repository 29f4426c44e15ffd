// opencl-optimized's parallel branches (branch_schedule.h): a branch layer lowered onto the auxiliary queue, the
// fork and join between the queues, and the memory plan kept safe while the two queues run side by side.
// Where the launches on both sides are kernels, the queues synchronise through events on those launches (the main
// queue's launch before the branch signals, the branch's first launch waits; the branch's last launch signals, the
// join's first launch waits): a marker with an event plus a barrier cost the H100's driver ~12 us of host time per
// fork, on a batch-1 plan whose host enqueue is close to its device time. Otherwise, and in the "late" test mode,
// marker and barrier commands do it.
#include <stdexcept>

#include "engines/opencl/baseline_builder.h"
#include "engines/opencl/optimized_engine.h"

namespace joulebench {

void OpenClOptimizedEngine::HookLaunch(std::size_t index, cl_event* wait, cl_event* signal) {
  LaunchHooks& h = hooks_[index];
  if (wait) h.waits.push_back(wait);
  if (signal) h.signal = signal;
  auto enqueue = launches_.at(index).enqueue;
  if (!enqueue) throw std::logic_error("parallel branch: hooked launch " + std::to_string(index) + " is no kernel");
  launches_[index].plain = false;
  if (wait) launches_[index].waits_for.push_back(wait);
  if (signal) launches_[index].signals = signal;
  launches_[index].run = [enqueue, waits = h.waits, out = h.signal] {
    cl_event list[4];
    cl_uint count = 0;
    for (cl_event* w : waits) {
      if (!*w) throw std::logic_error("parallel branch: a launch waits for an event that no launch produced");
      list[count++] = *w;
    }
    if (out && *out) {
      clReleaseEvent(*out);
      *out = nullptr;
    }
    enqueue(count, count ? list : nullptr, out);  // a wait list with no events must be NULL (NVIDIA: error -57)
    for (cl_event* w : waits) {
      clReleaseEvent(*w);
      *w = nullptr;
    }
  };
}

void OpenClOptimizedEngine::LowerBranch(Builder& b, const Node& n, const std::string& candidate,
                                        const ParallelBranch& branch) {
  std::size_t join_index = 0;
  while (join_index < graph_.nodes.size() && graph_.nodes[join_index].name != branch.join) ++join_index;
  const std::size_t first = launches_.size(), pooled_before = pooled_.size();
  launch_queue_ = &aux_queue_;
  try {
    LowerCandidate(b, n, candidate);
  } catch (...) {
    launch_queue_ = nullptr;
    throw;
  }
  launch_queue_ = nullptr;
  const std::size_t end = launches_.size();
  const bool late = parallel_branches_option_ == "late";
  if (!late && first > 0 && end > first && launches_[first - 1].enqueue && launches_[first].enqueue &&
      launches_[end - 1].enqueue) {
    HookLaunch(first - 1, nullptr, &fork_event_);
    HookLaunch(first, &fork_event_, nullptr);
    HookLaunch(end - 1, nullptr, &branch_done_);
  } else {
    // "late" (a test mode): the branch also waits for a user event that the join sets, so it runs only after the
    // main queue's layers in between; a buffer it shares with them by mistake then gives a wrong answer every time.
    const cl_command_queue main = device_->queue(), aux = aux_queue_;
    auto fork = [this, main, aux, late] {
      cl_event waits[2] = {nullptr, nullptr};
      cl::Check(clEnqueueMarkerWithWaitList(main, 0, nullptr, &waits[0]), "clEnqueueMarkerWithWaitList (branch fork)");
      if (late) {
        cl_int err = CL_SUCCESS;
        branch_gate_ = clCreateUserEvent(device_->context(), &err);
        cl::Check(err, "clCreateUserEvent (branch fork)");
        waits[1] = branch_gate_;
      }
      const cl_int err = clEnqueueBarrierWithWaitList(aux, late ? 2 : 1, waits, nullptr);
      clReleaseEvent(waits[0]);
      cl::Check(err, "clEnqueueBarrierWithWaitList (branch fork)");
    };
    launches_.insert(launches_.begin() + static_cast<std::ptrdiff_t>(first), Launch{n.name, "branch_fork", fork, {}});
    ++launches_by_kind_["branch_fork"];
    b.Custom(n, "branch_done", [this, aux] {
      if (branch_done_) clReleaseEvent(branch_done_);
      branch_done_ = nullptr;
      cl::Check(clEnqueueMarkerWithWaitList(aux, 0, nullptr, &branch_done_), "clEnqueueMarkerWithWaitList (branch end)");
    });
  }
  // The main queue runs the layers up to the join while the branch reads its inputs and scratch: none of those
  // buffers may return to the pool before the join.
  for (const auto& in : n.inputs) {
    if (auto it = last_use_.find(in); !in.empty() && it != last_use_.end()) it->second = std::max(it->second, join_index);
  }
  for (std::size_t i = pooled_before; i < pooled_.size(); ++i) {
    auto& lu = last_use_[pooled_[i]];
    lu = std::max(lu, join_index);
  }
}

void OpenClOptimizedEngine::JoinBranch(const Node& n, std::size_t first_launch) {
  if (parallel_branches_option_ != "late" && first_launch < launches_.size() && launches_[first_launch].enqueue) {
    HookLaunch(first_launch, &branch_done_, nullptr);
    return;
  }
  const cl_command_queue main = device_->queue();
  auto join = [this, main] {
    if (!branch_done_) throw std::logic_error("parallel branch: the join runs before its branch was enqueued");
    if (branch_gate_) {
      clSetUserEventStatus(branch_gate_, CL_COMPLETE);
      clReleaseEvent(branch_gate_);
      branch_gate_ = nullptr;
    }
    const cl_int err = clEnqueueBarrierWithWaitList(main, 1, &branch_done_, nullptr);
    clReleaseEvent(branch_done_);
    branch_done_ = nullptr;
    cl::Check(err, "clEnqueueBarrierWithWaitList (branch join)");
  };
  launches_.insert(launches_.begin() + static_cast<std::ptrdiff_t>(first_launch), Launch{n.name, "branch_join", join, {}});
  ++launches_by_kind_["branch_join"];
}

}  // namespace joulebench
