// opencl-baseline: framework eager mode on any OpenCL device. Each ONNX node becomes its own library-quality
// kernel launch (CLBlast GEMM for Conv/Gemm/MatMul, separate bias, BatchNorm and activation kernels), fp32, no
// fusion, default untuned CLBlast parameters, a buffer per node output. Shape subgraphs (int64) run on the host,
// as frameworks do; layout-only ops (Reshape, Flatten, Squeeze, ...) are views. The optimized engine derives from
// it through the protected hooks (graph passes, special lowering, memory planning).
#pragma once

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engines/engine.h"
#include "engines/opencl/cl_runtime.h"

namespace joulebench {

class OpenClBaselineEngine : public Engine {
 public:
  explicit OpenClBaselineEngine(EngineConfig config) : config_(std::move(config)) {}
  ~OpenClBaselineEngine() override;
  std::vector<UnsupportedOp> Supports(const Graph& graph) const override;
  void Prepare(const Graph& graph, Precision precision, std::int64_t batch) override;
  void Stage(const TensorMap& inputs) override;
  void Enqueue() override;
  void Wait() override;
  TensorMap Outputs() override;
  nlohmann::json Describe() const override;
  // Diagnostic (opencl_bench): host seconds spent enqueueing each kind of launch in one inference, and how many
  // launches of that kind there are, averaged over `reps` inferences (the queue drained after each).
  std::map<std::string, std::pair<int, double>> EnqueueSecondsByKind(int reps);
  // Diagnostic (opencl_bench): GPU seconds of each kind of launch in one inference, averaged over `reps`. The
  // inference is enqueued twice behind a user event, the second copy with a profiled marker after every launch, then
  // released, so the device runs it without waiting on the host; a launch's time is the gap between the markers
  // around it (an upper bound: the markers' own cost is included).
  std::map<std::string, std::pair<int, double>> GpuSecondsByKind(int reps);
  // Diagnostic (opencl_bench): device time by kind of kernel launch in one inference, averaged over `reps`, the
  // inference enqueued behind a spinning kernel (no markers, no gate; the device then runs it at its own pace, not
  // the host's enqueue with events): each launch's profiling event, from the later of its start and
  // the previous kernel's end to its end (what the launch adds to the inference's device time: its execution and
  // the gap before it). Launches without an event of their own (library GEMMs, custom commands) are counted with no
  // time (theirs falls to the next kernel). Needs queue_profiling=true and one queue (InputError otherwise:
  // opencl-optimized's parallel_branches=off).
  std::map<std::string, std::pair<int, double>> KernelSecondsByKind(int reps);

  struct DevTensor {
    DataType type = DataType::kFloat32;
    Shape shape;
    std::shared_ptr<cl::Buffer> buffer;
  };
  struct Launch {
    std::string node, kind;
    std::function<void()> run;
    // Kernel launches only: the same enqueue with a wait list and an event out, so that the optimized engine's
    // parallel branches can synchronise queues on the launches themselves (no marker or barrier commands).
    std::function<void(cl_uint, const cl_event*, cl_event*)> enqueue;
    std::size_t groups = 0;  // work-groups of a kernel launch; 0 where unknown (library GEMMs, custom commands)
    // On the device's queue with `run` doing no more than `enqueue` (not a parallel branch's launch or hooked into
    // one's synchronisation): KernelSecondsByKind may enqueue it on its own with an event.
    bool plain = true;
    // The constant buffer (weights) the launch reads, where the optimized engine marked one: what another launch may
    // prefetch into L2 ahead of it (l2_prefetch). Null where none or not marked.
    cl_mem constants = nullptr;
    // Where the kernel can prefetch another launch's constants (conv_igemm): binds that buffer and its number of
    // 128-byte lines to this launch's kernel (0 lines: none). Empty elsewhere.
    std::function<void(cl_mem, std::int32_t)> prefetch;
    // Kernel launches only: what a command buffer records (command_buffer.h): the kernel with its bound arguments,
    // the queue it goes to (the device's or a parallel branch's) and its NDRange (local[0] == 0: the driver picks).
    cl_kernel kernel = nullptr;
    cl_command_queue queue = nullptr;
    cl_uint dims = 0;
    std::array<std::size_t, 3> global{}, local{};
    // Parallel branches (opencl-optimized's HookLaunch): the event slots this launch waits for and the one it signals.
    std::vector<cl_event*> waits_for;
    cl_event* signals = nullptr;
  };
  // Used by the per-op lowering (baseline_lowering.cc).
  struct Builder;

 protected:
  virtual std::string EngineName() const { return "opencl-baseline"; }
  void RequireProfilingQueue(const char* what) const;  // InputError without queue_profiling=true
  // The graph to lower, from the graph with shapes inferred at the batch size.
  virtual Graph Optimize(Graph shaped) { return shaped; }
  // Lowers a node the baseline does not know (fused operators); false when it is not one.
  virtual bool LowerSpecial(Builder&, const Node&) { return false; }
  // Called after lowering, before the warm-up run.
  virtual void AfterLowering() {}

  // Memory planning (optimized engines): node outputs and scratch buffers come from a pool and return to it after
  // the tensor's last use, so tensors whose lifetimes do not overlap share device memory.
  bool plan_memory_ = false;
  // While set, the Builder's launches go to this queue instead of the device's (the optimized engine's parallel
  // branches); Builder::Queue() returns it.
  cl_command_queue* launch_queue_ = nullptr;
  std::shared_ptr<cl::Buffer> Acquire(std::size_t bytes);
  void ReleaseDead(std::size_t node_index);

  EngineConfig config_;
  std::unique_ptr<cl::Device> device_;
  std::unique_ptr<cl::Program> program_;
  Graph graph_;
  std::int64_t batch_ = 0;
  std::map<std::string, Tensor> host_;         // values known on the host (initializers, shape subgraphs)
  std::map<std::string, DevTensor> device_tensors_;
  std::vector<Launch> launches_;
  std::vector<cl_kernel> kernels_;             // one per launch, arguments bound at Prepare
  std::vector<std::shared_ptr<cl::Buffer>> meta_;  // shape/stride tables
  std::size_t device_bytes_ = 0;
  double prepare_s_ = 0;
  std::map<std::string, int> launches_by_kind_;
  // Memory plan state (plan_memory_): free buffers by size, tensors' last use, live references per buffer.
  std::multimap<std::size_t, std::shared_ptr<cl::Buffer>> free_buffers_;
  std::map<std::string, std::size_t> last_use_;
  std::map<const cl::Buffer*, int> buffer_refs_;
  std::vector<std::string> pooled_;  // tensors holding pooled buffers, in creation order
  std::size_t buffers_allocated_ = 0;
};

}  // namespace joulebench
