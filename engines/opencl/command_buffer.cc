// cl_khr_command_buffer (command_buffer.h): the platform's entry points, looked up once per platform, and the RAII
// command buffer that opencl-optimized records its plan into (command_buffer=on|auto).
#include "engines/opencl/command_buffer.h"

#include <map>
#include <mutex>

#include <fmt/format.h>

#include "harness/common/errors.h"

namespace joulebench::cl {

struct CommandBuffer::Entry {
  clCreateCommandBufferKHR_fn create = nullptr;
  clCommandNDRangeKernelKHR_fn kernel = nullptr;
  clFinalizeCommandBufferKHR_fn finalize = nullptr;
  clEnqueueCommandBufferKHR_fn enqueue = nullptr;
  clReleaseCommandBufferKHR_fn release = nullptr;
  cl_device_command_buffer_capabilities_khr capabilities = 0;
  std::string version, unavailable;
};

namespace {

std::string DeviceExtensions(cl_device_id device) {
  std::size_t size = 0;
  if (clGetDeviceInfo(device, CL_DEVICE_EXTENSIONS, 0, nullptr, &size) != CL_SUCCESS || size == 0) return "";
  std::string s(size, '\0');
  clGetDeviceInfo(device, CL_DEVICE_EXTENSIONS, size, s.data(), nullptr);
  return s;
}

// The extension's version from CL_DEVICE_EXTENSIONS_WITH_VERSION (an OpenCL 3.0 query; cl_runtime.h targets 1.2,
// so its constant and record are spelled out here), else "unknown".
std::string ExtensionVersion(cl_device_id device) {
  constexpr cl_device_info kExtensionsWithVersion = 0x1060;
  struct NameVersion {
    cl_uint version;
    char name[64];
  };
  std::size_t size = 0;
  if (clGetDeviceInfo(device, kExtensionsWithVersion, 0, nullptr, &size) != CL_SUCCESS) return "unknown";
  std::vector<NameVersion> list(size / sizeof(NameVersion));
  if (list.empty() || clGetDeviceInfo(device, kExtensionsWithVersion, list.size() * sizeof(NameVersion), list.data(),
                                      nullptr) != CL_SUCCESS) {
    return "unknown";
  }
  for (const auto& e : list) {
    if (std::string(e.name) == CL_KHR_COMMAND_BUFFER_EXTENSION_NAME) {
      return fmt::format("{}.{}.{}", e.version >> 22, (e.version >> 12) & 0x3ff, e.version & 0xfff);
    }
  }
  return "unknown";
}

std::mutex entries_mutex;
std::map<cl_device_id, CommandBuffer::Entry> entries;  // by device, looked up once

const CommandBuffer::Entry& Lookup(cl_device_id device) {
  std::lock_guard<std::mutex> lock(entries_mutex);
  auto [it, fresh] = entries.try_emplace(device);
  CommandBuffer::Entry& e = it->second;
  if (!fresh) return e;
  const std::string extensions = " " + DeviceExtensions(device) + " ";
  if (extensions.find(" " CL_KHR_COMMAND_BUFFER_EXTENSION_NAME " ") == std::string::npos) {
    e.unavailable = "the device's OpenCL driver does not offer cl_khr_command_buffer";
    return e;
  }
  e.version = ExtensionVersion(device);
  cl_platform_id platform = nullptr;
  clGetDeviceInfo(device, CL_DEVICE_PLATFORM, sizeof platform, &platform, nullptr);
  auto get = [platform](const char* name) { return clGetExtensionFunctionAddressForPlatform(platform, name); };
  e.create = reinterpret_cast<clCreateCommandBufferKHR_fn>(get("clCreateCommandBufferKHR"));
  e.kernel = reinterpret_cast<clCommandNDRangeKernelKHR_fn>(get("clCommandNDRangeKernelKHR"));
  e.finalize = reinterpret_cast<clFinalizeCommandBufferKHR_fn>(get("clFinalizeCommandBufferKHR"));
  e.enqueue = reinterpret_cast<clEnqueueCommandBufferKHR_fn>(get("clEnqueueCommandBufferKHR"));
  e.release = reinterpret_cast<clReleaseCommandBufferKHR_fn>(get("clReleaseCommandBufferKHR"));
  if (!e.create || !e.kernel || !e.finalize || !e.enqueue || !e.release) {
    e.unavailable = fmt::format("the driver lists cl_khr_command_buffer {} but returns no address for some of its "
                                "functions (clGetExtensionFunctionAddressForPlatform)",
                                e.version);
    return e;
  }
  clGetDeviceInfo(device, CL_DEVICE_COMMAND_BUFFER_CAPABILITIES_KHR, sizeof e.capabilities, &e.capabilities, nullptr);
  return e;
}

}  // namespace

std::string CommandBuffer::Unavailable(cl_device_id device) { return Lookup(device).unavailable; }

CommandBuffer::CommandBuffer(cl_device_id device, cl_command_queue queue) : fn_(&Lookup(device)), queue_(queue) {
  if (!fn_->unavailable.empty()) throw EnvironmentError("command buffer: " + fn_->unavailable);
  version_ = fn_->version;
  simultaneous_ = (fn_->capabilities & CL_COMMAND_BUFFER_CAPABILITY_SIMULTANEOUS_USE_KHR) != 0;
  const cl_command_buffer_properties_khr props[] = {CL_COMMAND_BUFFER_FLAGS_KHR,
                                                    static_cast<cl_command_buffer_properties_khr>(simultaneous_ ? CL_COMMAND_BUFFER_SIMULTANEOUS_USE_KHR : 0), 0};
  cl_int err = CL_SUCCESS;
  buffer_ = fn_->create(1, &queue_, props, &err);
  Check(err, "clCreateCommandBufferKHR");
}

CommandBuffer::~CommandBuffer() {
  if (last_replay_) {
    clWaitForEvents(1, &last_replay_);
    clReleaseEvent(last_replay_);
  }
  if (buffer_) fn_->release(buffer_);
}

cl_sync_point_khr CommandBuffer::AddKernel(cl_kernel kernel, cl_uint dims, const std::size_t* global,
                                           const std::size_t* local, const std::vector<cl_sync_point_khr>& after) {
  cl_sync_point_khr point = 0;
  Check(fn_->kernel(buffer_, nullptr, nullptr, kernel, dims, nullptr, global, local,
                    static_cast<cl_uint>(after.size()), after.empty() ? nullptr : after.data(), &point, nullptr),
        "clCommandNDRangeKernelKHR");
  ++commands_;
  return point;
}

void CommandBuffer::Finalize() { Check(fn_->finalize(buffer_), "clFinalizeCommandBufferKHR"); }

void CommandBuffer::Enqueue() {
  if (last_replay_) {
    if (!simultaneous_) Check(clWaitForEvents(1, &last_replay_), "clWaitForEvents (command buffer replay)");
    clReleaseEvent(last_replay_);
    last_replay_ = nullptr;
  }
  Check(fn_->enqueue(0, nullptr, buffer_, 0, nullptr, simultaneous_ ? nullptr : &last_replay_),
        "clEnqueueCommandBufferKHR");
}

}  // namespace joulebench::cl
