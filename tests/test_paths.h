// Paths the tests need, injected by CMake: the source tree and the joulebench binary under test.
#pragma once

#include <string>

namespace joulebench::testing {
inline const std::string kSourceDir = JOULEBENCH_SOURCE_DIR;
inline const std::string kBinary = JOULEBENCH_BINARY;
}  // namespace joulebench::testing
