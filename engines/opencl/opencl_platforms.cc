// OpenCL discovery and ICD diagnosis (ocl-icd semantics: OCL_ICD_VENDORS names a folder of *.icd files).
#include "engines/opencl/opencl_platforms.h"

#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <CL/cl_ext.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace joulebench {
namespace fs = std::filesystem;
namespace {

std::string DeviceString(cl_device_id d, cl_device_info what) {
  size_t n = 0;
  if (clGetDeviceInfo(d, what, 0, nullptr, &n) != CL_SUCCESS || n == 0) return "";
  std::string s(n, '\0');
  clGetDeviceInfo(d, what, n, s.data(), nullptr);
  while (!s.empty() && (s.back() == '\0' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string PlatformString(cl_platform_id p, cl_platform_info what) {
  size_t n = 0;
  if (clGetPlatformInfo(p, what, 0, nullptr, &n) != CL_SUCCESS || n == 0) return "";
  std::string s(n, '\0');
  clGetPlatformInfo(p, what, n, s.data(), nullptr);
  while (!s.empty() && (s.back() == '\0' || s.back() == ' ')) s.pop_back();
  return s;
}

template <typename T>
T DeviceValue(cl_device_id d, cl_device_info what) {
  T v{};
  clGetDeviceInfo(d, what, sizeof(T), &v, nullptr);
  return v;
}

std::string TypeName(cl_device_type t) {
  if (t & CL_DEVICE_TYPE_GPU) return "GPU";
  if (t & CL_DEVICE_TYPE_ACCELERATOR) return "accelerator";
  if (t & CL_DEVICE_TYPE_CPU) return "CPU";
  return "other";
}

// Vendor OpenCL libraries as drivers install them, by vendor.
const std::vector<std::pair<std::string, std::string>>& KnownVendorLibraries() {
  static const std::vector<std::pair<std::string, std::string>> libs = {
      {"NVIDIA", "libnvidia-opencl.so.1"}, {"AMD ROCm", "libamdocl64.so"}, {"Intel", "libigdrcl.so"}};
  return libs;
}

const std::vector<std::string>& LibraryDirs() {
  static const std::vector<std::string> dirs = {"/usr/lib",          "/usr/lib64",          "/usr/lib/x86_64-linux-gnu",
                                                "/usr/local/nvidia/lib64", "/usr/local/nvidia/lib", "/opt/rocm/lib",
                                                "/usr/lib/aarch64-linux-gnu"};
  return dirs;
}

}  // namespace

std::vector<OpenClDevice> ListOpenClDevices(std::string* error) {
  std::vector<OpenClDevice> out;
  cl_uint np = 0;
  cl_int rc = clGetPlatformIDs(0, nullptr, &np);
  if (rc != CL_SUCCESS || np == 0) {
    if (error) {
      *error = rc == CL_PLATFORM_NOT_FOUND_KHR || np == 0
                   ? "the OpenCL ICD loader found no platform (no registered driver)"
                   : fmt::format("clGetPlatformIDs failed with error {}", rc);
    }
    return out;
  }
  std::vector<cl_platform_id> platforms(np);
  clGetPlatformIDs(np, platforms.data(), nullptr);
  for (auto p : platforms) {
    cl_uint nd = 0;
    if (clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 0, nullptr, &nd) != CL_SUCCESS || nd == 0) continue;
    std::vector<cl_device_id> devices(nd);
    clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, nd, devices.data(), nullptr);
    for (auto d : devices) {
      OpenClDevice dev;
      dev.platform = PlatformString(p, CL_PLATFORM_NAME);
      dev.platform_version = PlatformString(p, CL_PLATFORM_VERSION);
      dev.name = DeviceString(d, CL_DEVICE_NAME);
      dev.vendor = DeviceString(d, CL_DEVICE_VENDOR);
      dev.type = TypeName(DeviceValue<cl_device_type>(d, CL_DEVICE_TYPE));
      dev.version = DeviceString(d, CL_DEVICE_VERSION);
      dev.driver_version = DeviceString(d, CL_DRIVER_VERSION);
      dev.opencl_c_version = DeviceString(d, CL_DEVICE_OPENCL_C_VERSION);
      dev.compute_units = DeviceValue<cl_uint>(d, CL_DEVICE_MAX_COMPUTE_UNITS);
      dev.max_clock_mhz = DeviceValue<cl_uint>(d, CL_DEVICE_MAX_CLOCK_FREQUENCY);
      dev.global_mem_bytes = DeviceValue<cl_ulong>(d, CL_DEVICE_GLOBAL_MEM_SIZE);
      std::istringstream ext(DeviceString(d, CL_DEVICE_EXTENSIONS));
      for (std::string e; ext >> e;) dev.extensions.push_back(e);
      out.push_back(std::move(dev));
    }
  }
  return out;
}

IcdDiagnosis DiagnoseIcds() {
  IcdDiagnosis dx;
  const char* env = std::getenv("OCL_ICD_VENDORS");
  dx.vendors_dir = env && *env ? env : "/etc/OpenCL/vendors";
  std::vector<std::string> registered;
  std::error_code ec;
  if (fs::is_directory(dx.vendors_dir, ec)) {
    for (const auto& entry : fs::directory_iterator(dx.vendors_dir, ec)) {
      if (entry.path().extension() != ".icd") continue;
      std::ifstream in(entry.path());
      std::string lib;
      std::getline(in, lib);
      dx.icd_files.push_back(entry.path().filename().string() + " -> " + lib);
      registered.push_back(fs::path(lib).filename().string());
    }
  }
  for (const auto& [vendor, lib] : KnownVendorLibraries()) {
    bool is_registered = false;
    for (const auto& r : registered) is_registered |= r == lib;
    if (is_registered) continue;
    for (const auto& dir : LibraryDirs()) {
      const fs::path candidate = fs::path(dir) / lib;
      if (fs::exists(candidate, ec)) {
        dx.unregistered.push_back(candidate.string() + " (" + vendor + ")");
        break;
      }
    }
  }
  return dx;
}

std::string RegisterMissingIcds() {
  const char* off = std::getenv("JOULEBENCH_NO_ICD_FIX");
  if ((off && std::string(off) == "1") || std::getenv("OCL_ICD_VENDORS")) return "";
  IcdDiagnosis dx = DiagnoseIcds();
  if (dx.unregistered.empty()) return "";
  std::error_code ec;
  const fs::path dir = fs::temp_directory_path(ec) / fmt::format("joulebench-icd-{}", getuid());
  fs::create_directories(dir, ec);
  if (ec) return "";
  if (fs::is_directory(dx.vendors_dir, ec)) {
    for (const auto& entry : fs::directory_iterator(dx.vendors_dir, ec)) {
      if (entry.path().extension() == ".icd") {
        fs::copy_file(entry.path(), dir / entry.path().filename(), fs::copy_options::overwrite_existing, ec);
      }
    }
  }
  std::string libs;
  for (const auto& u : dx.unregistered) {
    const std::string path = u.substr(0, u.find(' '));
    std::ofstream(dir / (fs::path(path).stem().string() + ".icd")) << path << "\n";
    libs += (libs.empty() ? "" : ", ") + u;
  }
  setenv("OCL_ICD_VENDORS", dir.c_str(), 1);
  return fmt::format("registered {} for this process through OCL_ICD_VENDORS={} (no ICD file in {} named it; "
                     "JOULEBENCH_NO_ICD_FIX=1 turns this off)",
                     libs, dir.string(), dx.vendors_dir);
}

}  // namespace joulebench
