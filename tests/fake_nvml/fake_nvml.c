/* A fake libnvidia-ml.so for tests: the NVML functions joulebench loads, with scripted behaviour set through the
 * environment. FAKE_NVML_MODE: ok (default), init_fail, no_counter, lost_after=N (the energy counter fails with
 * GPU_IS_LOST after N successful reads). FAKE_NVML_GPUS: GPU count (default 1). FAKE_NVML_WATTS: constant power
 * (default 200). The energy counter ticks every 100 ms like an H100's; instant and averaged power read the power. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct nvmlDevice_st* nvmlDevice_t;
typedef union { double d; unsigned int ui; unsigned long ul; unsigned long long ull; long long sll; int si; unsigned short us; } nvmlValue_t;
typedef struct { unsigned int fieldId; unsigned int scopeId; long long timestamp; long long latencyUsec; int valueType; int nvmlReturn; nvmlValue_t value; } nvmlFieldValue_t;

static struct nvmlDevice_st { int index; } g_devices[8];
static double g_t0;
static long g_energy_reads;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}
static const char* mode(void) { const char* m = getenv("FAKE_NVML_MODE"); return m ? m : "ok"; }
static unsigned gpus(void) { const char* g = getenv("FAKE_NVML_GPUS"); return g ? (unsigned)atoi(g) : 1; }
static double watts(void) { const char* w = getenv("FAKE_NVML_WATTS"); return w ? atof(w) : 200.0; }

int nvmlInit_v2(void) {
  if (strcmp(mode(), "init_fail") == 0) return 9; /* NVML_ERROR_DRIVER_NOT_LOADED */
  g_t0 = now_s();
  g_energy_reads = 0;
  return 0;
}
int nvmlShutdown(void) { return 0; }
const char* nvmlErrorString(int r) {
  switch (r) {
    case 3: return "Not Supported";
    case 9: return "Driver Not Loaded";
    case 15: return "GPU is lost";
    default: return "Unknown Error";
  }
}
int nvmlDeviceGetCount_v2(unsigned* n) { *n = gpus(); return 0; }
int nvmlDeviceGetHandleByIndex_v2(unsigned i, nvmlDevice_t* d) {
  if (i >= gpus() || i >= 8) return 2;
  g_devices[i].index = (int)i;
  *d = &g_devices[i];
  return 0;
}
int nvmlDeviceGetName(nvmlDevice_t d, char* buf, unsigned n) { snprintf(buf, n, "Fake H100 %d", d->index); return 0; }
int nvmlDeviceGetUUID(nvmlDevice_t d, char* buf, unsigned n) { snprintf(buf, n, "GPU-fake-%d", d->index); return 0; }
int nvmlSystemGetDriverVersion(char* buf, unsigned n) { snprintf(buf, n, "fake-580.00"); return 0; }
int nvmlSystemGetNVMLVersion(char* buf, unsigned n) { snprintf(buf, n, "13.fake"); return 0; }
int nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t d, unsigned long long* mj) {
  (void)d;
  if (strcmp(mode(), "no_counter") == 0) return 3;
  if (strncmp(mode(), "lost_after=", 11) == 0 && g_energy_reads >= atol(mode() + 11)) return 15;
  if (strncmp(mode(), "lost_at=", 8) == 0 && now_s() - g_t0 >= atof(mode() + 8)) return 15;
  ++g_energy_reads;
  const double ticks = (double)(long)((now_s() - g_t0) / 0.1); /* whole 100 ms ticks since init */
  *mj = 1000000ull + (unsigned long long)(ticks * 0.1 * watts() * 1000.0);
  return 0;
}
int nvmlDeviceGetPowerUsage(nvmlDevice_t d, unsigned* mw) { (void)d; *mw = (unsigned)(watts() * 1000); return 0; }
int nvmlDeviceGetFieldValues(nvmlDevice_t d, int count, nvmlFieldValue_t* v) {
  (void)d;
  for (int i = 0; i < count; ++i) {
    v[i].valueType = 1;
    v[i].nvmlReturn = v[i].fieldId == 186 ? 0 : 3;
    v[i].value.ui = (unsigned)(watts() * 1000);
  }
  return 0;
}
int nvmlDeviceGetClockInfo(nvmlDevice_t d, int type, unsigned* mhz) { (void)d; *mhz = type == 1 ? 1980 : 2619; return 0; }
int nvmlDeviceGetTemperature(nvmlDevice_t d, int s, unsigned* c) { (void)d; (void)s; *c = 45; return 0; }
int nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t d, unsigned* mw) { (void)d; *mw = 700000; return 0; }
int nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t d, unsigned long long* r) {
  (void)d;
  const char* t = getenv("FAKE_NVML_THROTTLE"); /* e.g. 0x40: hw thermal slowdown */
  *r = t ? strtoull(t, NULL, 0) : 0x1;         /* default: gpu idle, not a throttle */
  return 0;
}
