// Google Benchmark: where batch-1 time goes on an OpenCL device. BM_EmptyKernelLaunches: back-to-back launches of
// an empty kernel (the launch cost floor, with and without a profiling queue, by argument list);
// BM_EmptyKernelCommandBuffer: the same launches replayed from a command buffer;
// BM_EmptyKernelDeviceFloor: the same launches gated until all are enqueued (the device's own pace, or the driver's
// release of them); BM_EmptyKernelBehindSpin: the same launches submitted while a long kernel runs;
// BM_OptimizedInference: the host time of Enqueue() (binding nothing, launching every kernel) against the whole
// inference, for a zoo model on opencl-optimized; BM_OptimizedInferenceBackToBack: the same inference enqueued 20
// times per Wait. Figures are recorded by harness/scripts/gpu-optimized-sweep.sh (part "launch"), never asserted.
#include <benchmark/benchmark.h>

#include <chrono>

#include <fmt/format.h>

#include "engines/builtin_models.h"
#include "engines/engine.h"
#include "engines/opencl/baseline_engine.h"
#include "engines/opencl/cl_runtime.h"
#include "engines/opencl/command_buffer.h"
#include "harness/scenario.h"

namespace joulebench {
namespace {

using Clock = std::chrono::steady_clock;

// The argument lists of BM_EmptyKernelLaunches, range(1): what a launch's host cost grows with.
struct ArgShape {
  const char* label;
  int buffers, scalars;  // scalars: separate int arguments, or one struct of them passed by value
  bool packed;
  int null_buffers = 0;  // of the buffers, how many are NULL arguments (an absent optional input)
};
constexpr ArgShape kArgShapes[] = {
    {"1 argument", 1, 0, false},
    {"28 arguments (8 buffers, 20 scalars: the implicit-GEMM convolution's list)", 8, 20, false},
    {"8 buffers", 8, 0, false},
    {"1 buffer, 20 scalars", 1, 20, false},
    {"8 buffers, 20 scalars in one struct", 8, 20, true},
    {"1 buffer, 20 scalars in one struct", 1, 20, true},
    {"8 buffers (4 of them NULL), 20 scalars in one struct", 8, 20, true, 4},
};

// One iteration = 256 launches of an empty kernel (64 work-items) and a clFinish. range(0): profiling queue or not;
// range(1): the argument list (kArgShapes).
void BM_EmptyKernelLaunches(benchmark::State& state) {
  cl::Device device(cl::DeviceChoice{});
  cl_int err = CL_SUCCESS;
  const bool profiling = state.range(0) == 1;
  cl_command_queue queue = clCreateCommandQueue(device.context(), device.id(),
                                                profiling ? CL_QUEUE_PROFILING_ENABLE : 0, &err);
  cl::Check(err, "clCreateCommandQueue");
  const ArgShape& shape = kArgShapes[state.range(1)];
  std::string params = "__global float* x";
  for (int b = 1; b < shape.buffers; ++b) params += fmt::format(", __global float* b{}", b);
  if (shape.packed) {
    params += ", Params p";
  } else {
    for (int i = 0; i < shape.scalars; ++i) params += fmt::format(", int i{}", i);
  }
  std::string fields;
  for (int i = 0; i < shape.scalars; ++i) fields += fmt::format("int i{}; ", i);
  const std::string source = (shape.packed ? "typedef struct { " + fields + "} Params;\n" : std::string()) +
                             "__kernel void nop(" + params + ") { if (x[0] == 12345.0f) x[1] = 0.0f; }\n";
  cl::Program program(device, source, "-cl-std=CL1.2");
  cl::Buffer buffer(device, 256);
  cl_mem mem = buffer.mem();
  cl_kernel kernel = program.Kernel("nop");
  cl_uint a = 0;
  const cl_mem null_mem = nullptr;
  for (int b = 0; b < shape.buffers; ++b) {
    const bool null = b >= shape.buffers - shape.null_buffers;  // never the first: the kernel reads x
    cl::Check(clSetKernelArg(kernel, a++, sizeof(cl_mem), null ? &null_mem : &mem), "clSetKernelArg");
  }
  const std::vector<cl_int> values(static_cast<std::size_t>(shape.scalars), 1);
  if (shape.packed) {
    cl::Check(clSetKernelArg(kernel, a++, values.size() * sizeof(cl_int), values.data()), "clSetKernelArg");
  } else {
    for (const cl_int& v : values) cl::Check(clSetKernelArg(kernel, a++, sizeof(cl_int), &v), "clSetKernelArg");
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
  state.SetLabel(device.name() + (profiling ? ", profiling queue, " : ", plain queue, ") + shape.label);
}
BENCHMARK(BM_EmptyKernelLaunches)
    ->ArgsProduct({{0, 1}, {0, 1, 2, 3, 4, 5, 6}})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

// The empty kernel of the launch benchmarks with its one buffer argument bound.
struct NopKernel {
  explicit NopKernel(cl::Device& device)
      : program(device, "__kernel void nop(__global float* x) { if (x[0] == 12345.0f) x[1] = 0.0f; }\n",
                "-cl-std=CL1.2"),
        buffer(device, 256),
        kernel(program.Kernel("nop")) {
    cl_mem mem = buffer.mem();
    cl::Check(clSetKernelArg(kernel, 0, sizeof(cl_mem), &mem), "clSetKernelArg");
  }
  cl::Program program;
  cl::Buffer buffer;
  cl_kernel kernel;
};

// One iteration = one replay of a command buffer (cl_khr_command_buffer) holding 256 launches of the empty kernel
// of BM_EmptyKernelLaunches (1 argument), each waiting for the one before through a sync point, then a clFinish:
// what opencl-optimized's command_buffer option replaces the per-launch enqueues with. Skipped with the reason where
// the driver lacks the extension.
void BM_EmptyKernelCommandBuffer(benchmark::State& state) {
  cl::Device device(cl::DeviceChoice{});
  if (const std::string why = cl::CommandBuffer::Unavailable(device.id()); !why.empty()) {
    state.SkipWithError(why.c_str());
    return;
  }
  NopKernel nop(device);
  cl_kernel kernel = nop.kernel;
  constexpr int kLaunches = 256;
  const std::size_t global = 64, local = 64;
  cl::CommandBuffer recorded(device.id(), device.queue());
  std::vector<cl_sync_point_khr> after;
  for (int i = 0; i < kLaunches; ++i) after = {recorded.AddKernel(kernel, 1, &global, &local, after)};
  recorded.Finalize();
  double enqueue_s = 0;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    recorded.Enqueue();
    enqueue_s += std::chrono::duration<double>(Clock::now() - t0).count();
    cl::Check(clFinish(device.queue()), "clFinish");
  }
  state.counters["us_per_launch"] =
      benchmark::Counter(static_cast<double>(kLaunches), benchmark::Counter::kIsIterationInvariantRate |
                                                             benchmark::Counter::kInvert);
  state.counters["host_enqueue_us_per_replay"] = 1e6 * enqueue_s / static_cast<double>(state.iterations());
  state.SetLabel(device.name() + ", plain queue, 256 chained launches replayed from a command buffer (extension " +
                 recorded.version() + ")");
}
BENCHMARK(BM_EmptyKernelCommandBuffer)->Unit(benchmark::kMicrosecond)->UseRealTime();

// One iteration = 256 launches of an empty kernel (1 buffer argument, 64 work-items) held behind a user event until
// all are enqueued, then released: the device's own pace for back-to-back dependent launches, with no host enqueue
// in the way (manual time: release to clFinish). Set against BM_EmptyKernelLaunches, it says whether batch 1's
// per-launch floor is the host's enqueue or the device's launch.
void BM_EmptyKernelDeviceFloor(benchmark::State& state) {
  cl::Device device(cl::DeviceChoice{});
  cl_int err = CL_SUCCESS;
  cl_command_queue queue = clCreateCommandQueue(device.context(), device.id(), 0, &err);
  cl::Check(err, "clCreateCommandQueue");
  NopKernel nop(device);
  cl_kernel kernel = nop.kernel;
  const std::size_t global = 64, local = 64;
  constexpr int kLaunches = 256;
  for (auto _ : state) {
    cl_event gate = clCreateUserEvent(device.context(), &err);
    cl::Check(err, "clCreateUserEvent");
    for (int i = 0; i < kLaunches; ++i) {
      cl::Check(clEnqueueNDRangeKernel(queue, kernel, 1, nullptr, &global, &local, i == 0 ? 1 : 0,
                                       i == 0 ? &gate : nullptr, nullptr),
                "enqueue");
    }
    cl::Check(clFlush(queue), "clFlush");
    const auto t0 = Clock::now();
    cl::Check(clSetUserEventStatus(gate, CL_COMPLETE), "clSetUserEventStatus");
    cl::Check(clFinish(queue), "clFinish");
    state.SetIterationTime(std::chrono::duration<double>(Clock::now() - t0).count());
    clReleaseEvent(gate);
  }
  clReleaseCommandQueue(queue);
  state.counters["us_per_launch"] =
      benchmark::Counter(static_cast<double>(kLaunches), benchmark::Counter::kIsIterationInvariantRate |
                                                             benchmark::Counter::kInvert);
  state.SetLabel(device.name() + ", plain queue, gated until all launches are enqueued");
}
BENCHMARK(BM_EmptyKernelDeviceFloor)->Unit(benchmark::kMicrosecond)->UseManualTime();

// One iteration = a one-work-item kernel spinning on range(0) dependent FMAs, then 256 empty launches enqueued while
// it spins, then clFinish; manual time = that minus the spin alone (timed before the loop, best of three). The
// launches reach the driver as in an inference (no user event), and before the spin ends (`enqueued_inside_spin`:
// the share of iterations where all did): the time they add is the device's own pace for submitted launches. Set
// against BM_EmptyKernelDeviceFloor, whose release of gated launches the driver paces on the host (the H100, session
// 11: 5.5 us per launch gated, 2.0 us behind a spin).
void BM_EmptyKernelBehindSpin(benchmark::State& state) {
  cl::Device device(cl::DeviceChoice{});
  cl_int err = CL_SUCCESS;
  cl_command_queue queue = clCreateCommandQueue(device.context(), device.id(), 0, &err);
  cl::Check(err, "clCreateCommandQueue");
  cl::Program program(device,
                      "__kernel void spin(__global float* x, int n) {\n"
                      "  float v = x[0];\n"
                      "  for (int i = 0; i < n; ++i) v = fma(v, 0.999999f, 1e-7f);\n"
                      "  if (v == 12345.0f) x[1] = v;\n"
                      "}\n"
                      "__kernel void nop(__global float* x) { if (x[0] == 12345.0f) x[1] = 0.0f; }\n",
                      "-cl-std=CL1.2");
  cl::Buffer buffer(device, 256);
  cl_mem mem = buffer.mem();
  const cl_int n = static_cast<cl_int>(state.range(0));
  cl_kernel spin = program.Kernel("spin"), nop = program.Kernel("nop");
  cl::Check(clSetKernelArg(spin, 0, sizeof(cl_mem), &mem), "clSetKernelArg");
  cl::Check(clSetKernelArg(spin, 1, sizeof n, &n), "clSetKernelArg");
  cl::Check(clSetKernelArg(nop, 0, sizeof(cl_mem), &mem), "clSetKernelArg");
  const std::size_t one = 1, global = 64, local = 64;
  auto enqueue_spin = [&] {
    cl::Check(clEnqueueNDRangeKernel(queue, spin, 1, nullptr, &one, &one, 0, nullptr, nullptr), "enqueue spin");
  };
  double spin_s = 1e30;
  for (int r = 0; r < 4; ++r) {  // the first compiles and warms up
    const auto t0 = Clock::now();
    enqueue_spin();
    cl::Check(clFinish(queue), "clFinish");
    if (r > 0) spin_s = std::min(spin_s, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  constexpr int kLaunches = 256;
  double enqueue_s = 0;
  double inside = 0;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    enqueue_spin();
    for (int i = 0; i < kLaunches; ++i) {
      cl::Check(clEnqueueNDRangeKernel(queue, nop, 1, nullptr, &global, &local, 0, nullptr, nullptr), "enqueue");
    }
    cl::Check(clFlush(queue), "clFlush");
    const double enqueued = std::chrono::duration<double>(Clock::now() - t0).count();
    enqueue_s += enqueued;
    inside += enqueued < spin_s ? 1 : 0;
    cl::Check(clFinish(queue), "clFinish");
    state.SetIterationTime(std::max(0.0, std::chrono::duration<double>(Clock::now() - t0).count() - spin_s));
  }
  clReleaseCommandQueue(queue);
  state.counters["us_per_launch"] =
      benchmark::Counter(static_cast<double>(kLaunches), benchmark::Counter::kIsIterationInvariantRate |
                                                             benchmark::Counter::kInvert);
  state.counters["spin_us"] = 1e6 * spin_s;
  state.counters["host_enqueue_us"] = 1e6 * enqueue_s / static_cast<double>(state.iterations());
  state.counters["enqueued_inside_spin"] = inside / static_cast<double>(state.iterations());
  state.SetLabel(device.name() + ", plain queue, launches enqueued behind a spinning kernel");
}
BENCHMARK(BM_EmptyKernelBehindSpin)->Arg(1 << 21)->Arg(1 << 22)->Unit(benchmark::kMicrosecond)->UseManualTime();

// One iteration = one inference (Enqueue + Wait) of resnet50 at batch 1 on opencl-optimized; the plan cache
// (JOULEBENCH_CACHE_DIR) makes Prepare fast after a sweep. Counters: host enqueue time and GPU time by kind of
// launch (OpenClBaselineEngine::EnqueueSecondsByKind, GpuSecondsByKind), the GPU sum against the real time.
void BM_OptimizedInference(benchmark::State& state) {
  const char* model = state.range(0) == 0 ? "resnet50" : "bert-base";
  const Graph graph = MakeBuiltinModel(model, ResolveModelParams(model, nlohmann::json::object(), "opencl_bench"));
  EngineConfig config;
  config.options = {{"queue_profiling", state.range(1) == 1}};
  if (state.range(1) == 1) config.options["parallel_branches"] = "off";  // KernelSecondsByKind: one queue
  config.options["command_buffer"] = state.range(2) == 1 ? "auto" : "off";
  auto engine = FindEngine("opencl-optimized")->create(config);
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
  // GPU time per kind of launch (microseconds per inference), all of them, and their sum: profiling queue only.
  if (state.range(1) == 1) {
    double gpu_s = 0;
    for (const auto& [kind, v] : dynamic_cast<OpenClBaselineEngine&>(*engine).GpuSecondsByKind(20)) {
      state.counters[fmt::format("gpu_us:{}x{}", kind, v.first)] = 1e6 * v.second;
      gpu_s += v.second;
    }
    state.counters["gpu_us"] = 1e6 * gpu_s;
    // The kernels' own execution time by kind (their events; no markers): what faster kernels could save.
    double kernel_s = 0;
    for (const auto& [kind, v] : dynamic_cast<OpenClBaselineEngine&>(*engine).KernelSecondsByKind(20)) {
      state.counters[fmt::format("kernel_us:{}x{}", kind, v.first)] = 1e6 * v.second;
      kernel_s += v.second;
    }
    state.counters["kernel_us"] = 1e6 * kernel_s;
  }
  state.counters["launches"] = d.value("kernels_per_inference", 0);
  state.counters["host_enqueue_us"] = 1e6 * enqueue_s / static_cast<double>(state.iterations());
  const auto& replay = d["command_buffer"];
  state.SetLabel(std::string(model) + " batch 1, " + d["kernel_selection"].get<std::string>() +
                 (state.range(1) == 1 ? ", profiling queue" : ", plain queue") +
                 (replay.value("used", false) ? ", replayed from a command buffer"
                  : state.range(2) == 1       ? ", no command buffer: " + replay.value("reason", std::string())
                                              : ""));
}
// Second argument: 0 a plain inference queue (what `joulebench run` uses), 1 a profiling queue (GPU time by kind).
// Third: command_buffer off (0) or auto (1).
BENCHMARK(BM_OptimizedInference)
    ->ArgsProduct({{0, 1}, {0, 1}, {0, 1}})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

// One iteration = 20 inferences of resnet50 at batch 1 enqueued back to back, then one Wait: the host enqueues the
// next inference while the device runs the last, so the time per inference is the slower of the two, not their sum
// as with one query in flight (BM_OptimizedInference). What a load generator keeping two or more batch-1 queries in
// flight could reach; the harness's offline mode keeps one.
void BM_OptimizedInferenceBackToBack(benchmark::State& state) {
  const Graph graph = MakeBuiltinModel("resnet50", ResolveModelParams("resnet50", nlohmann::json::object(), "opencl_bench"));
  auto engine = FindEngine("opencl-optimized")->create(EngineConfig{});
  engine->Prepare(graph, Precision::kFp32, 1);
  engine->Stage(MakeRandomInputs(graph, 1, 1));
  engine->Infer();
  constexpr int kInferences = 20;
  double total_s = 0, enqueue_s = 0;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    for (int i = 0; i < kInferences; ++i) engine->Enqueue();
    enqueue_s += std::chrono::duration<double>(Clock::now() - t0).count();
    engine->Wait();
    total_s += std::chrono::duration<double>(Clock::now() - t0).count();
  }
  const double inferences = static_cast<double>(state.iterations()) * kInferences;
  state.counters["us_per_inference"] = 1e6 * total_s / inferences;
  state.counters["host_enqueue_us_per_inference"] = 1e6 * enqueue_s / inferences;
  state.SetLabel("resnet50 batch 1, 20 inferences per Wait");
}
BENCHMARK(BM_OptimizedInferenceBackToBack)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace joulebench

BENCHMARK_MAIN();
