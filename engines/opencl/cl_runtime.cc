// OpenCL runtime implementation: selection, checked handles, the program-binary cache.
#include "engines/opencl/cl_runtime.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include <fmt/format.h>

#include "engines/opencl/opencl_platforms.h"
#include "harness/common/errors.h"

namespace joulebench::cl {
namespace fs = std::filesystem;

const char* ErrorName(cl_int code) {
  switch (code) {
#define JB_CASE(x) \
  case x:          \
    return #x;
    JB_CASE(CL_SUCCESS) JB_CASE(CL_DEVICE_NOT_FOUND) JB_CASE(CL_DEVICE_NOT_AVAILABLE)
    JB_CASE(CL_COMPILER_NOT_AVAILABLE) JB_CASE(CL_MEM_OBJECT_ALLOCATION_FAILURE) JB_CASE(CL_OUT_OF_RESOURCES)
    JB_CASE(CL_OUT_OF_HOST_MEMORY) JB_CASE(CL_BUILD_PROGRAM_FAILURE) JB_CASE(CL_INVALID_VALUE)
    JB_CASE(CL_INVALID_DEVICE) JB_CASE(CL_INVALID_CONTEXT) JB_CASE(CL_INVALID_COMMAND_QUEUE)
    JB_CASE(CL_INVALID_MEM_OBJECT) JB_CASE(CL_INVALID_BINARY) JB_CASE(CL_INVALID_BUILD_OPTIONS)
    JB_CASE(CL_INVALID_PROGRAM) JB_CASE(CL_INVALID_KERNEL_NAME) JB_CASE(CL_INVALID_KERNEL)
    JB_CASE(CL_INVALID_ARG_INDEX) JB_CASE(CL_INVALID_ARG_VALUE) JB_CASE(CL_INVALID_ARG_SIZE)
    JB_CASE(CL_INVALID_KERNEL_ARGS) JB_CASE(CL_INVALID_WORK_DIMENSION) JB_CASE(CL_INVALID_WORK_GROUP_SIZE)
    JB_CASE(CL_INVALID_WORK_ITEM_SIZE) JB_CASE(CL_INVALID_GLOBAL_OFFSET) JB_CASE(CL_INVALID_EVENT)
    JB_CASE(CL_INVALID_BUFFER_SIZE) JB_CASE(CL_INVALID_GLOBAL_WORK_SIZE) JB_CASE(CL_MISALIGNED_SUB_BUFFER_OFFSET)
#undef JB_CASE
    default: return "CL_UNKNOWN_ERROR";
  }
}

void Check(cl_int code, const char* site) {
  if (code != CL_SUCCESS) throw EnvironmentError(fmt::format("{}: {} ({})", site, ErrorName(code), code));
}

namespace {
std::string DeviceInfo(cl_device_id d, cl_device_info what) {
  size_t n = 0;
  clGetDeviceInfo(d, what, 0, nullptr, &n);
  std::string s(n, '\0');
  clGetDeviceInfo(d, what, n, s.data(), nullptr);
  while (!s.empty() && (s.back() == '\0' || s.back() == ' ')) s.pop_back();
  return s;
}
}  // namespace

Device::Device(const DeviceChoice& choice) {
  RegisterMissingIcds();
  cl_uint np = 0;
  clGetPlatformIDs(0, nullptr, &np);
  std::vector<cl_platform_id> platforms(np);
  if (np) clGetPlatformIDs(np, platforms.data(), nullptr);
  struct Candidate { cl_platform_id p; cl_device_id d; std::string platform; bool gpu; };
  std::vector<Candidate> all;
  for (auto p : platforms) {
    size_t n = 0;
    clGetPlatformInfo(p, CL_PLATFORM_NAME, 0, nullptr, &n);
    std::string pname(n, '\0');
    clGetPlatformInfo(p, CL_PLATFORM_NAME, n, pname.data(), nullptr);
    while (!pname.empty() && pname.back() == '\0') pname.pop_back();
    cl_uint nd = 0;
    if (clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 0, nullptr, &nd) != CL_SUCCESS) continue;
    std::vector<cl_device_id> ds(nd);
    clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, nd, ds.data(), nullptr);
    for (auto d : ds) {
      cl_device_type t = 0;
      clGetDeviceInfo(d, CL_DEVICE_TYPE, sizeof(t), &t, nullptr);
      all.push_back({p, d, pname, (t & CL_DEVICE_TYPE_GPU) != 0});
    }
  }
  std::stable_sort(all.begin(), all.end(), [](const Candidate& a, const Candidate& b) { return a.gpu > b.gpu; });
  std::vector<Candidate> matching;
  std::string listing;
  for (const auto& c : all) {
    listing += fmt::format("\n  {} \"{}\" on \"{}\"", c.gpu ? "GPU" : "CPU", DeviceInfo(c.d, CL_DEVICE_NAME), c.platform);
    if (choice.type == "gpu" && !c.gpu) continue;
    if (choice.type == "cpu" && c.gpu) continue;
    if (!choice.platform.empty() && c.platform.find(choice.platform) == std::string::npos) continue;
    matching.push_back(c);
  }
  if (choice.index < 0 || static_cast<std::size_t>(choice.index) >= matching.size()) {
    throw EnvironmentError(fmt::format(
        "no OpenCL device matches type \"{}\", platform \"{}\", index {} ({} match); devices here:{}{}", choice.type,
        choice.platform, choice.index, matching.size(), listing.empty() ? " none" : listing,
        listing.empty() ? " (install a GPU driver's ICD, or PoCL for the CPU: apt-get install pocl-opencl-icd; "
                          "joulebench devices explains)"
                        : ""));
  }
  const Candidate& c = matching[static_cast<std::size_t>(choice.index)];
  device_ = c.d;
  platform_ = c.platform;
  name_ = DeviceInfo(device_, CL_DEVICE_NAME);
  driver_ = DeviceInfo(device_, CL_DRIVER_VERSION);
  version_ = DeviceInfo(device_, CL_DEVICE_VERSION);
  type_ = c.gpu ? "GPU" : "CPU";
  clGetDeviceInfo(device_, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof(global_mem_), &global_mem_, nullptr);
  clGetDeviceInfo(device_, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof(max_alloc_), &max_alloc_, nullptr);
  cl_ulong local = 0;
  clGetDeviceInfo(device_, CL_DEVICE_LOCAL_MEM_SIZE, sizeof(local), &local, nullptr);
  local_mem_ = local;
  clGetDeviceInfo(device_, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof(compute_units_), &compute_units_, nullptr);
  cl_int err = CL_SUCCESS;
  context_ = clCreateContext(nullptr, 1, &device_, nullptr, nullptr, &err);
  Check(err, "clCreateContext");
  profiling_ = choice.profiling;
  queue_ = clCreateCommandQueue(context_, device_, profiling_ ? CL_QUEUE_PROFILING_ENABLE : 0, &err);
  Check(err, "clCreateCommandQueue");
}

