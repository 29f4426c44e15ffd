// Reading small sysfs files (powercap, hwmon) with errno kept, so callers can tell "permission denied" from
// "gone" and say which file. The sysfs root is configurable so tests and users can point at fixture trees.
#pragma once

#include <optional>
#include <string>

namespace joulebench {

// The folder standing for /sys: `option` if set, else $JOULEBENCH_SYSFS_ROOT, else "/sys".
std::string SysfsRoot(const std::string& option);

struct SysfsValue {
  std::optional<std::string> text;  // trimmed content, when read
  int error = 0;                    // errno when not read
};

SysfsValue ReadSysfs(const std::string& path);

}  // namespace joulebench
