// command_buffer (engines/opencl/recorded_plan.cc): opencl-optimized's plan recorded into one cl_khr_command_buffer
// and replayed per inference, through PoCL (which offers the extension). The replay must give the same bits as the
// launches enqueued one by one (the same kernels with the same arguments), keep the parallel branches' order through
// sync points, survive back-to-back replays, and refuse or fall back clearly where a launch is no kernel.
#include <gtest/gtest.h>

#include <cstring>

#include "engines/opencl/command_buffer.h"
#include "harness/common/errors.h"
#include "optimized_test_util.h"

namespace joulebench {
namespace {

using testing::ExpectMatchesReference;
using testing::FreshPlanCache;
using testing::Zoo;

// The OpenCL device the engines pick ("any"); the test needs its driver to offer command buffers (PoCL does).
bool DeviceRecords() {
  cl::Device device(cl::DeviceChoice{"any", "", 0, false});
  const std::string why = cl::CommandBuffer::Unavailable(device.id());
  if (!why.empty() && device.platform().find("Portable Computing Language") != std::string::npos) {
    ADD_FAILURE() << "PoCL offers cl_khr_command_buffer, yet: " << why;
  }
  return why.empty();
}

TensorMap RunTwice(const Graph& g, std::int64_t batch, const nlohmann::json& options, const TensorMap& inputs,
                   nlohmann::json* describe) {
  OpenClOptimizedEngine e(EngineConfig{"any", "", 0, options});
  e.Prepare(g, Precision::kFp32, batch);
  e.Stage(inputs);
  e.Enqueue();  // two replays in flight before one wait: the second must not overlap the first
  e.Enqueue();
  e.Wait();
  *describe = e.Describe();
  return e.Outputs();
}

TEST(CommandBuffer, ReplayGivesTheSameBitsAsLaunchesAndKeepsBranchOrder) {
  if (!DeviceRecords()) GTEST_SKIP() << "this OpenCL driver offers no cl_khr_command_buffer";
  const Graph resnet = Zoo("resnet50", {{"image", 64}});
  // Every layer an implicit-GEMM kernel (no library call), parallel branches on: two queues, forks and joins.
  nlohmann::json options = {{"parallel_branches", "on"}, {"conv_kernel", "igemm"}, {"matmul_kernel", "igemm"},
                            {"plan_cache", false}};
  options["command_buffer"] = "on";
  const auto d = ExpectMatchesReference(resnet, 1, options);
  ASSERT_TRUE(d["command_buffer"]["used"].get<bool>()) << d["command_buffer"].dump();
  EXPECT_EQ(d["command_buffer"]["commands"].get<int>(), d["kernels_per_inference"].get<int>());
  EXPECT_EQ(d["command_buffer"]["queues"].get<int>(), 2);  // the device's and the branches'
  // PoCL runs a command buffer's commands in recorded order whatever their sync points say, so the outputs cannot
  // show a missing fork or join: count them. Per branch its first launch waits for the fork, the join for its last.
  EXPECT_EQ(d["command_buffer"]["cross_queue_waits"].get<int>(), 4 * 2);
  EXPECT_EQ(d["parallel_branches"].size(), 4u);

  const TensorMap inputs = MakeRandomInputs(resnet, 1, 11);
  nlohmann::json replayed_d, enqueued_d;
  const TensorMap replayed = RunTwice(resnet, 1, options, inputs, &replayed_d);
  options["command_buffer"] = "off";
  const TensorMap enqueued = RunTwice(resnet, 1, options, inputs, &enqueued_d);
  EXPECT_FALSE(enqueued_d["command_buffer"]["used"].get<bool>());
  EXPECT_TRUE(replayed_d["command_buffer"]["used"].get<bool>());
  for (const auto& out : resnet.outputs) {
    const Tensor& a = replayed.at(out.name);
    const Tensor& b = enqueued.at(out.name);
    ASSERT_EQ(a.bytes(), b.bytes());
    EXPECT_EQ(std::memcmp(a.raw(), b.raw(), a.bytes()), 0) << out.name << ": the replay's bits differ";
  }
}

TEST(CommandBuffer, OnRefusesALibraryCallAutoFallsBackOffIsTheDefault) {
  if (!DeviceRecords()) GTEST_SKIP() << "this OpenCL driver offers no cl_khr_command_buffer";
  const Graph mlp = Zoo("mlp", nlohmann::json::object());
  const nlohmann::json library = {{"matmul_kernel", "library"}, {"plan_cache", false}};
  nlohmann::json on = library, automatic = library;
  on["command_buffer"] = "on";
  automatic["command_buffer"] = "auto";
  OpenClOptimizedEngine e(EngineConfig{"any", "", 0, on});
  try {
    e.Prepare(mlp, Precision::kFp32, 2);
    ADD_FAILURE() << "command_buffer=on recorded a plan with a library GEMM";
  } catch (const InputError& err) {
    const std::string what = err.what();
    EXPECT_NE(what.find("clblast_gemm"), std::string::npos) << what;
    EXPECT_NE(what.find("command_buffer=auto"), std::string::npos) << what;
  }
  const auto fallback = ExpectMatchesReference(mlp, 2, automatic);
  EXPECT_FALSE(fallback["command_buffer"]["used"].get<bool>());
  EXPECT_NE(fallback["command_buffer"].value("reason", "").find("clblast_gemm"), std::string::npos)
      << fallback["command_buffer"].dump();
  nlohmann::json igemm = automatic;
  igemm["matmul_kernel"] = "igemm";
  EXPECT_TRUE(ExpectMatchesReference(mlp, 2, igemm)["command_buffer"]["used"].get<bool>());

  EXPECT_THROW(OpenClOptimizedEngine(EngineConfig{"any", "", 0, {{"command_buffer", "yes"}}}), InputError);
  EXPECT_EQ(ResolveEngineOptions("opencl-optimized", nlohmann::json::object(), "test").value("command_buffer", ""),
            "off");
  EXPECT_FALSE(ExpectMatchesReference(mlp, 2, library)["command_buffer"]["used"].get<bool>());
}

// How a plan is run is not part of the plan: a plan stored with command_buffer=off is a hit with on.
TEST(CommandBuffer, ThePlanCacheKeyLeavesItOut) {
  if (!DeviceRecords()) GTEST_SKIP() << "this OpenCL driver offers no cl_khr_command_buffer";
  FreshPlanCache cache;
  const Graph mlp = Zoo("mlp", nlohmann::json::object());
  auto prepare = [&](const std::string& mode) {
    OpenClOptimizedEngine e(EngineConfig{"any", "", 0, {{"matmul_kernel", "igemm"}, {"command_buffer", mode}}});
    e.Prepare(mlp, Precision::kFp32, 1);
    return e.Describe();
  };
  EXPECT_EQ(prepare("off")["plan_cache"]["status"], "miss");
  const auto hit = prepare("on");
  EXPECT_EQ(hit["plan_cache"]["status"], "hit");
  EXPECT_TRUE(hit["command_buffer"]["used"].get<bool>());
}

}  // namespace
}  // namespace joulebench
