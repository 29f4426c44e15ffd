// opencl-baseline: framework eager mode on any OpenCL device. Each ONNX node becomes its own library-quality
// kernel launch (CLBlast GEMM for Conv/Gemm/MatMul, separate bias, BatchNorm and activation kernels), fp32, no
// fusion, default untuned CLBlast parameters, a buffer per node output. Shape subgraphs (int64) run on the host,
// as frameworks do; layout-only ops (Reshape, Flatten, Squeeze, ...) are views.
#pragma once

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

  struct DevTensor {
    DataType type = DataType::kFloat32;
    Shape shape;
    std::shared_ptr<cl::Buffer> buffer;
  };
  struct Launch {
    std::string node, kind;
    std::function<void()> run;
  };
  // Used by the per-op lowering (baseline_lowering.cc).
  struct Builder;

 private:
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
};

}  // namespace joulebench
