// Lowering of the fused operators (FusedConv, FusedMatMul) for each candidate kernel:
//   library  the baseline's Conv/MatMul/Gemm (im2col + CLBlast GEMM, no bias) + one fused epilogue kernel
//   direct   depthwise convolution with the epilogue inside (one launch)
//   igemm_*  implicit-GEMM convolution with the epilogue inside (one 2-D launch), tile sizes per candidate
//   direct_tiled  dense direct convolution, input patches and weights staged in local memory, epilogue inside
//   winograd_*  Winograd F(2x2 or 4x4, 3x3): input transform, batched GEMM, output transform with the epilogue
#include <fmt/format.h>

#include "engines/opencl/baseline_builder.h"
#include "engines/opencl/generated_kernels.h"
#include "engines/opencl/optimized_engine.h"
#include "engines/opencl/optimized_kernels.h"
#include "engines/opencl/winograd.h"
#include "engines/window2d.h"
#include "harness/common/errors.h"

namespace joulebench {
namespace {

using Builder = OpenClBaselineEngine::Builder;
using DevTensor = OpenClBaselineEngine::DevTensor;

struct Epilogue {
  cl_mem bias = nullptr, residual = nullptr;
  int act = 0;
  float lo = 0, hi = 0;
  bool any() const { return bias || residual || act; }
};

Epilogue EpilogueOf(Builder& b, const Node& n) {
  Epilogue e;
  if (n.inputs.size() > 2 && !n.inputs[2].empty()) e.bias = b.Input(n, 2).buffer->mem();
  if (n.inputs.size() > 3 && !n.inputs[3].empty()) e.residual = b.Input(n, 3).buffer->mem();
  e.act = ActivationCode(n.StringAttr("activation", ""));
  e.lo = n.FloatAttr("clip_min", 0);
  e.hi = n.FloatAttr("clip_max", 0);
  return e;
}

}  // namespace

void OpenClOptimizedEngine::LowerCandidate(Builder& b, const Node& n, const std::string& candidate) {
  if (const AttentionCandidate* ac = FindAttentionCandidate(candidate)) {
    LowerAttention(b, n, *ac);
    return;
  }
  if (!fused_program_) fused_program_ = std::make_unique<cl::Program>(*device_, OptimizedKernelSource(), "-cl-std=CL1.2");
  const Epilogue ep = EpilogueOf(b, n);
  if (const WinogradCandidate* wc = FindWinogradCandidate(candidate)) {
    LowerWinograd(b, n, *wc, ep.bias, ep.residual, ep.act, ep.lo, ep.hi);
    return;
  }
  DevTensor& x = b.Input(n, 0);
  DevTensor& w = b.Input(n, 1);
  cl_mem dummy = nullptr;  // an absent optional input: a NULL argument, never read (cheaper to enqueue than a buffer)
  if (candidate == "library") {
    Node core;
    core.name = n.name;
    core.inputs = {n.inputs[0], n.inputs[1]};
    core.outputs = n.outputs;
    if (n.op_type == "FusedConv") {
      core.op_type = "Conv";
      core.attributes = n.attributes;
    } else if (n.IntAttr("trans_b", 0)) {
      core.op_type = "Gemm";
      core.attributes["transB"] = std::int64_t{1};
    } else {
      core.op_type = "MatMul";
    }
    LowerBaselineNode(b, core);
    if (!ep.any()) return;
    DevTensor& y = b.Dev(n.outputs[0]);
    const std::int64_t count = ElementCount(y.shape);
    const std::int64_t channels = n.op_type == "FusedConv" ? y.shape[1] : y.shape.back();
    const std::int64_t inner = n.op_type == "FusedConv" ? y.shape[2] * y.shape[3] : 1;
    b.Kernel(n, "epilogue",
             {M(y.buffer->mem()), M(ep.bias ? ep.bias : dummy), I(ep.bias != nullptr), M(ep.residual ? ep.residual : dummy),
              I(ep.residual != nullptr), L(channels), L(inner), L(count), I(ep.act), F(ep.lo), F(ep.hi)},
             static_cast<std::size_t>(count), 64, fused_program_.get());
    return;
  }
  if (n.op_type == "FusedMatMul") {
    LowerMatMulIgemm(b, n, candidate);
    return;
  }
  if (x.shape.size() != 4 || w.shape.size() != 4) {
    throw InputError(fmt::format("opencl-optimized: FusedConv '{}' expects 4-D input and weights", n.name));
  }
  const std::int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3], Mo = w.shape[0];
  const auto ks = n.IntsAttr("kernel_shape", {w.shape[2], w.shape[3]});
  const Window2d g = ComputeWindow2d(n, H, W, ks[0], ks[1], false);
  // direct_tiled stages a patch and weights in local memory: refuse before anything is allocated when they do not fit.
  constexpr std::int64_t kTile = 8, kOc = 8, kCi = 4;  // DT_H = DT_W, DT_OC, DT_CI of conv_direct_tiled
  const std::int64_t in_h = (kTile - 1) * g.sh + (g.kh - 1) * g.dh + 1, in_w = (kTile - 1) * g.sw + (g.kw - 1) * g.dw + 1;
  const std::size_t patch_bytes = static_cast<std::size_t>(kCi * in_h * in_w) * sizeof(float);
  const std::size_t weight_bytes = static_cast<std::size_t>(kOc * kCi * g.kh * g.kw) * sizeof(float);
  if (candidate == "direct_tiled" && patch_bytes + weight_bytes > device_->local_memory_bytes()) {
    throw InputError(fmt::format("opencl-optimized: direct_tiled for '{}' needs {} bytes of local memory, the device "
                                 "has {}; use another conv_kernel",
                                 n.name, patch_bytes + weight_bytes, device_->local_memory_bytes()));
  }
  DevTensor& y = b.Output(n, 0, DataType::kFloat32);
  if (candidate == "direct") {
    const std::int64_t total = N * Mo * g.oh * g.ow;
    b.Kernel(n, "dwconv_fused",
             {M(x.buffer->mem()), M(w.buffer->mem()), M(ep.bias ? ep.bias : dummy), I(ep.bias != nullptr),
              M(ep.residual ? ep.residual : dummy), I(ep.residual != nullptr), M(y.buffer->mem()), L(C), L(H), L(W),
              L(g.kh), L(g.kw), L(g.sh), L(g.sw), L(g.pt), L(g.pl), L(g.dh), L(g.dw), L(g.oh), L(g.ow), L(total),
              I(ep.act), F(ep.lo), F(ep.hi)},
             static_cast<std::size_t>(total), 64, fused_program_.get());
    MarkConstants(w.buffer->mem());
    return;
  }
  if (candidate == "direct_tiled") {
    const std::int64_t tiles_h = (g.oh + kTile - 1) / kTile, tiles_w = (g.ow + kTile - 1) / kTile;
    auto i32 = [](std::int64_t v) { return I(static_cast<std::int32_t>(v)); };
    const std::size_t local[3] = {kTile, kTile, 1};
    const std::size_t global[3] = {static_cast<std::size_t>(tiles_h * tiles_w * kTile),
                                   static_cast<std::size_t>((Mo + kOc - 1) / kOc * kTile), static_cast<std::size_t>(N)};
    b.Kernel3d(n, *fused_program_, "conv_direct_tiled", candidate,
               {M(x.buffer->mem()), M(w.buffer->mem()), M(ep.bias ? ep.bias : dummy), I(ep.bias != nullptr),
                M(ep.residual ? ep.residual : dummy), I(ep.residual != nullptr), M(y.buffer->mem()), i32(C), i32(H),
                i32(W), i32(Mo), i32(g.kh), i32(g.kw), i32(g.sh), i32(g.sw), i32(g.pt), i32(g.pl), i32(g.dh),
                i32(g.dw), i32(g.oh), i32(g.ow), i32(tiles_w), I(ep.act), F(ep.lo), F(ep.hi),
                Local(patch_bytes), Local(weight_bytes), i32(in_h), i32(in_w)},
               global, local);
    MarkConstants(w.buffer->mem());
    return;
  }
  LowerIgemm(b, n, candidate, x.buffer->mem(), w.buffer->mem(), y.buffer->mem(),
             IgemmShape{N, C, H, W, Mo, g, false});
}

