// Facts about the machine stored with every run (CPU, OS, host, build), read from /proc and uname.
#pragma once

#include <map>
#include <string>

namespace joulebench {

std::map<std::string, std::string> CollectEnvironment();
std::string HostName();

}  // namespace joulebench
