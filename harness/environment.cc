// Environment collection: /proc/cpuinfo, /etc/os-release, uname(2), sysconf.
#include "harness/environment.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "harness/common/version.h"

namespace joulebench {
namespace {
std::string FirstValue(const std::string& path, const std::string& key, char sep) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) != 0) continue;
    auto pos = line.find(sep);
    if (pos == std::string::npos) continue;
    std::string v = line.substr(pos + 1);
    v.erase(0, v.find_first_not_of(" \t\""));
    while (!v.empty() && (v.back() == '"' || v.back() == ' ')) v.pop_back();
    return v;
  }
  return "";
}
}  // namespace

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "unknown";
  return buf;
}

std::map<std::string, std::string> CollectEnvironment() {
  std::map<std::string, std::string> env;
  env["host.name"] = HostName();
  env["cpu.model"] = FirstValue("/proc/cpuinfo", "model name", ':');
  env["cpu.logical_cores"] = std::to_string(std::thread::hardware_concurrency());
  env["os.release"] = FirstValue("/etc/os-release", "PRETTY_NAME", '=');
  utsname u{};
  if (uname(&u) == 0) {
    env["os.kernel"] = std::string(u.sysname) + " " + u.release;
    env["cpu.arch"] = u.machine;
  }
  env["joulebench.version"] = kVersion;
  env["joulebench.git_revision"] = kGitRevision;
#if defined(__VERSION__)
  env["joulebench.compiler"] = __VERSION__;
#endif
  return env;
}

}  // namespace joulebench
