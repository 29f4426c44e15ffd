// OpenCL discovery: platforms and devices through the ICD loader, and a diagnosis of vendor OpenCL libraries
// that are installed but not registered in an ICD file (e.g. the NVIDIA driver in many containers).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace joulebench {

struct OpenClDevice {
  std::string platform, platform_version;
  std::string name, vendor, type, version, driver_version, opencl_c_version;
  std::uint32_t compute_units = 0, max_clock_mhz = 0;
  std::uint64_t global_mem_bytes = 0;
  std::vector<std::string> extensions;
};

// Every device of every platform; `error` receives a reason when the loader finds no platform at all.
std::vector<OpenClDevice> ListOpenClDevices(std::string* error);

struct IcdDiagnosis {
  std::string vendors_dir;                 // where the loader looks ($OCL_ICD_VENDORS or /etc/OpenCL/vendors)
  std::vector<std::string> icd_files;      // "file -> library"
  std::vector<std::string> unregistered;   // vendor libraries present on disk that no ICD file names
};

IcdDiagnosis DiagnoseIcds();

// When unregistered vendor libraries exist and OCL_ICD_VENDORS is unset, writes a private vendors folder with the
// system's ICD files plus one per missing library and points OCL_ICD_VENDORS at it (before any OpenCL call).
// Returns a note describing what it did, or "" when nothing was needed. JOULEBENCH_NO_ICD_FIX=1 disables it.
std::string RegisterMissingIcds();

}  // namespace joulebench
