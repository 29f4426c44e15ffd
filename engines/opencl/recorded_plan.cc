// command_buffer=on|auto: opencl-optimized records its plan into one cl_khr_command_buffer at the end of Prepare and
// Enqueue() replays it with one call, instead of ~100 clEnqueueNDRangeKernel calls (each ~5 us of host time on the
// H100, and a dependent launch the device starts ~2 us after the one before). Each queue's launches keep their
// order as a chain of sync points; a parallel branch's fork and join (the event slots HookLaunch wired) become sync
// points between the chains, so the driver may still overlap a branch with the main queue's layers.
#include <fmt/format.h>

#include "engines/opencl/optimized_engine.h"
#include "harness/common/errors.h"

namespace joulebench {

void OpenClOptimizedEngine::RecordPlan() {
  command_buffer_report_ = {{"option", command_buffer_option_}, {"used", false}};
  if (command_buffer_option_ == "off") return;
  auto cannot = [this](const std::string& why) {
    if (command_buffer_option_ == "on") {
      throw InputError(fmt::format("opencl-optimized: command_buffer=on, but {}; use command_buffer=auto (one enqueue "
                                   "per launch where it cannot record) or command_buffer=off",
                                   why));
    }
    command_buffer_report_["reason"] = why;
  };
  if (const std::string why = cl::CommandBuffer::Unavailable(device_->id()); !why.empty()) return cannot(why);
  for (std::size_t i = 0; i < launches_.size(); ++i) {
    const Launch& l = launches_[i];
    if (!l.kernel) {
      return cannot(fmt::format("launch {} ({} of node '{}') is a library call or a queue command, not a kernel a "
                                "command buffer can record (parallel_branches=off or a kernel other than the "
                                "library GEMM may avoid it)",
                                i, l.kind, l.node));
    }
  }
  auto buffer = std::make_unique<cl::CommandBuffer>(device_->id(), device_->queue());
  std::map<cl_command_queue, cl_sync_point_khr> last;  // each queue's latest launch
  std::map<cl_event*, cl_sync_point_khr> signalled;    // a fork or join event slot -> the launch that signals it
  std::size_t cross_waits = 0;                         // sync points on another queue's launch (forks, joins)
  for (const Launch& l : launches_) {
    std::vector<cl_sync_point_khr> after;
    if (auto it = last.find(l.queue); it != last.end()) after.push_back(it->second);
    for (cl_event* slot : l.waits_for) {
      auto it = signalled.find(slot);
      if (it == signalled.end()) {
        throw std::logic_error("command buffer: launch of node '" + l.node + "' waits for an event no launch signals");
      }
      after.push_back(it->second);
      ++cross_waits;
    }
    const cl_sync_point_khr point = buffer->AddKernel(l.kernel, l.dims, l.global.data(),
                                                      l.local[0] ? l.local.data() : nullptr, after);
    last[l.queue] = point;
    if (l.signals) signalled[l.signals] = point;
  }
  buffer->Finalize();
  command_buffer_report_["used"] = true;
  command_buffer_report_["commands"] = buffer->commands();
  command_buffer_report_["queues"] = last.size();
  command_buffer_report_["cross_queue_waits"] = cross_waits;
  command_buffer_report_["extension_version"] = buffer->version();
  command_buffer_report_["simultaneous_use"] = buffer->simultaneous_use();
  recorded_plan_ = std::move(buffer);
}

}  // namespace joulebench
