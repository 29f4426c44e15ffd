// Google Benchmark: where batch-1 time goes on an OpenCL device. BM_EmptyKernelLaunches: back-to-back launches of
// an empty kernel (the launch cost floor, with and without a profiling queue, with 1 or 28 arguments); BM_OptimizedInference: the host time
// of Enqueue() (binding nothing, launching every kernel) against the whole inference, for a zoo model on
// opencl-optimized. Figures are recorded by harness/scripts/gpu-optimized-sweep.sh (part "launch"), never asserted.
#include <benchmark/benchmark.h>

#include <chrono>

#include <fmt/format.h>

#include "engines/builtin_models.h"
#include "engines/engine.h"
#include "engines/opencl/baseline_engine.h"
#include "engines/opencl/cl_runtime.h"
#include "harness/scenario.h"

namespace joulebench {
namespace {

using Clock = std::chrono::steady_clock;

// One iteration = 256 launches of an empty kernel (64 work-items) and a clFinish.
void BM_EmptyKernelLaunches(benchmark::State& state) {
  cl::Device device(cl::DeviceChoice{});
  cl_int err = CL_SUCCESS;
  const bool profiling = state.range(0) == 1;
  cl_command_queue queue = clCreateCommandQueue(device.context(), device.id(),
                                                profiling ? CL_QUEUE_PROFILING_ENABLE : 0, &err);
  cl::Check(err, "clCreateCommandQueue");
  // range(1): 1 argument, or 28 (8 buffers, 18 ints, 2 floats: the shape of the implicit-GEMM convolution's list).
  const bool many = state.range(1) == 1;
  cl::Program program(device,
                      "__kernel void nop(__global float* x) { if (x[0] == 12345.0f) x[1] = 0.0f; }\n"
                      "__kernel void nop28(__global float* x, __global float* b1, __global float* b2, "
                      "__global float* b3, __global float* b4, __global float* b5, __global float* b6, "
                      "__global float* b7, int i0, int i1, int i2, int i3, int i4, int i5, int i6, int i7, int i8, "
                      "int i9, int i10, int i11, int i12, int i13, int i14, int i15, int i16, int i17, float f0, "
                      "float f1) { if (x[0] == 12345.0f) x[1] = 0.0f; }",
                      "-cl-std=CL1.2");
  cl::Buffer buffer(device, 256);
  cl_mem mem = buffer.mem();
  cl_kernel kernel = program.Kernel(many ? "nop28" : "nop");
  for (cl_uint a = 0; a < (many ? 28u : 1u); ++a) {
    const cl_int i = 1;
    const bool is_mem = a < 8, is_int = a >= 8 && a < 26;
    cl::Check(clSetKernelArg(kernel, a, is_mem ? sizeof(cl_mem) : sizeof(cl_int),
                             is_mem ? static_cast<const void*>(&mem) : static_cast<const void*>(&i)),
              "clSetKernelArg");
    (void)is_int;
  }
  const std::size_t global = 64, local = 64;
  constexpr int kLaunches = 256;
  double enqueue_s = 0;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    for (int i = 0; i < kLaunches; ++i) {
      cl::Check(clEnqueueNDRangeKernel(queue, kernel, 1, nullptr, &global, &local, 0, nullptr, nullptr), "enqueue");
    }
    enqueue_s += std::chrono::duration<double>(Clock::now() - t0).count();
    cl::Check(clFinish(queue), "clFinish");
  }
  clReleaseCommandQueue(queue);
  state.counters["us_per_launch"] =
      benchmark::Counter(static_cast<double>(kLaunches), benchmark::Counter::kIsIterationInvariantRate |
                                                             benchmark::Counter::kInvert);
  state.counters["host_enqueue_us_per_launch"] =
      1e6 * enqueue_s / (static_cast<double>(state.iterations()) * kLaunches);
  state.SetLabel(device.name() + (profiling ? ", profiling queue" : ", plain queue") +
                 (many ? ", 28 arguments" : ", 1 argument"));
}
BENCHMARK(BM_EmptyKernelLaunches)
    ->Args({0, 0})
    ->Args({1, 0})
    ->Args({0, 1})
    ->Args({1, 1})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

// One iteration = one inference (Enqueue + Wait) of resnet50 at batch 1 on opencl-optimized; the plan cache
// (JOULEBENCH_CACHE_DIR) makes Prepare fast after a sweep. Counters: host enqueue time and GPU time by kind of
// launch (OpenClBaselineEngine::EnqueueSecondsByKind, GpuSecondsByKind), the GPU sum against the real time.
void BM_OptimizedInference(benchmark::State& state) {
  const char* model = state.range(0) == 0 ? "resnet50" : "bert-base";
  const Graph graph = MakeBuiltinModel(model, ResolveModelParams(model, nlohmann::json::object(), "opencl_bench"));
  auto engine = FindEngine("opencl-optimized")->create(EngineConfig{});
  engine->Prepare(graph, Precision::kFp32, 1);
  engine->Stage(MakeRandomInputs(graph, 1, 1));
  engine->Infer();
  double enqueue_s = 0;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    engine->Enqueue();
    enqueue_s += std::chrono::duration<double>(Clock::now() - t0).count();
    engine->Wait();
  }
  const auto d = engine->Describe();
  // Host enqueue time per kind of launch (microseconds per inference), the larger ones.
  for (const auto& [kind, v] : dynamic_cast<OpenClBaselineEngine&>(*engine).EnqueueSecondsByKind(20)) {
    if (v.second > 20e-6) state.counters[fmt::format("us:{}x{}", kind, v.first)] = 1e6 * v.second;
  }
  // GPU time per kind of launch (microseconds per inference), all of them, and their sum.
  double gpu_s = 0;
  for (const auto& [kind, v] : dynamic_cast<OpenClBaselineEngine&>(*engine).GpuSecondsByKind(20)) {
    state.counters[fmt::format("gpu_us:{}x{}", kind, v.first)] = 1e6 * v.second;
    gpu_s += v.second;
  }
  state.counters["gpu_us"] = 1e6 * gpu_s;
  state.counters["launches"] = d.value("kernels_per_inference", 0);
  state.counters["host_enqueue_us"] = 1e6 * enqueue_s / static_cast<double>(state.iterations());
  state.SetLabel(std::string(model) + " batch 1, " + d["kernel_selection"].get<std::string>());
}
BENCHMARK(BM_OptimizedInference)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace joulebench

BENCHMARK_MAIN();
