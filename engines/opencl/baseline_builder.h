// The baseline engine's plan builder: device tensors (uploading host values on demand), output allocation from
// the inferred shapes, kernel launches with arguments bound once at Prepare, and the per-op lowering entry point.
#pragma once

#include <string>
#include <type_traits>
#include <vector>

#include "engines/opencl/baseline_engine.h"

namespace joulebench {

struct KernelArg {
  enum Kind { kMem, kLong, kInt, kFloat, kLocal, kStruct } kind;
  cl_mem mem = nullptr;
  std::int64_t l = 0;
  std::int32_t i = 0;
  float f = 0;
  std::size_t local = 0;
  std::string bytes;  // kStruct: a struct passed by value (its OpenCL C twin must have the same layout)
};
inline KernelArg M(cl_mem m) { return {KernelArg::kMem, m}; }
inline KernelArg L(std::int64_t v) { return {KernelArg::kLong, nullptr, v}; }
inline KernelArg I(std::int32_t v) { return {KernelArg::kInt, nullptr, 0, v}; }
inline KernelArg F(float v) { return {KernelArg::kFloat, nullptr, 0, 0, v}; }
inline KernelArg Local(std::size_t bytes) { return {KernelArg::kLocal, nullptr, 0, 0, 0, bytes}; }
template <class T>
KernelArg Struct(const T& value) {
  static_assert(std::is_trivially_copyable_v<T>);
  return {KernelArg::kStruct, nullptr, 0, 0, 0, 0, std::string(reinterpret_cast<const char*>(&value), sizeof(T))};
}

struct OpenClBaselineEngine::Builder {
  OpenClBaselineEngine& e;
  int opset;

  const Tensor* Host(const std::string& name) const;
  Shape ShapeOf(const std::string& name) const;
  // The device tensor of `name`, uploading a host value the first time a kernel needs it.
  DevTensor& Dev(const std::string& name);
  DevTensor& Input(const Node& n, std::size_t i);
  // Allocates output i of `n` with its inferred shape (one buffer per node output).
  DevTensor& Output(const Node& n, std::size_t i, DataType type);
  DevTensor& View(const Node& n, const DevTensor& source);  // same buffer, inferred shape
  DevTensor& Scratch(const std::string& name, std::int64_t floats);  // a float work buffer (im2col)
  cl_command_queue* Queue();  // where launches go: the device queue, or the engine's launch_queue_ while set
  cl_mem Meta(const std::vector<std::int64_t>& values);
  void Kernel(const Node& n, const char* kernel, const std::vector<KernelArg>& args, std::size_t global,
              std::size_t local = 0, cl::Program* program = nullptr);
  // A 3-D launch of `kernel` from `program` (tiled kernels; unused dimensions are 1).
  void Kernel3d(const Node& n, cl::Program& program, const char* kernel, const std::string& kind,
                const std::vector<KernelArg>& args, const std::size_t global[3], const std::size_t local[3]);
  cl_kernel Bind(cl::Program& program, const char* kernel, const std::vector<KernelArg>& args);
  void Custom(const Node& n, const char* kind, std::function<void()> run);
  // A kernel launch: `enqueue` takes a wait list and an event out; the plain run passes neither.
  void AddKernelLaunch(const std::string& node, const std::string& kind,
                       std::function<void(cl_uint, const cl_event*, cl_event*)> enqueue, std::size_t groups = 0);
};

// Row-major strides of a shape, and the strides of `in` broadcast to `out` (0 where the input repeats).
std::vector<std::int64_t> Strides(const Shape& s);
std::vector<std::int64_t> BroadcastStrides(const Shape& in, const Shape& out);

// Lowers one node into launches (or host work). Throws InputError for what the engine cannot do.
void LowerBaselineNode(OpenClBaselineEngine::Builder& b, const Node& n);
// Ops the baseline engine lowers to the device, and ops it only evaluates on the host (shape subgraphs).
const std::vector<std::string>& BaselineDeviceOps();
const std::vector<std::string>& BaselineHostOps();

}  // namespace joulebench
