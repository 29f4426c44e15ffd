// The baseline engine's OpenCL C source (one kernel per operator family).
#pragma once

namespace joulebench {
const char* BaselineKernelSource();
}  // namespace joulebench
