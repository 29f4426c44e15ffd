// Lowering of FusedAttention (one launch: a work-group per `rows` query rows of one batch × head) and FusedElementwise
// (one generated kernel per distinct body) for the optimized engine.
#include <algorithm>

#include <fmt/format.h>

#include "engines/opencl/baseline_builder.h"
#include "engines/opencl/generated_kernels.h"
#include "engines/opencl/optimized_engine.h"
#include "harness/common/errors.h"

namespace joulebench {
namespace {

using DevTensor = OpenClBaselineEngine::DevTensor;

void ExpectFloat(const Node& n, const DevTensor& t, std::size_t i) {
  if (t.type != DataType::kFloat32) {
    throw InputError(fmt::format("opencl-optimized: {} '{}': input {} is {}, expected float32", n.op_type, n.name, i,
                                 DataTypeName(t.type)));
  }
}

}  // namespace

cl::Program& OpenClOptimizedEngine::GeneratedProgram(const std::string& source, const std::string& options) {
  auto& p = generated_programs_[options + "\n" + source];
  if (!p) p = std::make_unique<cl::Program>(*device_, source, "-cl-std=CL1.2 " + options);
  return *p;
}

static std::size_t AttentionLocalBytes(const Node& n, const AttentionCandidate& c) {
  constexpr std::int64_t kTile = 32;  // TILE of the kernel
  const std::int64_t d = n.IntAttr("head_dim", 0), dv = n.IntAttr("v_dim", 0);
  const std::int64_t tiles = kTile * (d + 1) + kTile * (dv + 1), parts = c.split > 1 ? c.Threads() * (dv + 2) : 0;
  return sizeof(float) * static_cast<std::size_t>(std::max(tiles, parts));
}

void OpenClOptimizedEngine::LowerAttention(Builder& b, const Node& n, const AttentionCandidate& cand) {
  DevTensor& q = b.Input(n, 0);
  DevTensor& k = b.Input(n, 1);
  DevTensor& v = b.Input(n, 2);
  for (std::size_t i = 0; i < 3; ++i) ExpectFloat(n, b.Input(n, i), i);
  DevTensor& o = b.Output(n, 0, DataType::kFloat32);
  const std::int64_t batch = n.IntAttr("batch", 0), heads = n.IntAttr("heads", 1), sq = n.IntAttr("seq_q", 0),
                     sk = n.IntAttr("seq_k", 0), d = n.IntAttr("head_dim", 0), dv = n.IntAttr("v_dim", 0);
  if (batch * heads * sq * dv != ElementCount(o.shape)) {
    throw InputError(fmt::format("opencl-optimized: FusedAttention '{}': output shape {} does not hold {}x{}x{}x{}",
                                 n.name, ShapeToString(o.shape), batch, heads, sq, dv));
  }
  if (AttentionLocalBytes(n, cand) > device_->local_memory_bytes()) {
    throw InputError(fmt::format("opencl-optimized: {} for '{}' needs {} bytes of local memory, the device has {}; "
                                 "use another attention_kernel", cand.Name(), n.name, AttentionLocalBytes(n, cand),
                                 device_->local_memory_bytes()));
  }
  cl::Program& program =
      GeneratedProgram(AttentionKernelSource(), fmt::format("-DHEAD_DIM={} -DV_DIM={} {}", d, dv, cand.Defines()));
  std::vector<KernelArg> args = {M(q.buffer->mem()), M(k.buffer->mem()), M(v.buffer->mem()), M(o.buffer->mem()),
                                 I(static_cast<std::int32_t>(heads)), I(static_cast<std::int32_t>(sq)),
                                 I(static_cast<std::int32_t>(sk)), F(n.FloatAttr("scale", 1)),
                                 L(n.IntAttr("q_offset", 0)), L(n.IntAttr("k_offset", 0)), L(n.IntAttr("v_offset", 0))};
  for (const char* key : {"q_strides", "k_strides", "v_strides", "o_strides"}) {
    const auto st = n.IntsAttr(key);
    if (st.size() != 4) throw InputError(fmt::format("opencl-optimized: FusedAttention '{}' lacks {}", n.name, key));
    for (auto s : st) args.push_back(L(s));
  }
  const std::size_t local[3] = {static_cast<std::size_t>(cand.Threads()), 1, 1};
  const std::size_t global[3] = {static_cast<std::size_t>((sq + cand.rows - 1) / cand.rows * cand.Threads()),
                                 static_cast<std::size_t>(batch * heads), 1};
  b.Kernel3d(n, program, "attention_fused", cand.Name(), args, global, local);
}

void OpenClOptimizedEngine::LowerElementwise(Builder& b, const Node& n) {
  DevTensor& y = b.Output(n, 0, DataType::kFloat32);
  std::vector<bool> same;
  std::vector<std::int64_t> meta{static_cast<std::int64_t>(y.shape.size())};
  meta.insert(meta.end(), y.shape.begin(), y.shape.end());
  std::vector<KernelArg> args;
  for (std::size_t i = 0; i < n.inputs.size(); ++i) {
    DevTensor& x = b.Input(n, i);
    ExpectFloat(n, x, i);
    same.push_back(x.shape == y.shape);
    if (!same.back()) {
      const auto st = BroadcastStrides(x.shape, y.shape);
      meta.insert(meta.end(), st.begin(), st.end());
    }
    args.push_back(M(x.buffer->mem()));
  }
  const std::int64_t count = ElementCount(y.shape);
  args.push_back(M(y.buffer->mem()));
  args.push_back(M(b.Meta(meta)));
  args.push_back(L(count));
  cl::Program& program =
      GeneratedProgram(ElementwiseKernelSource(n.StringAttr("body", ""), n.StringAttr("result", "0.0f"), same), "");
  b.Kernel(n, "fused_elementwise", args, static_cast<std::size_t>(count), 64, &program);
}

}  // namespace joulebench
