// The engine contract (LoadGen-shaped): the harness owns the clocks, engines only execute.
// Call order: Supports -> Prepare (untimed, duration recorded) -> Stage (untimed) -> Enqueue/Wait (timed) ->
// Outputs (checks) -> Describe (stored with the run). An engine object serves one cell at a time.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engines/graph.h"
#include "harness/common/param_spec.h"

namespace joulebench {

enum class Precision { kFp32, kFp16, kInt8 };
const char* PrecisionName(Precision p);
bool ParsePrecision(const std::string& name, Precision* out);

struct UnsupportedOp {
  std::string op_type;
  std::string node_name;
  std::string reason;
};

class Engine {
 public:
  virtual ~Engine() = default;

  // Before any run: every op of `graph` this engine cannot execute, with the reason. Empty means supported.
  virtual std::vector<UnsupportedOp> Supports(const Graph& graph) const = 0;
  // All build work for one (precision, batch): passes, tuning, allocation. The engine keeps a reference to
  // nothing from `graph` after it returns. Throws InputError for impossible requests.
  virtual void Prepare(const Graph& graph, Precision precision, std::int64_t batch) = 0;
  // Copies inputs (shapes already resolved for the prepared batch) to where Enqueue reads them.
  virtual void Stage(const TensorMap& inputs) = 0;
  // Starts one inference of the prepared batch; Wait() returns when its results are complete (queue drained).
  virtual void Enqueue() = 0;
  virtual void Wait() = 0;
  void Infer() {
    Enqueue();
    Wait();
  }
  // Results of the last completed inference, copied to the host.
  virtual TensorMap Outputs() = 0;
  // What actually runs: kernels per inference, fused groups, precision per layer, memory. JSON object.
  virtual nlohmann::json Describe() const = 0;
};

// Where an engine runs (OpenCL engines; the reference engine ignores it): the scenario's "device" block.
struct EngineConfig {
  std::string device_type = "any";  // any | gpu | cpu
  std::string device_platform;      // substring of the OpenCL platform name
  std::int64_t device_index = 0;
  nlohmann::json options = nlohmann::json::object();  // the scenario's engine_options for this engine
  // The device's cumulative energy counter in joules (NaN where a read failed), from the run's meters (the nvml
  // meter's gpuN_energy); empty where the run has none. opencl-optimized's kernel_objective=measured-energy reads it
  // while it selects kernels.
  std::function<double()> device_energy_j;
};

struct EngineInfo {
  std::string name;
  std::string description;
  std::vector<Precision> precisions;
  std::vector<ParamSpec> options;  // declared as data, validated by the scenario
  std::unique_ptr<Engine> (*create)(const EngineConfig& config);
  // Before a run: "" when the engine can run here with `config`, else why (no such device). May be null.
  std::string (*probe)(const EngineConfig& config) = nullptr;
};

// The registration table: the one place optional engines are switched in.
const std::vector<EngineInfo>& Engines();
const EngineInfo* FindEngine(const std::string& name);

// Fresh random inputs for every graph input at `batch`: float U(-1, 1); int64 U[0, n) where n is the size of the
// table the input indexes through Gather (token ids), else 1000; bool fair coin flips.
TensorMap MakeRandomInputs(const Graph& graph, std::int64_t batch, std::uint64_t seed);

}  // namespace joulebench
