// The few NVML declarations joulebench uses (nvml.h is not packaged in Debian), and a table of function pointers
// filled by dlopen/dlsym, so the real library and a test's fake library go through the same path.
#pragma once

#include <string>

namespace joulebench::nvml {

using Return = int;  // nvmlReturn_t
using Device = struct nvmlDevice_st*;

constexpr Return kSuccess = 0;
constexpr Return kErrorNotSupported = 3;
constexpr Return kErrorGpuIsLost = 15;
constexpr unsigned kFieldPowerAverage = 185;  // NVML_FI_DEV_POWER_AVERAGE
constexpr unsigned kFieldPowerInstant = 186;  // NVML_FI_DEV_POWER_INSTANT
constexpr int kClockSm = 1, kClockMem = 2;    // nvmlClockType_t
constexpr int kTemperatureGpu = 0;            // nvmlTemperatureSensors_t

union Value {
  double d;
  unsigned int ui;
  unsigned long ul;
  unsigned long long ull;
  long long sll;
  int si;
  unsigned short us;
};

// nvmlFieldValue_t
struct FieldValue {
  unsigned int field_id;
  unsigned int scope_id;
  long long timestamp;
  long long latency_usec;
  int value_type;  // 0 double, 1 uint, 2 ulong, 3 ulonglong, 4 slonglong, 5 sint, 6 ushort
  Return nvml_return;
  Value value;
};

struct Api {
  void* handle = nullptr;
  Return (*Init)() = nullptr;  // nvmlInit_v2
  Return (*Shutdown)() = nullptr;
  const char* (*ErrorString)(Return) = nullptr;
  Return (*DeviceGetCount)(unsigned*) = nullptr;                        // _v2
  Return (*DeviceGetHandleByIndex)(unsigned, Device*) = nullptr;        // _v2
  Return (*DeviceGetName)(Device, char*, unsigned) = nullptr;
  Return (*DeviceGetUUID)(Device, char*, unsigned) = nullptr;
  Return (*DeviceGetTotalEnergyConsumption)(Device, unsigned long long*) = nullptr;  // mJ
  Return (*DeviceGetPowerUsage)(Device, unsigned*) = nullptr;                         // mW
  Return (*DeviceGetFieldValues)(Device, int, FieldValue*) = nullptr;
  Return (*SystemGetDriverVersion)(char*, unsigned) = nullptr;
  Return (*SystemGetNVMLVersion)(char*, unsigned) = nullptr;
  Return (*DeviceGetClockInfo)(Device, int, unsigned*) = nullptr;
  Return (*DeviceGetTemperature)(Device, int, unsigned*) = nullptr;
  Return (*DeviceGetEnforcedPowerLimit)(Device, unsigned*) = nullptr;  // mW
  Return (*DeviceGetCurrentClocksThrottleReasons)(Device, unsigned long long*) = nullptr;

  // Loads `library` and resolves the table. Returns "" on success, else why (with the fix).
  std::string Load(const std::string& library);
  void Unload();
  std::string Error(Return r) const;
};

}  // namespace joulebench::nvml
