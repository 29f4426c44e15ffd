// Engine registration table and the helpers every engine shares (precision names, random inputs).
#include <random>

#include "engines/engine.h"
#include "engines/opencl/baseline_engine.h"
#include "engines/opencl/cl_runtime.h"
#include "engines/opencl/optimized_engine.h"
#include "engines/passes/graph_passes.h"
#include "engines/reference/reference_engine.h"
#include "engines/synthetic/synthetic_engine.h"

namespace joulebench {

const char* PrecisionName(Precision p) {
  switch (p) {
    case Precision::kFp32: return "fp32";
    case Precision::kFp16: return "fp16";
    case Precision::kInt8: return "int8";
  }
  return "?";
}

bool ParsePrecision(const std::string& name, Precision* out) {
  for (Precision p : {Precision::kFp32, Precision::kFp16, Precision::kInt8}) {
    if (name == PrecisionName(p)) {
      *out = p;
      return true;
    }
  }
  return false;
}

namespace {
std::string JoinPassNames() {
  std::string out;
  for (const auto& p : GraphPassNames()) out += (out.empty() ? "" : ", ") + p;
  return out;
}

std::string ProbeOpenClDevice(const EngineConfig& c) {
  try {
    cl::Device device(cl::DeviceChoice{c.device_type, c.device_platform, c.device_index});
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}
}  // namespace

// Both OpenCL engines: a queue that records timestamps, for per-kernel GPU times (opencl_bench); off for inference.
const ParamSpec kQueueProfilingParam{"queue_profiling", ParamSpec::Kind::kBool, false, "",
                                     "record device timestamps for every launch (per-kernel GPU times); costs host "
                                     "time per launch, so off by default"};

const std::vector<EngineInfo>& Engines() {
  static const std::vector<EngineInfo> engines = {
      {"reference", "plain C++ on the CPU, one thread, fp32: the numerical oracle", {Precision::kFp32}, {},
       [](const EngineConfig&) { return std::unique_ptr<Engine>(new ReferenceEngine()); }},
      {"opencl-baseline",
       "OpenCL, framework eager mode: one library kernel per ONNX node (CLBlast GEMM, im2col, separate bias/"
       "BatchNorm/activation kernels), fp32, no fusion, a buffer per node output",
       {Precision::kFp32},
       {kQueueProfilingParam},
       [](const EngineConfig& c) { return std::unique_ptr<Engine>(new OpenClBaselineEngine(c)); },
       &ProbeOpenClDevice},
      {"opencl-optimized",
       "OpenCL, the TensorRT playbook: constant folding, BatchNorm folding, epilogue fusion (bias, residual, "
       "activation), kernels chosen per layer by timing on the device, CLBlast tuned, buffers shared by liveness, "
       "plan cache",
       {Precision::kFp32},
       {{"disable_passes", ParamSpec::Kind::kString, "", "",
         "comma-separated graph passes to switch off (ablations): " + JoinPassNames()},
        {"conv_kernel", ParamSpec::Kind::kString, "auto", "",
         "auto (chosen per layer), library (im2col + CLBlast GEMM + epilogue), igemm, winograd, direct_tiled, or "
         "a candidate name such as igemm_64x64x16_4x4 or igemm_64x32x16_4x2_k16r"},
        {"matmul_kernel", ParamSpec::Kind::kString, "auto", "",
         "auto (chosen per MatMul), library (CLBlast GEMM + epilogue), igemm, or an igemm_* candidate name"},
        {"attention_kernel", ParamSpec::Kind::kString, "auto", "",
         "auto (chosen per attention), or attention_rROWS_sSPLIT such as attention_r16_s8"},
        {"kernel_selection", ParamSpec::Kind::kString, "auto", "",
         "auto (time every candidate on GPUs, heuristic elsewhere), time, heuristic"},
        {"tune_gemm", ParamSpec::Kind::kString, "auto", "", "tune CLBlast Xgemm for the device at build: auto (GPUs), on, off"},
        {"candidate_timing", ParamSpec::Kind::kString, "wall", "",
         "how build-time timing measures a candidate: wall (host clock, repetitions back to back: the slower of host "
         "enqueue and device time) or gpu (repetitions gated until enqueued, device clock: device time only)"},
        {"winograd_fusion", ParamSpec::Kind::kString, "off", "",
         "on: time the fused Winograd F(2x2,3x3) forms (_fused_input, _fused) too; off by default: on the H100 they "
         "ran faster at batch 1 but spent more energy per inference"},
        {"splitk", ParamSpec::Kind::kString, "any", "",
         "which split-K forms are timed: any, or serial (only those that reduce in their own launch, serial and "
         "atomic: no reduction launch, fewer launches per inference)"},
        {"fragments", ParamSpec::Kind::kString, "double", "",
         "the GEMM kernels' inner loop: double (the next depth step's fragments read from local memory before this "
         "step's FMAs) or single (ablation: read, then multiply)"},
        {"global_prefetch", ParamSpec::Kind::kString, "auto", "",
         "how far ahead the GEMM kernels load global tiles into registers: one-ahead (the next tile), two-ahead "
         "(two register sets, each load issued two tiles before its FMAs), or auto (two-ahead on the 128-row "
         "tiles only)"},
        {"timing_window_us", ParamSpec::Kind::kNonNegativeNumber, 2000, "us",
         "candidate_timing=wall: each measurement of a candidate repeats it back to back for about this long (at "
         "least 5 repetitions, at most 400); 0: five repetitions"},
        {"epilogue_loads", ParamSpec::Kind::kString, "late", "",
         "when the GEMM kernels load the bias and residual their epilogue adds: late (after the depth loop) or early "
         "(requested before it, their latency hidden behind the loop; tiles of at most 16 outputs per work-item)"},
        {"l2_prefetch", ParamSpec::Kind::kString, "off", "",
         "on: each implicit-GEMM launch requests the weights of the plan's next weight-reading launch into the L2 "
         "cache while it runs (at batch 1 the weights of a layer otherwise come from device memory); off"},
        {"deep_steps", ParamSpec::Kind::kString, "off", "",
         "on: the timed candidates include the depth-32 and depth-64 forms of the sliced and split-K small tiles "
         "(fewer, longer depth steps per work-group; level on the H100, so off by default)"},
        {"atomic_splitk", ParamSpec::Kind::kString, "off", "",
         "on: the timed candidates include atomic split-K (partial sums added atomically, the epilogue applied by "
         "each tile's last work-group: no reduction launch; sums not bitwise reproducible run to run; slower than "
         "the reduction launch on the H100, so off by default)"},
        {"tensor_cores", ParamSpec::Kind::kString, "off", "",
         "3xtf32: the timed candidates include tensor-core forms (_tc) whose products run on NVIDIA's tensor cores at "
         "near-fp32 accuracy (each operand split into two tf32 parts, three products: PTX mma.sync through NVIDIA's "
         "OpenCL; elsewhere none is timed); off"},
        {"kernel_objective", ParamSpec::Kind::kString, "time", "",
         "what timed selection minimises per layer: time; energy (modelled: seconds x (static_power_ratio + "
         "share of compute units the candidate keeps busy)); or measured-energy (the fastest candidates run while "
         "the device's energy counter is read: needs the nvml meter; docs/engines.md)"},
        {"energy_candidates", ParamSpec::Kind::kPositiveInt, 3, "",
         "kernel_objective=measured-energy: how many of each layer's fastest candidates are measured (1 to 50)"},
        {"energy_window_ms", ParamSpec::Kind::kPositiveNumber, 500, "ms",
         "kernel_objective=measured-energy: how long each candidate runs between the two counter steps that "
         "measure its power (10 to 60000)"},
        {"energy_slack", ParamSpec::Kind::kNonNegativeNumber, 1000, "%",
         "kernel_objective=measured-energy: of the energy_candidates fastest, only those at most this much slower "
         "than the layer's fastest are measured (0 to 1000; 1000: no limit)"},
        {"fuse_reduction", ParamSpec::Kind::kString, "off", "",
         "on: a split-K layer's reduction launch is folded into the input transform of the Winograd layer that alone "
         "reads its output (one launch fewer per such pair; applied to the chosen plan, not timed); off"},
        {"host_wait", ParamSpec::Kind::kString, "finish", "",
         "how Wait() learns an inference finished: finish (clFinish) or spin (Enqueue() ends with a marker and a "
         "flush, and the host polls the marker's status: one core busy, a shorter gap on the device between "
         "inferences); not part of the plan-cache key"},
        {"command_buffer", ParamSpec::Kind::kString, "off", "",
         "on: the plan's launches recorded once into an OpenCL command buffer (cl_khr_command_buffer) that each "
         "inference replays with one enqueue (an error where the driver or the plan cannot); auto: the same where it "
         "can, else one enqueue per launch (Describe() says why); off; not part of the plan-cache key"},
        {"static_power_ratio", ParamSpec::Kind::kNonNegativeNumber, 1.0, "",
         "kernel_objective=energy: the card's power with no compute unit busy over the power its busy units add"},
        {"parallel_branches", ParamSpec::Kind::kString, "auto", "",
         "run a layer read only by a later layer (ResNet's downsample) on a second queue beside the layers in "
         "between: auto (GPUs), on, off, late (test mode: the branch waits for its join)"},
        {"plan_cache", ParamSpec::Kind::kBool, true, "", "reuse the built plan when its key is unchanged"},
        kQueueProfilingParam},
       [](const EngineConfig& c) { return std::unique_ptr<Engine>(new OpenClOptimizedEngine(c)); },
       &ProbeOpenClDevice},
      {"synthetic",
       "a known service time per query, a + b x batch seconds (busy-spinning or sleeping), for testing the harness "
       "and calibrating meters; a = b = 0 is a null engine (the harness's own overhead)",
       {Precision::kFp32},
       {{"a_s", ParamSpec::Kind::kNonNegativeNumber, 0.001, "s", "fixed time per query"},
        {"b_s", ParamSpec::Kind::kNonNegativeNumber, 0.0001, "s", "time per inference in the query"},
        {"mode", ParamSpec::Kind::kString, "spin", "", "\"spin\" (busy CPU) or \"sleep\""}},
       [](const EngineConfig& c) { return std::unique_ptr<Engine>(new SyntheticEngine(c.options)); }},
  };
  return engines;
}

const EngineInfo* FindEngine(const std::string& name) {
  for (const auto& e : Engines()) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

TensorMap MakeRandomInputs(const Graph& graph, std::int64_t batch, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  TensorMap inputs;
  for (const auto& info : graph.inputs) {
    Tensor t(info.type, ResolveBatch(info.shape, batch));
    if (info.type == DataType::kFloat32) {
      std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
      for (float& v : t.f32()) v = dist(rng);
    } else if (info.type == DataType::kInt64) {
      // Token ids and other indices: stay inside the table they index (Gather on an initializer), else [0, 1000).
      std::int64_t bound = 1000;
      for (const auto& node : graph.nodes) {
        if (node.op_type != "Gather" || node.inputs.size() < 2 || node.inputs[1] != info.name) continue;
        if (auto it = graph.initializers.find(node.inputs[0]); it != graph.initializers.end()) {
          const auto& shape = it->second.shape();
          const std::int64_t axis = node.IntAttr("axis", 0);
          bound = std::min(bound, shape[static_cast<std::size_t>(axis < 0 ? axis + static_cast<std::int64_t>(shape.size()) : axis)]);
        }
      }
      std::uniform_int_distribution<std::int64_t> dist(0, bound - 1);
      for (auto& v : t.i64()) v = dist(rng);
    } else {
      std::bernoulli_distribution dist(0.5);
      for (auto& v : t.b8()) v = dist(rng);
    }
    inputs.emplace(info.name, std::move(t));
  }
  return inputs;
}

}  // namespace joulebench
