// Builds fake powercap trees (the files the kernel's intel-rapl driver exposes) under a temporary sysfs root.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

namespace joulebench::testing {

inline void WriteFile(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << text << "\n";
}

// A zone folder with name, energy_uj and max_energy_range_uj.
inline void AddZone(const std::filesystem::path& sysfs, const std::string& id, const std::string& name,
                    unsigned long long energy_uj, unsigned long long range_uj = 262143328850ull) {
  const auto dir = sysfs / "class" / "powercap" / id;
  WriteFile(dir / "name", name);
  WriteFile(dir / "energy_uj", std::to_string(energy_uj));
  WriteFile(dir / "max_energy_range_uj", std::to_string(range_uj));
}

inline void SetEnergy(const std::filesystem::path& sysfs, const std::string& id, unsigned long long energy_uj) {
  WriteFile(sysfs / "class" / "powercap" / id / "energy_uj", std::to_string(energy_uj));
}

// Two sockets (core/uncore/dram under package-0, core under package-1), psys, and an MMIO zone repeating package-0.
inline void TwoSocketServer(const std::filesystem::path& sysfs) {
  AddZone(sysfs, "intel-rapl:0", "package-0", 1000000);
  AddZone(sysfs, "intel-rapl:0:0", "core", 500000);
  AddZone(sysfs, "intel-rapl:0:1", "uncore", 100000);
  AddZone(sysfs, "intel-rapl:0:2", "dram", 300000, 65532610987ull);
  AddZone(sysfs, "intel-rapl:1", "package-1", 2000000);
  AddZone(sysfs, "intel-rapl:1:0", "core", 700000);
  AddZone(sysfs, "intel-rapl:2", "psys", 9000000);
  AddZone(sysfs, "intel-rapl-mmio:0", "package-0", 1000000);
}

}  // namespace joulebench::testing
