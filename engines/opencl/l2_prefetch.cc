// l2_prefetch: each implicit-GEMM launch of opencl-optimized requests the weights of the plan's next weight-reading
// launch into the device's L2 cache while it runs. At batch 1 a ResNet-50 inference reads ~100 MB of weights, more
// than an H100's 50 MB L2 keeps from one inference to the next, so every layer's first loads wait on device memory;
// the layer before has time to bring them in (docs/engines.md, "L2 prefetch").
#include <algorithm>

#include <fmt/format.h>

#include "engines/opencl/optimized_engine.h"
#include "engines/opencl/optimized_kernels.h"

namespace joulebench {

void OpenClOptimizedEngine::MarkConstants(cl_mem constants, const IgemmArgs* args, cl_uint pf_arg) {
  Launch& l = launches_.back();
  l.constants = constants;
  if (!args) return;
  cl_kernel k = kernels_.back();  // the launch's own kernel object (Builder::Bind made it for this launch)
  l.prefetch = [k, pf_arg, a = *args](cl_mem target, std::int32_t lines) mutable {
    a.pf_lines = lines;
    cl::Check(clSetKernelArg(k, pf_arg, sizeof(cl_mem), &target), "clSetKernelArg (l2_prefetch buffer)");
    cl::Check(clSetKernelArg(k, pf_arg + 1, sizeof(IgemmArgs), &a), "clSetKernelArg (l2_prefetch lines)");
  };
}

void OpenClOptimizedEngine::AfterLowering() {
  l2_report_ = {{"mode", l2_prefetch_ ? "on" : "off"}};
  if (l2_prefetch_) WireL2Prefetch();
  RecordPlan();  // after every kernel argument is bound: a command buffer keeps the arguments it recorded
}

void OpenClOptimizedEngine::WireL2Prefetch() {
  std::vector<std::size_t> readers;  // launches that read constants, in plan order
  for (std::size_t i = 0; i < launches_.size(); ++i) {
    if (launches_[i].constants) readers.push_back(i);
  }
  nlohmann::json targets = nlohmann::json::array();
  std::size_t bytes_total = 0;
  for (std::size_t i = 0; i < launches_.size(); ++i) {
    if (!launches_[i].prefetch) continue;
    const auto next = std::upper_bound(readers.begin(), readers.end(), i);
    const std::size_t j = next != readers.end() ? *next : readers.front();  // the next inference's first reader
    if (j == i) continue;  // the plan's only reader: its weights stay in L2 anyway
    std::size_t bytes = 0;
    cl::Check(clGetMemObjectInfo(launches_[j].constants, CL_MEM_SIZE, sizeof bytes, &bytes, nullptr),
              "clGetMemObjectInfo (l2_prefetch)");
    const std::int64_t lines = std::min<std::int64_t>((static_cast<std::int64_t>(bytes) + 127) / 128, INT32_MAX);
    launches_[i].prefetch(launches_[j].constants, static_cast<std::int32_t>(lines));
    bytes_total += bytes;
    targets.push_back({{"launch", i}, {"node", launches_[i].node}, {"prefetches_launch", j},
                       {"prefetches_node", launches_[j].node}, {"bytes", bytes}});
  }
  l2_report_["prefetching_launches"] = targets.size();
  l2_report_["bytes_per_inference"] = bytes_total;
  l2_report_["instruction"] = PtxDefine().empty() ? "OpenCL prefetch() (a hint)" : "PTX prefetch.global.L2";
  l2_report_["targets"] = targets;
}

const std::string& OpenClOptimizedEngine::PtxDefine() {
  if (ptx_define_) return *ptx_define_;
  ptx_define_ = "";
  if (device_->platform().find("NVIDIA") == std::string::npos) return *ptx_define_;
  try {  // the kernels' own PTX, alone: a driver that rejects it costs the hint, never the plan
    cl::Program probe(*device_,
                      "__kernel void probe(__global float* p) {\n"
                      "  asm volatile(\"prefetch.global.L2 [%0];\" : : \"l\"((ulong)p));\n"
                      "  asm volatile(\"red.global.add.f32 [%0], %1;\" : : \"l\"((ulong)p), \"f\"(1.0f) : \"memory\");\n"
                      "}\n",
                      "-cl-std=CL1.2");
    ptx_define_ = " -DNV_PTX";
  } catch (const std::exception& e) {
    warnings_.push_back(fmt::format("inline PTX did not compile on this NVIDIA device, so l2_prefetch uses OpenCL's "
                                    "prefetch() hint and atomic split-K a compare-and-swap loop: {}", e.what()));
  }
  return *ptx_define_;
}

}  // namespace joulebench
