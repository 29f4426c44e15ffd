// opencl-baseline implementation: Prepare (shapes at the batch, host folding of shape subgraphs, lowering, one
// warm-up run so CLBlast compiles its kernels inside Prepare), Stage/Enqueue/Wait/Outputs, Describe.
#include "engines/opencl/baseline_engine.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <climits>

#include <fmt/format.h>

#include "engines/onnx/onnx_model.h"
#include "engines/opencl/baseline_builder.h"
#include "engines/opencl/baseline_kernels.h"
#include "engines/reference/reference_ops.h"
#include "harness/common/errors.h"

namespace joulebench {
namespace {

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Host folding: shape subgraphs (int64/bool values, Shape, Constant) and views of host values are computed on
// the host at Prepare; float arithmetic is never folded in the baseline (that is an optimization).
bool FoldOnHost(const Node& n, const std::map<std::string, Tensor>& host) {
  if (n.op_type == "Constant" || n.op_type == "Shape") return true;
  static const std::vector<std::string> views = {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout"};
  bool all_host = true, all_int = true;
  for (const auto& in : n.inputs) {
    if (in.empty()) continue;
    auto it = host.find(in);
    if (it == host.end()) {
      all_host = false;
      break;
    }
    all_int &= it->second.type() != DataType::kFloat32 || it->second.size() <= 1;
  }
  if (!all_host) return false;
  return all_int || Contains(views, n.op_type) || n.op_type == "ConstantOfShape";
}

}  // namespace

const std::vector<std::string>& BaselineHostOps() {
  static const std::vector<std::string> ops = {"Shape", "Constant", "ConstantOfShape", "Equal"};
  return ops;
}

OpenClBaselineEngine::~OpenClBaselineEngine() {
  for (cl_kernel k : kernels_) clReleaseKernel(k);
}

std::vector<UnsupportedOp> OpenClBaselineEngine::Supports(const Graph& graph) const {
  std::vector<UnsupportedOp> out;
  for (const auto& n : graph.nodes) {
    if (!Contains(BaselineDeviceOps(), n.op_type) && !Contains(BaselineHostOps(), n.op_type)) {
      out.push_back({n.op_type, n.name, EngineName() + " has no kernel for this operator"});
    }
  }
  return out;
}

void OpenClBaselineEngine::Prepare(const Graph& graph, Precision precision, std::int64_t batch) {
  const auto t0 = std::chrono::steady_clock::now();
  if (precision != Precision::kFp32) {
    throw InputError(fmt::format("{}: precision {} is not available (fp32 only)", EngineName(),
                                 PrecisionName(precision)));
  }
  for (const auto& in : graph.inputs) {
    if (!in.shape.empty() && in.shape[0] > 0 && in.shape[0] != batch) {
      throw InputError(fmt::format("{}: input '{}' has a fixed batch of {}, so batch {} cannot run", graph.source,
                                   in.name, in.shape[0], batch));
    }
  }
  for (cl_kernel k : kernels_) clReleaseKernel(k);
  kernels_.clear();
  launches_.clear();
  launches_by_kind_.clear();
  device_tensors_.clear();
  meta_.clear();
  free_buffers_.clear();
  buffer_refs_.clear();
  pooled_.clear();
  last_use_.clear();
  device_bytes_ = 0;
  buffers_allocated_ = 0;
  batch_ = batch;
  if (!device_) {
    device_ = std::make_unique<cl::Device>(cl::DeviceChoice{config_.device_type, config_.device_platform,
                                                            config_.device_index,
                                                            config_.options.value("queue_profiling", false)});
  }
  if (!program_) program_ = std::make_unique<cl::Program>(*device_, BaselineKernelSource(), "-cl-std=CL1.2");
  // Concrete shapes for this batch from ONNX shape inference, then the engine's graph passes.
  graph_ = Optimize(WithInferredShapes(graph, batch));
  for (std::size_t i = 0; i < graph_.nodes.size(); ++i) {
    for (const auto& in : graph_.nodes[i].inputs) last_use_[in] = i;
  }
  for (const auto& o : graph_.outputs) last_use_[o.name] = SIZE_MAX;  // outputs live to the end
  host_.clear();
  for (const auto& [name, t] : graph_.initializers) host_.emplace(name, t);
  Builder b{*this, graph_.opset};
  for (const auto& in : graph_.inputs) {
    device_tensors_[in.name] = DevTensor{in.type, ResolveBatch(in.shape, batch), nullptr};
    auto& t = device_tensors_[in.name];
    t.buffer = std::make_shared<cl::Buffer>(*device_, static_cast<std::size_t>(ElementCount(t.shape)) * DataTypeSize(t.type));
    device_bytes_ += t.buffer->bytes();
  }
  for (std::size_t index = 0; index < graph_.nodes.size(); ++index) {
    const Node& n = graph_.nodes[index];
    if (FoldOnHost(n, host_)) {
      std::vector<const Tensor*> ins;
      Tensor shape_value;
      if (n.op_type == "Shape") {  // needs only the input's shape
        const Shape s = b.ShapeOf(n.inputs[0]);
        shape_value = Tensor(DataType::kFloat32, s);  // a stand-in with the right shape; data unused by Shape
        ins.push_back(&shape_value);
      } else {
        for (const auto& in : n.inputs) ins.push_back(in.empty() ? nullptr : &host_.at(in));
      }
      auto outs = FindReferenceOp(n.op_type)(n, ins, graph_.opset);
      for (std::size_t i = 0; i < n.outputs.size() && i < outs.size(); ++i) host_[n.outputs[i]] = std::move(outs[i]);
      continue;
    }
    if (Contains(BaselineHostOps(), n.op_type)) {
      throw InputError(fmt::format("{}: {} node '{}' runs on the host only, but its inputs are computed on the device",
                                   EngineName(), n.op_type, n.name));
    }
    if (!LowerSpecial(b, n)) LowerBaselineNode(b, n);
    if (plan_memory_) ReleaseDead(index);
  }
  AfterLowering();
  // Warm-up inside Prepare: CLBlast compiles its kernels on first use; that belongs to build time.
  Enqueue();
  Wait();
  prepare_s_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void OpenClBaselineEngine::Stage(const TensorMap& inputs) {
  for (const auto& in : graph_.inputs) {
    auto it = inputs.find(in.name);
    if (it == inputs.end()) throw InputError(fmt::format("opencl-baseline: input '{}' was not given", in.name));
    auto& dev = device_tensors_.at(in.name);
    if (it->second.shape() != dev.shape || it->second.type() != dev.type) {
      throw InputError(fmt::format("opencl-baseline: input '{}' is {} {}, the prepared model expects {} {}", in.name,
                                   DataTypeName(it->second.type()), ShapeToString(it->second.shape()),
                                   DataTypeName(dev.type), ShapeToString(dev.shape)));
    }
    dev.buffer->Write(*device_, it->second.raw(), it->second.bytes());
  }
}

void OpenClBaselineEngine::Enqueue() {
  for (auto& l : launches_) l.run();
}

std::map<std::string, std::pair<int, double>> OpenClBaselineEngine::EnqueueSecondsByKind(int reps) {
  std::map<std::string, std::pair<int, double>> by_kind;
  for (const auto& l : launches_) ++by_kind[l.kind].first;
  for (int r = 0; r < reps; ++r) {
    for (auto& l : launches_) {
      const auto t0 = std::chrono::steady_clock::now();
      l.run();
      by_kind[l.kind].second += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / reps;
    }
    Wait();
  }
  return by_kind;
}

void OpenClBaselineEngine::RequireProfilingQueue(const char* what) const {
  if (!device_->profiling()) {
    throw InputError(fmt::format("{}: {} time per kind of launch needs the option queue_profiling=true (the "
                                 "inference queue records no timestamps without it)", EngineName(), what));
  }
}

std::map<std::string, std::pair<int, double>> OpenClBaselineEngine::GpuSecondsByKind(int reps) {
  std::map<std::string, std::pair<int, double>> by_kind;
  for (const auto& l : launches_) ++by_kind[l.kind].first;
  RequireProfilingQueue("GPU");
  cl_command_queue q = device_->queue();
  auto end_ns = [](cl_event e) {
    cl_ulong t = 0;
    cl::Check(clGetEventProfilingInfo(e, CL_PROFILING_COMMAND_END, sizeof t, &t, nullptr), "clGetEventProfilingInfo");
    return t;
  };
  for (int r = 0; r < reps; ++r) {
    cl_int err = CL_SUCCESS;
    cl_event gate = clCreateUserEvent(device_->context(), &err);
    cl::Check(err, "clCreateUserEvent");
    std::vector<cl_event> marks(launches_.size() + 1);
    // A first copy of the inference fills the device's pipeline: the time from releasing the gate to its first
    // kernel is not a kernel's.
    cl::Check(clEnqueueMarkerWithWaitList(q, 1, &gate, nullptr), "clEnqueueMarkerWithWaitList");
    for (auto& l : launches_) l.run();
    cl::Check(clEnqueueMarkerWithWaitList(q, 0, nullptr, &marks[0]), "clEnqueueMarkerWithWaitList");
    for (std::size_t i = 0; i < launches_.size(); ++i) {
      launches_[i].run();
      cl::Check(clEnqueueMarkerWithWaitList(q, 0, nullptr, &marks[i + 1]), "clEnqueueMarkerWithWaitList");
    }
    cl::Check(clSetUserEventStatus(gate, CL_COMPLETE), "clSetUserEventStatus");
    Wait();
    for (std::size_t i = 0; i < launches_.size(); ++i) {
      by_kind[launches_[i].kind].second += 1e-9 * static_cast<double>(end_ns(marks[i + 1]) - end_ns(marks[i])) / reps;
    }
    for (cl_event e : marks) clReleaseEvent(e);
    clReleaseEvent(gate);
  }
  return by_kind;
}

std::map<std::string, std::pair<int, double>> OpenClBaselineEngine::KernelSecondsByKind(int reps) {
  std::map<std::string, std::pair<int, double>> by_kind;
  for (const auto& l : launches_) ++by_kind[l.kind].first;
  RequireProfilingQueue("kernel");
  if (!std::all_of(launches_.begin(), launches_.end(), [](const Launch& l) { return l.plain; })) {
    throw InputError(fmt::format("{}: kernel time per kind of launch needs one queue; this plan runs parallel "
                                 "branches (use the option parallel_branches=off)", EngineName()));
  }
  auto profiled_ns = [](cl_event e, cl_profiling_info what) {
    cl_ulong t = 0;
    cl::Check(clGetEventProfilingInfo(e, what, sizeof t, &t, nullptr), "clGetEventProfilingInfo");
    return t;
  };
  // A one-work-item kernel spins (~9 ms on the H100) while the inference is enqueued behind it, so the device runs
  // the inference at its own pace: enqueueing with events costs the host more than a batch-1 kernel takes.
  cl::Program spin_program(*device_,
                           "__kernel void spin(__global float* x, int n) {\n"
                           "  float v = x[0];\n"
                           "  for (int i = 0; i < n; ++i) v = fma(v, 0.999999f, 1e-7f);\n"
                           "  if (v == 12345.0f) x[1] = v;\n"
                           "}\n",
                           "-cl-std=CL1.2");
  cl::Buffer scratch(*device_, 2 * sizeof(float));
  cl_mem scratch_mem = scratch.mem();
  const cl_int spin_steps = 1 << 22;
  cl_kernel spin = spin_program.Kernel("spin");
  cl::Check(clSetKernelArg(spin, 0, sizeof(cl_mem), &scratch_mem), "clSetKernelArg");
  cl::Check(clSetKernelArg(spin, 1, sizeof spin_steps, &spin_steps), "clSetKernelArg");
  for (int r = 0; r < reps; ++r) {
    std::vector<cl_event> events(launches_.size(), nullptr);
    const std::size_t one = 1;
    cl::Check(clEnqueueNDRangeKernel(device_->queue(), spin, 1, nullptr, &one, &one, 0, nullptr, nullptr),
              "clEnqueueNDRangeKernel (spin)");
    for (std::size_t i = 0; i < launches_.size(); ++i) {
      if (launches_[i].enqueue) {
        launches_[i].enqueue(0, nullptr, &events[i]);
      } else {
        launches_[i].run();
      }
    }
    Wait();
    // A launch's share: from the later of its start and the previous timed launch's end to its own end. NVIDIA
    // stamps a kernel's start before the kernel ahead of it ends (session 11: the START-END spans of a batch-1
    // inference added up to 1.21 ms against 0.89 ms of inference), so the spans overlap; the shares do not. The
    // first launch's share starts at its own start (the spin ends just before).
    cl_ulong previous_end = 0;
    for (std::size_t i = 0; i < launches_.size(); ++i) {
      if (!events[i]) continue;
      const cl_ulong start = std::max(profiled_ns(events[i], CL_PROFILING_COMMAND_START), previous_end);
      const cl_ulong end = profiled_ns(events[i], CL_PROFILING_COMMAND_END);
      by_kind[launches_[i].kind].second += 1e-9 * static_cast<double>(end > start ? end - start : 0) / reps;
      previous_end = std::max(previous_end, end);
      clReleaseEvent(events[i]);
    }
  }
  return by_kind;
}

void OpenClBaselineEngine::Wait() { cl::Check(clFinish(device_->queue()), "clFinish"); }

TensorMap OpenClBaselineEngine::Outputs() {
  TensorMap out;
  for (const auto& o : graph_.outputs) {
    if (auto h = host_.find(o.name); h != host_.end()) {
      out.emplace(o.name, h->second);
      continue;
    }
    const auto& dev = device_tensors_.at(o.name);
    Tensor t(dev.type, dev.shape);
    dev.buffer->Read(*device_, t.raw(), t.bytes());
    out.emplace(o.name, std::move(t));
  }
  return out;
}

nlohmann::json OpenClBaselineEngine::Describe() const {
  return {{"engine", "opencl-baseline"},
          {"device", device_ ? device_->Facts() : nlohmann::json()},
          {"precision", "fp32 (every layer)"},
          {"batch", batch_},
          {"kernels_per_inference", launches_.size()},
          {"launches_by_kind", launches_by_kind_},
          {"fusion", "none: one launch (or more) per ONNX node"},
          {"gemm", "CLBlast 1.5 default parameters"},
          {"device_memory_bytes", device_bytes_},
          {"program_from_cache", program_ && program_->from_cache()},
          {"program_build_s", program_ ? program_->build_seconds() : 0.0},
          {"prepare_s", prepare_s_}};
}

// ---- Memory plan ----

std::shared_ptr<cl::Buffer> OpenClBaselineEngine::Acquire(std::size_t bytes) {
  bytes = std::max<std::size_t>(bytes, 4);
  if (plan_memory_) {
    auto it = free_buffers_.lower_bound(bytes);  // best fit: the smallest free buffer that is large enough
    if (it != free_buffers_.end() && it->first <= 2 * bytes + (1 << 20)) {
      auto buf = it->second;
      free_buffers_.erase(it);
      buffer_refs_[buf.get()] = 0;
      return buf;
    }
  }
  auto buf = std::make_shared<cl::Buffer>(*device_, bytes);
  device_bytes_ += bytes;
  ++buffers_allocated_;
  if (plan_memory_) buffer_refs_[buf.get()] = 0;
  return buf;
}

void OpenClBaselineEngine::ReleaseDead(std::size_t node_index) {
  // Count the live tensors on each pooled buffer; a buffer with none left goes back to the pool.
  std::map<const cl::Buffer*, int> live;
  std::vector<std::string> still;
  for (const auto& name : pooled_) {
    auto lu = last_use_.find(name);
    const bool dead = lu == last_use_.end() || lu->second <= node_index;
    auto& t = device_tensors_.at(name);
    if (!dead) {
      ++live[t.buffer.get()];
      still.push_back(name);
    } else {
      live.emplace(t.buffer.get(), 0);
    }
  }
  for (const auto& [buf, count] : live) {
    if (count > 0 || !buffer_refs_.count(buf)) continue;
    for (const auto& name : pooled_) {
      auto& t = device_tensors_.at(name);
      if (t.buffer.get() == buf) {
        free_buffers_.emplace(t.buffer->bytes(), t.buffer);
        break;
      }
    }
    buffer_refs_.erase(buf);
  }
  pooled_ = std::move(still);
}

// ---- Builder ----

const Tensor* OpenClBaselineEngine::Builder::Host(const std::string& name) const {
  auto it = e.host_.find(name);
  return it == e.host_.end() ? nullptr : &it->second;
}

Shape OpenClBaselineEngine::Builder::ShapeOf(const std::string& name) const {
  if (auto d = e.device_tensors_.find(name); d != e.device_tensors_.end()) return d->second.shape;
  if (auto h = e.host_.find(name); h != e.host_.end()) return h->second.shape();
  if (auto s = e.graph_.value_shapes.find(name); s != e.graph_.value_shapes.end()) return s->second;
  throw InputError(fmt::format("opencl-baseline: the shape of '{}' is unknown after shape inference", name));
}

OpenClBaselineEngine::DevTensor& OpenClBaselineEngine::Builder::Dev(const std::string& name) {
  if (auto d = e.device_tensors_.find(name); d != e.device_tensors_.end()) return d->second;
  const Tensor* h = Host(name);
  if (!h) throw InputError(fmt::format("opencl-baseline: tensor '{}' is neither computed nor known", name));
  DevTensor t{h->type(), h->shape(), std::make_shared<cl::Buffer>(*e.device_, h->bytes())};
  t.buffer->Write(*e.device_, h->raw(), h->bytes());
  e.device_bytes_ += t.buffer->bytes();
  return e.device_tensors_[name] = std::move(t);
}

OpenClBaselineEngine::DevTensor& OpenClBaselineEngine::Builder::Input(const Node& n, std::size_t i) {
  if (i >= n.inputs.size() || n.inputs[i].empty()) {
    throw InputError(fmt::format("{} node '{}': input {} is required", n.op_type, n.name, i));
  }
  return Dev(n.inputs[i]);
}

OpenClBaselineEngine::DevTensor& OpenClBaselineEngine::Builder::Output(const Node& n, std::size_t i, DataType type) {
  Shape s = ShapeOf(n.outputs[i]);
  for (auto d : s) {
    if (d < 0) throw InputError(fmt::format("opencl-baseline: output '{}' of node '{}' has an unresolved shape {}",
                                            n.outputs[i], n.name, ShapeToString(s)));
  }
  const std::size_t bytes = static_cast<std::size_t>(ElementCount(s)) * DataTypeSize(type);
  DevTensor t{type, s, e.Acquire(bytes)};
  if (e.plan_memory_) e.pooled_.push_back(n.outputs[i]);
  return e.device_tensors_[n.outputs[i]] = std::move(t);
}

OpenClBaselineEngine::DevTensor& OpenClBaselineEngine::Builder::View(const Node& n, const DevTensor& source) {
  DevTensor t = source;
  t.shape = ShapeOf(n.outputs[0]);
  if (e.plan_memory_ && e.buffer_refs_.count(t.buffer.get())) e.pooled_.push_back(n.outputs[0]);
  return e.device_tensors_[n.outputs[0]] = std::move(t);
}

OpenClBaselineEngine::DevTensor& OpenClBaselineEngine::Builder::Scratch(const std::string& name, std::int64_t floats) {
  const std::size_t bytes = static_cast<std::size_t>(floats) * sizeof(float);
  DevTensor t{DataType::kFloat32, {floats}, e.Acquire(bytes)};
  if (e.plan_memory_) {
    e.pooled_.push_back(name);
    e.last_use_[name] = 0;  // a scratch buffer is dead once its node is lowered
  }
  return e.device_tensors_[name] = std::move(t);
}

cl_command_queue* OpenClBaselineEngine::Builder::Queue() {
  return e.launch_queue_ ? e.launch_queue_ : e.device_->queue_ptr();
}

cl_mem OpenClBaselineEngine::Builder::Meta(const std::vector<std::int64_t>& values) {
  auto buf = std::make_shared<cl::Buffer>(*e.device_, values.size() * sizeof(std::int64_t));
  buf->Write(*e.device_, values.data(), values.size() * sizeof(std::int64_t));
  e.meta_.push_back(buf);
  return buf->mem();
}

cl_kernel OpenClBaselineEngine::Builder::Bind(cl::Program& program, const char* kernel,
                                              const std::vector<KernelArg>& args) {
  cl_int err = CL_SUCCESS;
  cl_program prog = nullptr;
  clGetKernelInfo(program.Kernel(kernel), CL_KERNEL_PROGRAM, sizeof(prog), &prog, nullptr);
  cl_kernel k = clCreateKernel(prog, kernel, &err);
  cl::Check(err, kernel);
  e.kernels_.push_back(k);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const KernelArg& a = args[i];
    const cl_uint idx = static_cast<cl_uint>(i);
    switch (a.kind) {
      case KernelArg::kMem: err = clSetKernelArg(k, idx, sizeof(cl_mem), &a.mem); break;
      case KernelArg::kLong: {
        const cl_long v = a.l;
        err = clSetKernelArg(k, idx, sizeof(cl_long), &v);
        break;
      }
      case KernelArg::kInt: err = clSetKernelArg(k, idx, sizeof(cl_int), &a.i); break;
      case KernelArg::kFloat: err = clSetKernelArg(k, idx, sizeof(cl_float), &a.f); break;
      case KernelArg::kLocal: err = clSetKernelArg(k, idx, a.local, nullptr); break;
      case KernelArg::kStruct: err = clSetKernelArg(k, idx, a.bytes.size(), a.bytes.data()); break;
    }
    cl::Check(err, fmt::format("clSetKernelArg {} arg {}", kernel, i).c_str());
  }
  return k;
}

void OpenClBaselineEngine::Builder::Kernel(const Node& n, const char* kernel, const std::vector<KernelArg>& args,
                                           std::size_t global, std::size_t local, cl::Program* program) {
  cl_kernel k = Bind(program ? *program : *e.program_, kernel, args);
  if (global == 0) return;
  const std::size_t g = local ? (global + local - 1) / local * local : global;
  cl_command_queue q = *Queue();
  AddKernelLaunch(
      n.name, kernel,
      [k, q, g, local](cl_uint waits, const cl_event* wait, cl_event* done) {
        cl::Check(clEnqueueNDRangeKernel(q, k, 1, nullptr, &g, local ? &local : nullptr, waits, wait, done),
                  "clEnqueueNDRangeKernel");
      },
      local ? g / local : 0);
  Launch& l = e.launches_.back();
  l.kernel = k;
  l.queue = q;
  l.dims = 1;
  l.global = {g, 1, 1};
  l.local = {local, 1, 1};
  ++e.launches_by_kind_[kernel];
}

void OpenClBaselineEngine::Builder::Kernel3d(const Node& n, cl::Program& program, const char* kernel,
                                             const std::string& kind, const std::vector<KernelArg>& args,
                                             const std::size_t global[3], const std::size_t local[3]) {
  cl_kernel k = Bind(program, kernel, args);
  cl_command_queue q = *Queue();
  const std::array<std::size_t, 3> g{global[0], global[1], global[2]}, l{local[0], local[1], local[2]};
  AddKernelLaunch(
      n.name, kind,
      [k, q, g, l](cl_uint waits, const cl_event* wait, cl_event* done) {
        cl::Check(clEnqueueNDRangeKernel(q, k, 3, nullptr, g.data(), l.data(), waits, wait, done),
                  "clEnqueueNDRangeKernel");
      },
      (g[0] / l[0]) * (g[1] / l[1]) * (g[2] / l[2]));
  Launch& launch = e.launches_.back();
  launch.kernel = k;
  launch.queue = q;
  launch.dims = 3;
  launch.global = g;
  launch.local = l;
  ++e.launches_by_kind_[kind];
}

void OpenClBaselineEngine::Builder::AddKernelLaunch(
    const std::string& node, const std::string& kind,
    std::function<void(cl_uint, const cl_event*, cl_event*)> enqueue, std::size_t groups) {
  e.launches_.push_back({node, kind, [enqueue] { enqueue(0, nullptr, nullptr); }, enqueue, groups,
                         e.launch_queue_ == nullptr});
}

void OpenClBaselineEngine::Builder::Custom(const Node& n, const char* kind, std::function<void()> run) {
  e.launches_.push_back({n.name, kind, std::move(run)});
  ++e.launches_by_kind_[kind];
}

}  // namespace joulebench