Device::~Device() {
  if (queue_) clReleaseCommandQueue(queue_);
  if (context_) clReleaseContext(context_);
}

nlohmann::json Device::Facts() const {
  return {{"platform", platform_}, {"device", name_},          {"type", type_},
          {"driver", driver_},     {"version", version_},      {"compute_units", compute_units_},
          {"global_memory_bytes", global_mem_}, {"profiling_queue", profiling_}};
}

Buffer::Buffer(Device& device, std::size_t bytes) : bytes_(bytes) {
  if (bytes > device.max_allocation()) {
    throw EnvironmentError(fmt::format("a tensor of {:.2f} GiB exceeds the largest buffer {} allows ({:.2f} GiB, "
                                       "CL_DEVICE_MAX_MEM_ALLOC_SIZE); use a smaller batch",
                                       static_cast<double>(bytes) / (1 << 30), device.name(),
                                       static_cast<double>(device.max_allocation()) / (1 << 30)));
  }
  cl_int err = CL_SUCCESS;
  mem_ = clCreateBuffer(device.context(), CL_MEM_READ_WRITE, std::max<std::size_t>(bytes, 4), nullptr, &err);
  if (err != CL_SUCCESS) {
    throw EnvironmentError(fmt::format("clCreateBuffer({} bytes) on {}: {} ({}): the model needs more device memory "
                                       "than is free (device has {:.1f} GiB); try a smaller batch",
                                       bytes, device.name(), ErrorName(err), err,
                                       static_cast<double>(device.global_memory()) / (1 << 30)));
  }
}

Buffer::~Buffer() {
  if (mem_) clReleaseMemObject(mem_);
}

Buffer& Buffer::operator=(Buffer&& o) noexcept {
  if (this != &o) {
    if (mem_) clReleaseMemObject(mem_);
    mem_ = o.mem_;
    bytes_ = o.bytes_;
    o.mem_ = nullptr;
  }
  return *this;
}

