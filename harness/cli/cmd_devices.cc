// `joulebench devices`: OpenCL platforms and devices, and why a driver's OpenCL is not visible when it is not.
#include <iostream>

#include <fmt/format.h>

#include "engines/opencl/opencl_platforms.h"
#include "harness/cli/commands.h"
#include "harness/common/errors.h"

namespace joulebench {

std::vector<Command> AddDevicesCommand(CLI::App& parent) {
  auto verbose = std::make_shared<bool>(false);
  CLI::App* cmd = parent.add_subcommand("devices", "List OpenCL platforms and devices, and explain missing ones");
  cmd->add_flag("-v,--verbose", *verbose, "Also list each device's extensions");
  return {{cmd, [verbose] {
             const IcdDiagnosis before = DiagnoseIcds();
             const std::string fix = RegisterMissingIcds();
             std::string error;
             const auto devices = ListOpenClDevices(&error);
             std::cout << fmt::format("ICD folder: {}\n", before.vendors_dir);
             for (const auto& f : before.icd_files) std::cout << "  " << f << "\n";
             if (before.icd_files.empty()) std::cout << "  (no .icd files)\n";
             for (const auto& u : before.unregistered) {
               std::cout << fmt::format(
                   "note: {} is installed but no ICD file names it, so OpenCL applications cannot see it.\n"
                   "      Register it system-wide:  echo {} > /etc/OpenCL/vendors/{}.icd\n"
                   "      or for one shell:         mkdir -p /tmp/icd && cp {}/*.icd /tmp/icd/ 2>/dev/null; "
                   "echo {} > /tmp/icd/extra.icd; export OCL_ICD_VENDORS=/tmp/icd\n",
                   u, u.substr(0, u.find(' ')), std::filesystem::path(u.substr(0, u.find(' '))).stem().string(),
                   before.vendors_dir, u.substr(0, u.find(' ')));
             }
             if (!fix.empty()) std::cout << "joulebench " << fix << "\n";
             if (devices.empty()) {
               std::cout << "no OpenCL device: " << error
                         << ". Install a driver's ICD (GPU), or PoCL for the CPU: apt-get install pocl-opencl-icd\n";
               return static_cast<int>(ExitCode::kEnvironment);
             }
             std::string platform;
             int index = 0;
             for (const auto& d : devices) {
               if (d.platform != platform) {
                 platform = d.platform;
                 index = 0;
                 std::cout << fmt::format("\nplatform \"{}\" ({})\n", d.platform, d.platform_version);
               }
               std::cout << fmt::format(
                   "  [{}] {} {} · {} compute units · {} MHz · {:.1f} GiB · {} · driver {} · {}\n", index++, d.type,
                   d.name, d.compute_units, d.max_clock_mhz, static_cast<double>(d.global_mem_bytes) / (1 << 30),
                   d.version, d.driver_version, d.opencl_c_version);
               const auto has = [&](const char* ext) {
                 return std::find(d.extensions.begin(), d.extensions.end(), ext) != d.extensions.end();
               };
               std::cout << fmt::format("      fp16 arithmetic (cl_khr_fp16): {} · fp64: {}\n",
                                        has("cl_khr_fp16") ? "yes" : "no (fp16 storage only)",
                                        has("cl_khr_fp64") ? "yes" : "no");
               if (*verbose) std::cout << "      extensions: " << fmt::format("{}", fmt::join(d.extensions, " "))
                                       << "\n";
             }
             return 0;
           }}};
}

}  // namespace joulebench
