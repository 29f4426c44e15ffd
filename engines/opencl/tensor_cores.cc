// opencl-optimized's tensor_cores option: whether this device compiles NVIDIA's PTX mma.sync on tf32 operands (the
// kernels' 3xTF32 path, optimized_kernels.cc), checked once with a probe program, and whether the _tc forms are timed.
#include <fmt/format.h>

#include "engines/opencl/optimized_engine.h"

namespace joulebench {

const std::string& OpenClOptimizedEngine::MmaDefine() {
  if (mma_define_) return *mma_define_;
  mma_define_ = "";
  if (device_->platform().find("NVIDIA") == std::string::npos) return *mma_define_;
  try {  // the kernels' instruction, alone: a driver that rejects it leaves the tensor-core forms untimed
    cl::Program probe(*device_,
                      "__kernel void probe(__global float* p) {\n"
                      "  float d0, d1, d2, d3;\n"
                      "  uint a = as_uint(p[0]) & 0xffffe000u;\n"
                      "  asm volatile(\"mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, "
                      "{%4,%5,%6,%7}, {%8,%9}, {%10,%11,%12,%13};\"\n"
                      "               : \"=f\"(d0), \"=f\"(d1), \"=f\"(d2), \"=f\"(d3)\n"
                      "               : \"r\"(a), \"r\"(a), \"r\"(a), \"r\"(a), \"r\"(a), \"r\"(a), \"f\"(p[1]), "
                      "\"f\"(p[2]), \"f\"(p[3]), \"f\"(p[4]));\n"
                      "  p[get_global_id(0)] = d0 + d1 + d2 + d3;\n"
                      "}\n",
                      "-cl-std=CL1.2");
    mma_define_ = " -DNV_MMA";
  } catch (const std::exception& e) {
    warnings_.push_back(fmt::format("PTX mma.sync on tf32 did not compile on this NVIDIA device, so tensor_cores=3xtf32 "
                                    "times no tensor-core form: {}", e.what()));
  }
  return *mma_define_;
}

bool OpenClOptimizedEngine::TensorCoresTimed() {
  if (!tensor_cores_) return false;
  if (!MmaDefine().empty()) return true;
  warnings_.push_back(fmt::format("tensor_cores=3xtf32: {} has no PTX mma.sync (tensor cores through NVIDIA's OpenCL "
                                  "only), so no tensor-core form is timed; a _tc form named in conv_kernel or "
                                  "matmul_kernel runs an emulation through local memory, for tests",
                                  device_->name()));
  return false;
}

}  // namespace joulebench
