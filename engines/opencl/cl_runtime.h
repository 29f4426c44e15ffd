// The OpenCL runtime layer: device selection (type, platform substring, index), RAII handles with checked calls
// and decoded error names, and a program-binary cache so kernels are compiled once per device and driver.
#pragma once

#ifndef CL_TARGET_OPENCL_VERSION  // <clblast.h> may have set it (to the same version)
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace joulebench::cl {

const char* ErrorName(cl_int code);
// Throws EnvironmentError "SITE: CL_OUT_OF_RESOURCES (-5)" unless code is CL_SUCCESS.
void Check(cl_int code, const char* site);

struct DeviceChoice {
  std::string type = "any";  // any | gpu | cpu
  std::string platform;      // substring of the platform name
  std::int64_t index = 0;
  // The queue records start and end times of every command (clGetEventProfilingInfo): needed only to time kernels
  // on the device clock; it costs host time per launch (~0.8 us on the H100's driver), so inference runs without.
  bool profiling = false;
};

// One device with its context and an in-order queue (profiling as chosen). Owns the handles.
class Device {
 public:
  // Picks per `choice` (GPUs first for "any"). Throws EnvironmentError listing what exists when nothing matches.
  explicit Device(const DeviceChoice& choice);
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  cl_context context() const { return context_; }
  cl_command_queue queue() const { return queue_; }
  cl_command_queue* queue_ptr() { return &queue_; }
  cl_device_id id() const { return device_; }
  const std::string& name() const { return name_; }
  const std::string& driver() const { return driver_; }
  const std::string& platform() const { return platform_; }
  bool is_gpu() const { return type_ == "GPU"; }
  bool profiling() const { return profiling_; }
  std::uint64_t global_memory() const { return global_mem_; }
  std::uint64_t max_allocation() const { return max_alloc_; }
  std::uint64_t local_memory_bytes() const { return local_mem_; }  // per work-group
  std::uint32_t compute_units() const { return compute_units_; }
  nlohmann::json Facts() const;  // stored with each run

 private:
  cl_device_id device_ = nullptr;
  cl_context context_ = nullptr;
  cl_command_queue queue_ = nullptr;
  std::string name_, driver_, platform_, type_, version_;
  std::uint64_t global_mem_ = 0, max_alloc_ = 0, local_mem_ = 0;
  std::uint32_t compute_units_ = 0;
  bool profiling_ = false;
};

// A device buffer. Move-only.
class Buffer {
 public:
  Buffer() = default;
  Buffer(Device& device, std::size_t bytes);
  ~Buffer();
  Buffer(Buffer&& o) noexcept : mem_(o.mem_), bytes_(o.bytes_) { o.mem_ = nullptr; }
  Buffer& operator=(Buffer&& o) noexcept;
  Buffer(const Buffer&) = delete;
  cl_mem mem() const { return mem_; }
  std::size_t bytes() const { return bytes_; }
  void Write(Device& device, const void* data, std::size_t bytes);
  void Read(Device& device, void* data, std::size_t bytes) const;

 private:
  cl_mem mem_ = nullptr;
  std::size_t bytes_ = 0;
};

// A built program; binaries are cached on disk keyed by source, options, device and driver.
class Program {
 public:
  Program(Device& device, const std::string& source, const std::string& options);
  ~Program();
  Program(const Program&) = delete;
  cl_kernel Kernel(const std::string& name);  // created once per name, owned by the program
  // The most work-items per work-group the device runs of kernel `name` as compiled (CL_KERNEL_WORK_GROUP_SIZE:
  // below the device's limit when the kernel needs many registers).
  std::size_t MaxWorkGroupSize(const std::string& name);
  bool from_cache() const { return from_cache_; }
  double build_seconds() const { return build_s_; }

 private:
  cl_program program_ = nullptr;
  cl_device_id device_ = nullptr;
  std::vector<std::pair<std::string, cl_kernel>> kernels_;
  bool from_cache_ = false;
  double build_s_ = 0;
};

// 64-bit FNV-1a of `s` as 16 hex digits (cache keys and checksums).
std::string Fnv(const std::string& s);

// $JOULEBENCH_CACHE_DIR, else $XDG_CACHE_HOME/joulebench, else ~/.cache/joulebench.
std::string CacheDir();

}  // namespace joulebench::cl