void OpenClOptimizedEngine::LowerIgemm(Builder& b, const Node& n, const std::string& candidate, cl_mem input,
                                       cl_mem weights, cl_mem output, const IgemmShape& s) {
  const auto cand = std::find_if(IgemmCandidates().begin(), IgemmCandidates().end(),
                                 [&](const IgemmCandidate& c) { return c.Name() == candidate; });
  if (cand == IgemmCandidates().end()) {
    throw InputError(fmt::format("opencl-optimized: unknown kernel candidate {}", candidate));
  }
  const Epilogue ep = EpilogueOf(b, n);
  cl_mem dummy = nullptr;  // an absent optional input: a NULL argument, never read (cheaper to enqueue than a buffer)
  const Window2d& g = s.g;
  const std::int64_t N = s.N, C = s.C, H = s.H, W = s.W, Mo = s.M;
  const IgemmTile& tile = cand->tile;
  const std::int64_t Q = N * g.oh * g.ow, K = C * g.kh * g.kw, total = Q * Mo;
  // Split-K: depth chunks that are whole TK steps; the partial sums go to a scratch buffer.
  const std::int64_t kchunk = (K + cand->splits * tile.tk - 1) / (cand->splits * tile.tk) * tile.tk;
  const std::int64_t splits = (K + kchunk - 1) / kchunk;
  cl_mem dest = output;
  const bool atomic = splits > 1 && cand->atomic;
  if (atomic) {
    // The totals the work-groups add into: zero between launches (the last of each tile's work-groups zeroes what it
    // read), so kept for the plan's lifetime, outside the pooled buffers (int64 zeros: two float words each).
    dest = b.Meta(std::vector<std::int64_t>((total + 1) / 2, 0));
  } else if (splits > 1) {
    dest = b.Scratch(n.outputs[0] + ".splitk", splits * total).buffer->mem();
  }
  const std::size_t local[3] = {static_cast<std::size_t>(tile.tn / tile.rn), static_cast<std::size_t>(tile.tm / tile.rm),
                                static_cast<std::size_t>(cand->slices)};
  const std::size_t global[3] = {static_cast<std::size_t>((Q + tile.tn - 1) / tile.tn) * local[0],
                                 static_cast<std::size_t>((Mo + tile.tm - 1) / tile.tm) * local[1],
                                 static_cast<std::size_t>(splits * cand->slices)};
  // Serial and atomic split-K: one arrival counter per output tile, zero between launches (the last arrival resets
  // it); kept for the plan's lifetime, outside the pooled buffers.
  cl_mem serial_counts = nullptr;
  if (splits > 1 && (cand->serial || atomic)) {
    const std::int64_t tiles = static_cast<std::int64_t>(global[0] / local[0] * (global[1] / local[1]));
    serial_counts = b.Meta(std::vector<std::int64_t>((tiles + 1) / 2, 0));  // int64 words: two int32 counters each
  }
  const bool pointwise = g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pl == 0 && g.oh == H && g.ow == W;
  if (cand->vec4) {
    // Convolutions read transposed weights along M; MatMuls read their activations along K.
    const bool fits = s.matmul ? K % 4 == 0 && (g.oh * g.ow) % 4 == 0
                               : pointwise && Mo % 4 == 0 && (g.oh * g.ow) % 4 == 0 && n.IntAttr("group", 1) == 1;
    if (!fits) {
      throw InputError(fmt::format("opencl-optimized: {} needs a 1x1, stride-1, unpadded convolution with output "
                                   "channels and pixels per image in multiples of 4, or a MatMul with depth and "
                                   "columns in multiples of 4; '{}' is neither (use another kernel)", candidate, n.name));
    }
    if (!s.matmul) {
      weights = DerivedWeights(b, n, "kxm", [&](const Tensor& t) {  // M x C (x 1 x 1) -> C x M
                  Tensor out(DataType::kFloat32, {C, Mo});
                  for (std::int64_t m = 0; m < Mo; ++m) {
                    for (std::int64_t c = 0; c < C; ++c) out.f32()[c * Mo + m] = t.f32()[m * C + c];
                  }
                  return out;
                }).buffer->mem();
    }
  }
  auto n32 = [](std::int64_t v) { return static_cast<std::int32_t>(v); };
  const IgemmArgs args{n32(C), n32(H), n32(W), n32(Mo), n32(g.kh), n32(g.kw), n32(g.sh), n32(g.sw),
                       n32(g.pt), n32(g.pl), n32(g.dh), n32(g.dw), n32(g.oh), n32(g.ow), n32(N), ep.act,
                       n32(kchunk), splits == 1 ? 0 : cand->serial ? 2 : atomic ? 3 : 1, ep.bias != nullptr,
                       ep.residual != nullptr,
                       ep.lo, ep.hi};
  std::vector<KernelArg> kargs = {M(input), M(weights), M(ep.bias ? ep.bias : dummy),
                                  M(ep.residual ? ep.residual : dummy), M(dest)};
  if (serial_counts) kargs.insert(kargs.end(), {M(output), M(serial_counts)});  // the serial program's tail only
  const cl_uint pf_arg = static_cast<cl_uint>(kargs.size());  // l2_prefetch=on: its buffer, bound by AfterLowering
  if (l2_prefetch_) kargs.push_back(M(dummy));
  kargs.push_back(Struct(args));
  const bool im2col = !pointwise && !s.matmul;  // the window size compiled in where the loader does im2col
  cl::Program& program = TileProgram(tile, pointwise, false, cand->vec4, s.matmul, serial_counts && !atomic, 0,
                                     im2col ? static_cast<int>(g.kh) : 0, im2col ? static_cast<int>(g.kw) : 0,
                                     cand->slices, atomic, cand->tensor_cores);
  RequireGroupSize(program, local[0] * local[1] * local[2], candidate);
  b.Kernel3d(n, program, "conv_igemm", candidate, kargs, global, local);
  MarkConstants(s.matmul ? input : weights, l2_prefetch_ ? &args : nullptr, pf_arg);  // a MatMul's: its "input"
  if (splits == 1 || cand->serial || atomic) return;
  // The reduction's bias index is (i / inner) % channels: per output channel, or per column for a MatMul.
  const std::int64_t channels = s.matmul ? g.ow : Mo, inner = s.matmul ? 1 : g.oh * g.ow;
  const SplitkArgs reduce{total, channels, inner, n32(splits), ep.bias != nullptr, ep.residual != nullptr,
                          ep.act, ep.lo, ep.hi};
  b.Kernel(n, "splitk_epilogue",
           {M(dest), M(output), M(ep.bias ? ep.bias : dummy), M(ep.residual ? ep.residual : dummy), Struct(reduce)},
           static_cast<std::size_t>(total), 64, fused_program_.get());
  RecordFoldableReduction(n, {n.name, launches_.size() - 1, dest, ep.bias, total, n32(splits), ep.act, ep.lo, ep.hi},
                          ep.residual != nullptr || s.matmul);
}