void Buffer::Write(Device& device, const void* data, std::size_t bytes) {
  if (bytes == 0) return;
  Check(clEnqueueWriteBuffer(device.queue(), mem_, CL_TRUE, 0, bytes, data, 0, nullptr, nullptr), "clEnqueueWriteBuffer");
}

void Buffer::Read(Device& device, void* data, std::size_t bytes) const {
  if (bytes == 0) return;
  Check(clEnqueueReadBuffer(device.queue(), mem_, CL_TRUE, 0, bytes, data, 0, nullptr, nullptr), "clEnqueueReadBuffer");
}

std::string CacheDir() {
  if (const char* d = std::getenv("JOULEBENCH_CACHE_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/joulebench";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/joulebench";
  return (fs::temp_directory_path() / "joulebench-cache").string();
}

std::string Fnv(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return fmt::format("{:016x}", h);
}

Program::Program(Device& device, const std::string& source, const std::string& options) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::string key = Fnv(source + '\0' + options + '\0' + device.name() + '\0' + device.driver() + '\0' +
                              device.platform());
  const fs::path file = fs::path(CacheDir()) / "programs" / (key + ".bin");
  cl_int err = CL_SUCCESS;
  cl_device_id dev = device.id();
  device_ = dev;
  std::error_code ec;
  if (fs::exists(file, ec)) {
    std::ifstream in(file, std::ios::binary);
    std::string bin((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const unsigned char* ptr = reinterpret_cast<const unsigned char*>(bin.data());
    const size_t size = bin.size();
    cl_int status = CL_SUCCESS;
    program_ = clCreateProgramWithBinary(device.context(), 1, &dev, &size, &ptr, &status, &err);
    if (err == CL_SUCCESS && status == CL_SUCCESS &&
        clBuildProgram(program_, 1, &dev, options.c_str(), nullptr, nullptr) == CL_SUCCESS) {
      from_cache_ = true;
    } else if (program_) {
      clReleaseProgram(program_);
      program_ = nullptr;
    }
  }
  if (!program_) {
    const char* src = source.c_str();
    program_ = clCreateProgramWithSource(device.context(), 1, &src, nullptr, &err);
    Check(err, "clCreateProgramWithSource");
    if (clBuildProgram(program_, 1, &dev, options.c_str(), nullptr, nullptr) != CL_SUCCESS) {
      size_t n = 0;
      clGetProgramBuildInfo(program_, dev, CL_PROGRAM_BUILD_LOG, 0, nullptr, &n);
      std::string log(n, '\0');
      clGetProgramBuildInfo(program_, dev, CL_PROGRAM_BUILD_LOG, n, log.data(), nullptr);
      throw EnvironmentError(fmt::format("OpenCL program build failed on {}: {}", device.name(), log.substr(0, 4000)));
    }
    size_t size = 0;
    if (clGetProgramInfo(program_, CL_PROGRAM_BINARY_SIZES, sizeof(size), &size, nullptr) == CL_SUCCESS && size > 0) {
      std::string bin(size, '\0');
      unsigned char* ptr = reinterpret_cast<unsigned char*>(bin.data());
      if (clGetProgramInfo(program_, CL_PROGRAM_BINARIES, sizeof(ptr), &ptr, nullptr) == CL_SUCCESS) {
        fs::create_directories(file.parent_path(), ec);
        const fs::path tmp = file.string() + ".tmp" + std::to_string(::getpid());
        std::ofstream(tmp, std::ios::binary) << bin;
        fs::rename(tmp, file, ec);  // atomic: concurrent processes never read half a binary
      }
    }
  }
  build_s_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

Program::~Program() {
  for (auto& [name, k] : kernels_) clReleaseKernel(k);
  if (program_) clReleaseProgram(program_);
}

std::size_t Program::MaxWorkGroupSize(const std::string& name) {
  std::size_t most = 0;
  Check(clGetKernelWorkGroupInfo(Kernel(name), device_, CL_KERNEL_WORK_GROUP_SIZE, sizeof most, &most, nullptr),
        "clGetKernelWorkGroupInfo");
  return most;
}

cl_kernel Program::Kernel(const std::string& name) {
  for (auto& [n, k] : kernels_) {
    if (n == name) return k;
  }
  cl_int err = CL_SUCCESS;
  cl_kernel k = clCreateKernel(program_, name.c_str(), &err);
  Check(err, ("clCreateKernel " + name).c_str());
  kernels_.emplace_back(name, k);
  return k;
}

}  // namespace joulebench::cl
