// host_wait: how opencl-optimized's Wait() learns that an inference finished. "finish" (the default) calls clFinish,
// whose return the driver may delay (a blocking wait woken by an interrupt); the device idles from the inference's
// last kernel until the host has enqueued the next one's first. "spin" ends Enqueue() with a marker and a flush and
// polls the marker's status on the host thread, as CUDA's default synchronization does where a core is free: one
// host core busy for a shorter gap between inferences on the device.
#include "engines/opencl/optimized_engine.h"


namespace joulebench {

void OpenClOptimizedEngine::Enqueue() {
  if (recorded_plan_) {
    recorded_plan_->Enqueue();  // command_buffer (recorded_plan.cc)
  } else {
    OpenClBaselineEngine::Enqueue();
  }
  if (!spin_wait_) return;
  cl_command_queue q = device_->queue();
  if (inference_done_) clReleaseEvent(inference_done_);
  inference_done_ = nullptr;
  cl::Check(clEnqueueMarkerWithWaitList(q, 0, nullptr, &inference_done_), "clEnqueueMarkerWithWaitList");
  cl::Check(clFlush(q), "clFlush");
}

void OpenClOptimizedEngine::Wait() {
  if (!spin_wait_ || !inference_done_) {  // also a Wait() with no inference of its own in flight (build, warm-up)
    OpenClBaselineEngine::Wait();
    return;
  }
  cl_int status = CL_QUEUED;
  while (status > CL_COMPLETE) {
    cl::Check(clGetEventInfo(inference_done_, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof status, &status, nullptr),
              "clGetEventInfo (host_wait=spin)");
  }
  clReleaseEvent(inference_done_);
  inference_done_ = nullptr;
  // The marker completes after every command before it on the in-order queue, the parallel branches' joins included.
  if (status < 0) cl::Check(status, "an inference's commands (host_wait=spin)");
}

}  // namespace joulebench
