// Probe (session 19): does the OpenCL driver offer cl_khr_command_buffer, and does replaying a recorded chain of
// dependent kernels cost less per launch than enqueueing them one by one? Prints every GPU device's command-buffer
// extensions, then for N dependent launches of a kernel that spins `iters` rounds: wall time per launch enqueued
// (clEnqueueNDRangeKernel x N, clFinish) and replayed (clEnqueueCommandBufferKHR, clFinish).
// Build: g++ -O2 -std=c++17 cmdbuf_probe.cc -lOpenCL -o cmdbuf_probe
#define CL_TARGET_OPENCL_VERSION 300
#define CL_ENABLE_BETA_EXTENSIONS
#include <CL/cl.h>
#include <CL/cl_ext.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#define CK(x) do { cl_int e_ = (x); if (e_ != CL_SUCCESS) { std::printf("error %d at %s:%d (%s)\n", e_, __FILE__, __LINE__, #x); return 1; } } while (0)

static const char* kSrc = R"CL(
__kernel void chain_step(__global float* buf, int iters) {
  const int i = get_global_id(0);
  float v = buf[i];
  for (int k = 0; k < iters; ++k) v = v * 0.999f + 0.001f;
  buf[i] = v + 1.0f;
}
)CL";

static double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int main(int argc, char** argv) {
  const cl_device_type kType = argc > 2 ? CL_DEVICE_TYPE_ALL : CL_DEVICE_TYPE_GPU;  // any 2nd argument: CPUs too (PoCL)
  const int n = argc > 1 ? std::atoi(argv[1]) : 96;
  cl_uint np = 0;
  CK(clGetPlatformIDs(0, nullptr, &np));
  std::vector<cl_platform_id> ps(np);
  CK(clGetPlatformIDs(np, ps.data(), nullptr));
  for (auto p : ps) {
    cl_uint nd = 0;
    if (clGetDeviceIDs(p, kType, 0, nullptr, &nd) != CL_SUCCESS || nd == 0) continue;
    std::vector<cl_device_id> ds(nd);
    CK(clGetDeviceIDs(p, kType, nd, ds.data(), nullptr));
    cl_device_id d = ds[0];
    char name[256] = {0}, drv[128] = {0};
    clGetDeviceInfo(d, CL_DEVICE_NAME, sizeof(name), name, nullptr);
    clGetDeviceInfo(d, CL_DRIVER_VERSION, sizeof(drv), drv, nullptr);
    size_t sz = 0;
    clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS, 0, nullptr, &sz);
    std::string ext(sz, '\0');
    clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS, sz, ext.data(), nullptr);
    std::printf("device %s, driver %s\nextensions: %s\n", name, drv, ext.c_str());
    clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS_WITH_VERSION, 0, nullptr, &sz);
    std::vector<cl_name_version> nv(sz / sizeof(cl_name_version));
    clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS_WITH_VERSION, sz, nv.data(), nullptr);
    for (auto& e : nv) {
      if (std::strstr(e.name, "command_buffer"))
        std::printf("  %s version %u.%u.%u\n", e.name, CL_VERSION_MAJOR(e.version), CL_VERSION_MINOR(e.version),
                    CL_VERSION_PATCH(e.version));
    }
    const bool has_cb = ext.find("cl_khr_command_buffer") != std::string::npos;
    std::printf("cl_khr_command_buffer: %s\n", has_cb ? "yes" : "no");
    if (has_cb) {
      cl_device_command_buffer_capabilities_khr caps = 0;
      clGetDeviceInfo(d, CL_DEVICE_COMMAND_BUFFER_CAPABILITIES_KHR, sizeof(caps), &caps, nullptr);
      cl_command_queue_properties req = 0;
      clGetDeviceInfo(d, CL_DEVICE_COMMAND_BUFFER_REQUIRED_QUEUE_PROPERTIES_KHR, sizeof(req), &req, nullptr);
      std::printf("capabilities 0x%llx, required queue properties 0x%llx\n", (unsigned long long)caps,
                  (unsigned long long)req);
    }
    cl_int err = 0;
    cl_context ctx = clCreateContext(nullptr, 1, &d, nullptr, nullptr, &err);
    CK(err);
    cl_queue_properties qp[] = {0};
    cl_command_queue q = clCreateCommandQueueWithProperties(ctx, d, qp, &err);
    CK(err);
    cl_program prog = clCreateProgramWithSource(ctx, 1, &kSrc, nullptr, &err);
    CK(err);
    CK(clBuildProgram(prog, 1, &d, "", nullptr, nullptr));
    cl_kernel k = clCreateKernel(prog, "chain_step", &err);
    CK(err);
    const size_t global = 132 * 128, local = 128;
    cl_mem buf = clCreateBuffer(ctx, CL_MEM_READ_WRITE, global * 4, nullptr, &err);
    CK(err);
    float zero = 0;
    CK(clEnqueueFillBuffer(q, buf, &zero, 4, 0, global * 4, 0, nullptr, nullptr));
    CK(clSetKernelArg(k, 0, sizeof(cl_mem), &buf));
    auto fn = [&](const char* f) { return clGetExtensionFunctionAddressForPlatform(p, f); };
    auto create = (clCreateCommandBufferKHR_fn)fn("clCreateCommandBufferKHR");
    auto command = (clCommandNDRangeKernelKHR_fn)fn("clCommandNDRangeKernelKHR");
    auto finalize = (clFinalizeCommandBufferKHR_fn)fn("clFinalizeCommandBufferKHR");
    auto enqueue = (clEnqueueCommandBufferKHR_fn)fn("clEnqueueCommandBufferKHR");
    auto release = (clReleaseCommandBufferKHR_fn)fn("clReleaseCommandBufferKHR");
    std::printf("entry points: create %p command %p finalize %p enqueue %p\n", (void*)create, (void*)command,
                (void*)finalize, (void*)enqueue);
    for (int iters : {0, 200, 1000}) {
      CK(clSetKernelArg(k, 1, sizeof(int), &iters));
      const int reps = 200;
      auto best_of = [&](auto body) {
        std::vector<double> t;
        for (int r = 0; r < reps; ++r) {
          const double t0 = Now();
          if (body() != 0) return -1.0;
          clFinish(q);
          t.push_back((Now() - t0) / n * 1e6);
        }
        std::sort(t.begin(), t.end());
        return t[t.size() / 2];
      };
      const double plain = best_of([&] {
        for (int i = 0; i < n; ++i)
          if (clEnqueueNDRangeKernel(q, k, 1, nullptr, &global, &local, 0, nullptr, nullptr) != CL_SUCCESS) return 1;
        return 0;
      });
      std::printf("iters %d: enqueued %.2f us per launch (median of %d chains of %d)\n", iters, plain, reps, n);
      if (!has_cb || !create) continue;
      for (int sync : {1, 0}) {
        cl_command_buffer_khr cb = create(1, &q, nullptr, &err);
        if (err != CL_SUCCESS) { std::printf("create failed %d\n", err); break; }
        cl_sync_point_khr prev = 0, sp = 0;
        for (int i = 0; i < n; ++i) {
          err = command(cb, nullptr, nullptr, k, 1, nullptr, &global, &local, (sync && i) ? 1 : 0,
                        (sync && i) ? &prev : nullptr, &sp, nullptr);
          if (err != CL_SUCCESS) { std::printf("command failed %d\n", err); break; }
          prev = sp;
        }
        if (err != CL_SUCCESS) break;
        err = finalize(cb);
        if (err != CL_SUCCESS) { std::printf("finalize failed %d\n", err); break; }
        const double replay = best_of([&] { return enqueue(0, nullptr, cb, 0, nullptr, nullptr) != CL_SUCCESS; });
        std::printf("iters %d: command buffer (%s) %.2f us per launch\n", iters, sync ? "sync points chained" : "no sync points", replay);
        release(cb);
      }
    }
    // correctness of the chained replay: every element must count the launches
    {
      int iters = 0;
      CK(clSetKernelArg(k, 1, sizeof(int), &iters));
      CK(clEnqueueFillBuffer(q, buf, &zero, 4, 0, global * 4, 0, nullptr, nullptr));
      if (has_cb && create) {
        cl_command_buffer_khr cb = create(1, &q, nullptr, &err);
        cl_sync_point_khr prev = 0, sp = 0;
        for (int i = 0; i < n; ++i) {
          command(cb, nullptr, nullptr, k, 1, nullptr, &global, &local, i ? 1 : 0, i ? &prev : nullptr, &sp, nullptr);
          prev = sp;
        }
        finalize(cb);
        for (int r = 0; r < 3; ++r) {
          const cl_int e = enqueue(0, nullptr, cb, 0, nullptr, nullptr);
          if (e != CL_SUCCESS) std::printf("replay %d: clEnqueueCommandBufferKHR returned %d\n", r, e);
          clFinish(q);
        }
        std::vector<float> h(global);
        CK(clEnqueueReadBuffer(q, buf, CL_TRUE, 0, global * 4, h.data(), 0, nullptr, nullptr));
        std::printf("replay check: element 0 = %.0f, element last = %.0f (expect %d)\n", h[0], h[global - 1], 3 * n);
      }
    }
  }
  return 0;
}
