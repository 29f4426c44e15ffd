// Shared by the optimized-engine tests: the reference run, the comparison of opencl-optimized (PoCL on CI) with the
// reference on fresh random inputs, zoo graphs with inferred shapes.
#pragma once

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>

#include "engines/builtin_models.h"
#include "engines/compare.h"
#include "engines/onnx/onnx_model.h"
#include "engines/opencl/cl_runtime.h"
#include "engines/opencl/optimized_engine.h"
#include "engines/reference/reference_engine.h"
#include "harness/scenario.h"

namespace joulebench::testing {

inline TensorMap RunReference(const Graph& g, std::int64_t batch, const TensorMap& inputs) {
  ReferenceEngine ref;
  ref.Prepare(g, Precision::kFp32, batch);
  ref.Stage(inputs);
  ref.Infer();
  return ref.Outputs();
}

// Runs opencl-optimized with `options` and returns its Describe(); expects NMSE < 1e-6 against the reference.
inline nlohmann::json ExpectMatchesReference(const Graph& g, std::int64_t batch, nlohmann::json options = {}) {
  const TensorMap inputs = MakeRandomInputs(g, batch, std::random_device{}());
  const TensorMap want = RunReference(g, batch, inputs);
  if (!options.contains("plan_cache")) options["plan_cache"] = false;
  OpenClOptimizedEngine e(EngineConfig{"any", "", 0, options});
  e.Prepare(g, Precision::kFp32, batch);
  // One inference on other inputs first: state a launch leaves behind (serial split-K's arrival counters) must not
  // change the next answer, and stale outputs from it would not match.
  e.Stage(MakeRandomInputs(g, batch, std::random_device{}()));
  e.Infer();
  e.Stage(inputs);
  e.Infer();
  const TensorMap got = e.Outputs();
  for (const auto& out : g.outputs) {
    const TensorDiff d = CompareTensors(got.at(out.name), want.at(out.name));
    EXPECT_TRUE(d.shape_error.empty()) << g.name << ": " << d.shape_error;
    EXPECT_LT(d.nmse, 1e-6) << g.name << " " << out.name << " batch " << batch << " options " << options.dump();
  }
  return e.Describe();
}

inline Graph Zoo(const std::string& name, nlohmann::json params) {
  return WithInferredShapes(MakeBuiltinModel(name, ResolveModelParams(name, params, "test")));
}

// A plan and timing cache of this test's own (JOULEBENCH_CACHE_DIR) for its lifetime, sharing the compiled programs.
struct FreshPlanCache {
  FreshPlanCache() {
    const std::filesystem::path programs = std::filesystem::path(cl::CacheDir()) / "programs";
    std::filesystem::create_directories(programs);
    dir = std::filesystem::temp_directory_path() / ("jb-plans-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::filesystem::create_symlink(std::filesystem::absolute(programs), dir / "programs");
    ::setenv("JOULEBENCH_CACHE_DIR", dir.c_str(), 1);
  }
  ~FreshPlanCache() {
    ::unsetenv("JOULEBENCH_CACHE_DIR");
    std::filesystem::remove_all(dir);
  }
  std::filesystem::path dir;
};

inline double Nmse(const Tensor& a, const Tensor& b) { return CompareTensors(a, b).nmse; }

}  // namespace joulebench::testing
