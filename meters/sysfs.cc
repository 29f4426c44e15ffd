// sysfs helpers: one open/read/close per value (sysfs attributes must be re-opened to refresh).
#include "meters/sysfs.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace joulebench {

std::string SysfsRoot(const std::string& option) {
  if (!option.empty()) return option;
  const char* env = std::getenv("JOULEBENCH_SYSFS_ROOT");
  return env && *env ? env : "/sys";
}

SysfsValue ReadSysfs(const std::string& path) {
  SysfsValue v;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    v.error = errno;
    return v;
  }
  char buf[256];
  const ssize_t n = read(fd, buf, sizeof(buf) - 1);
  const int err = errno;
  close(fd);
  if (n < 0) {
    v.error = err;
    return v;
  }
  std::string s(buf, static_cast<std::size_t>(n));
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  v.text = s;
  return v;
}

}  // namespace joulebench
