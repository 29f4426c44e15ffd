// cl_khr_command_buffer: a recorded sequence of kernel launches that the driver replays with one enqueue, as CUDA
// graphs do, instead of one clEnqueueNDRangeKernel per launch. The entry points come from the device's platform at
// run time (clGetExtensionFunctionAddressForPlatform); a driver without the extension gets a reason, not a crash.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "engines/opencl/cl_runtime.h"
#include <CL/cl_ext.h>

namespace joulebench::cl {

class CommandBuffer {
 public:
  // "" where `device` can record and replay kernel launches, else why not (no extension, no entry points).
  static std::string Unavailable(cl_device_id device);
  // An empty command buffer for `queue` (in-order, of `device`). Throws EnvironmentError where Unavailable().
  CommandBuffer(cl_device_id device, cl_command_queue queue);
  ~CommandBuffer();
  CommandBuffer(const CommandBuffer&) = delete;
  CommandBuffer& operator=(const CommandBuffer&) = delete;

  // Records a kernel launch (its arguments as bound now) that starts after the commands of `after` finished;
  // `local` null: the driver picks the work-group size. Returns its sync point.
  cl_sync_point_khr AddKernel(cl_kernel kernel, cl_uint dims, const std::size_t* global, const std::size_t* local,
                              const std::vector<cl_sync_point_khr>& after);
  void Finalize();
  // One replay on the queue. Where the driver does not allow a command buffer to be enqueued while a replay is still
  // pending (no simultaneous use), first waits on the host for the previous replay.
  void Enqueue();

  std::size_t commands() const { return commands_; }
  bool simultaneous_use() const { return simultaneous_; }
  const std::string& version() const { return version_; }  // the extension's version as the driver reports it

  struct Entry;  // a device's entry points and capabilities (command_buffer.cc)

 private:
  const Entry* fn_ = nullptr;
  cl_command_queue queue_ = nullptr;
  cl_command_buffer_khr buffer_ = nullptr;
  cl_event last_replay_ = nullptr;
  std::size_t commands_ = 0;
  bool simultaneous_ = false;
  std::string version_;
};

}  // namespace joulebench::cl