void OpenClOptimizedEngine::RecordFoldableReduction(const Node& n, const PendingReduction& r, bool unfoldable) {
  // fuse_reduction: a convolution's reduction (no residual) whose output one node alone reads may be folded into
  // that node's Winograd input transform (winograd.cc); the partial sums then live as long as the output.
  if (!fuse_reduction_ || trial_ || unfoldable || launch_queue_ || n.outputs.empty()) return;
  const std::string& out = n.outputs[0];
  int readers = 0;
  for (const auto& other : graph_.nodes) readers += static_cast<int>(std::count(other.inputs.begin(), other.inputs.end(), out));
  for (const auto& o : graph_.outputs) readers += o.name == out ? 2 : 0;
  if (readers != 1) return;
  reductions_[out] = r;
  if (auto lu = last_use_.find(out); lu != last_use_.end()) last_use_[out + ".splitk"] = lu->second;
}

void OpenClOptimizedEngine::LowerMatMulIgemm(Builder& b, const Node& n, const std::string& candidate) {
  // Y [rows x cols] = A [rows x K] . B [K x cols]: A, the activations, takes the kernel's weight operand (read
  // row-major), B, the constant matrix, its one-image input of K channels and cols pixels.
  DevTensor& a = b.Input(n, 0);
  const Shape bs = b.ShapeOf(n.inputs[1]);
  const bool trans = n.IntAttr("trans_b", 0) != 0;
  if (bs.size() != 2 || a.shape.empty() || a.shape.back() != bs[trans ? 1 : 0]) {
    throw InputError(fmt::format("opencl-optimized: FusedMatMul '{}': {} x {}{} is not a matrix product",
                                 n.name, ShapeToString(a.shape), ShapeToString(bs), trans ? "ᵀ" : ""));
  }
  const std::int64_t K = a.shape.back(), cols = bs[trans ? 0 : 1], rows = ElementCount(a.shape) / K;
  cl_mem bmat = b.Input(n, 1).buffer->mem();
  if (trans) {
    bmat = DerivedWeights(b, n, "kxn", [&](const Tensor& t) {  // cols x K -> K x cols
             Tensor out(DataType::kFloat32, {K, cols});
             for (std::int64_t c = 0; c < cols; ++c) {
               for (std::int64_t k = 0; k < K; ++k) out.f32()[k * cols + c] = t.f32()[c * K + k];
             }
             return out;
           }).buffer->mem();
  }
  DevTensor& y = b.Output(n, 0, DataType::kFloat32);
  const Window2d g{1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, cols};
  LowerIgemm(b, n, candidate, bmat, a.buffer->mem(), y.buffer->mem(), IgemmShape{1, K, 1, cols, rows, g, true});
}

}  // namespace joulebench
