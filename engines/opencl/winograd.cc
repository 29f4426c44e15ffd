// Winograd F(2x2, 3x3) and F(4x4, 3x3) convolution for opencl-optimized: candidates, host weight transform, the
// transform kernels, and the lowering (input transform, batched implicit-GEMM, output transform with the epilogue).
#include "engines/opencl/winograd.h"

#include <fmt/format.h>

#include "engines/opencl/baseline_builder.h"
#include "engines/opencl/optimized_engine.h"
#include "engines/window2d.h"
#include "harness/common/errors.h"

namespace joulebench {
namespace {

// G of F(2, 3) (interpolation points 0, 1, -1, inf) and of F(4, 3) (0, 1, -1, 2, -2, inf); the kernels hold the
// matching B^T and A^T.
const double kG2[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
const double kG4[6][3] = {{1.0 / 4, 0, 0},           {-1.0 / 6, -1.0 / 6, -1.0 / 6}, {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                          {1.0 / 24, 1.0 / 12, 1.0 / 6}, {1.0 / 24, -1.0 / 12, 1.0 / 6},   {0, 0, 1}};

}  // namespace

std::string WinogradCandidate::Name() const {
  return fmt::format("winograd_f{}_{}x{}{}{}{}{}{}", m, tile.tm, tile.tn, tile.tk == 16 ? "" : fmt::format("x{}", tile.tk),
                     slices > 1 ? fmt::format("_s{}", slices) : "", tensor_cores ? "_tc" : "", vec4 ? "_v4" : "",
                     fused == 2 ? "_fused" : fused == 1 ? "_fused_input" : "");
}

const std::vector<WinogradCandidate>& WinogradCandidates() {
  static const std::vector<WinogradCandidate> c = [] {
    std::vector<WinogradCandidate> out;
    for (int m : {2, 4}) {
      for (int t : {0, 1, 2}) out.push_back({m, IgemmTiles()[t]});  // 64x64, 128x64, 64x32
      for (const auto& t : IgemmTiles()) {
        if (t.Vectorizable() && t.tk == 16) out.push_back({m, t, true});
      }
    }
    // Fused F(2x2, 3x3): batch 1 runs ~100 launches of a few us each, three per Winograd layer otherwise.
    for (int fused : {1, 2}) {
      for (int t : {0, 2, 3, 7}) out.push_back({2, IgemmTiles()[t], false, fused});  // 64x64, 64x32, 32x32 (x16, x32)
    }
    // Sliced K in the batched GEMM, on the small 4 x 4 tiles batch 1 chooses (work-groups of up to 256 work-items:
    // the H100 refused 512 for these kernels): fewer depth steps per work-group for the deep late layers.
    for (int m : {2, 4}) {
      out.push_back({m, IgemmTiles()[8], true, 0, 2});   // 32x32x16_4x4, float4
      out.push_back({m, IgemmTiles()[8], true, 0, 4});
      out.push_back({m, IgemmTiles()[10], true, 0, 2});  // 32x64x16_4x4, float4
      out.push_back({m, IgemmTiles()[8], false, 0, 4});  // scalar
      out.push_back({m, IgemmTiles()[11], true, 0, 2, true});  // 32x32x32_4x4, float4: half the depth steps
    }
    const std::size_t plain = out.size();  // tensor-core twins of the unfused forms (tensor_cores=3xtf32)
    for (std::size_t i = 0; i < plain; ++i) {
      if (out[i].fused) continue;
      WinogradCandidate c = out[i];
      c.tensor_cores = true;
      out.push_back(c);
    }
    return out;
  }();
  return c;
}

const WinogradCandidate* FindWinogradCandidate(const std::string& name) {
  for (const auto& c : WinogradCandidates()) {
    if (c.Name() == name) return &c;
  }
  return nullptr;
}

Tensor WinogradWeights(const Tensor& weights, int m, bool transposed) {
  const Shape& s = weights.shape();
  if (weights.type() != DataType::kFloat32 || s.size() != 4 || s[2] != 3 || s[3] != 3) {
    throw InputError(fmt::format("winograd: weights must be float32 M x C x 3 x 3, got {} {}",
                                 DataTypeName(weights.type()), ShapeToString(s)));
  }
  if (m != 2 && m != 4) throw InputError(fmt::format("winograd: F({0}x{0}, 3x3) is not built; use m = 2 or 4", m));
  const int a = m + 2;
  const std::int64_t M = s[0], C = s[1];
  Tensor u(DataType::kFloat32, transposed ? Shape{a * a, C, M} : Shape{a * a, M, C});
  auto g_at = [&](int i, int k) { return m == 2 ? kG2[i][k] : kG4[i][k]; };
  const auto w = weights.f32();
  auto out = u.f32();
  for (std::int64_t mc = 0; mc < M * C; ++mc) {
    const float* g = w.data() + mc * 9;
    double t[6][3];  // G g
    for (int i = 0; i < a; ++i) {
      for (int j = 0; j < 3; ++j) t[i][j] = g_at(i, 0) * g[j] + g_at(i, 1) * g[3 + j] + g_at(i, 2) * g[6 + j];
    }
    for (int i = 0; i < a; ++i) {
      for (int j = 0; j < a; ++j) {  // (G g) G^T
        const std::int64_t at = transposed ? (mc % C) * M + mc / C : mc;  // [C][M] or [M][C] within point xi
        out[(i * a + j) * M * C + at] = static_cast<float>(t[i][0] * g_at(j, 0) + t[i][1] * g_at(j, 1) + t[i][2] * g_at(j, 2));
      }
    }
  }
  return u;
}

const char* WinogradKernelSource() {
  return R"CLC(
#if WM == 2
#define WA 4
__constant float BT[4][4] = {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};
__constant float AT[2][4] = {{1, 1, 1, 0}, {0, 1, -1, -1}};
#else
#define WA 6
__constant float BT[6][6] = {{4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
                             {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
__constant float AT[4][6] = {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}};
#endif

// OUT (ROWS x WA) = MAT (ROWS x WA) * IN (WA x WA), unrolled so the constant matrices fold into adds.
#define LEFT_MULTIPLY(OUT, MAT, IN, ROWS)                                   \
  _Pragma("unroll") for (int i = 0; i < ROWS; ++i)                         \
  _Pragma("unroll") for (int j = 0; j < WA; ++j) {                         \
    float s_ = 0.0f;                                                        \
    _Pragma("unroll") for (int k = 0; k < WA; ++k) s_ += MAT[i][k] * IN[k][j]; \
    OUT[i][j] = s_;                                                         \
  }

// Output tile `rem` of image n, channel m: y = act(A^T p A + bias[m] + residual), p the tile's WA x WA products.
void winograd_store_tile(float p[WA][WA], int n, int rem, int m, int M, int tiles_w, int oh, int ow,
                         __global const float* bias, int has_bias, __global const float* r, int has_res,
                         __global float* y, int act, float lo, float hi) {
  float ap[WM][WA];
  LEFT_MULTIPLY(ap, AT, p, WM);
  const int oy0 = (rem / tiles_w) * WM, ox0 = (rem % tiles_w) * WM;
  const float b = has_bias ? bias[m] : 0.0f;
#pragma unroll
  for (int i = 0; i < WM; ++i)
#pragma unroll
    for (int j = 0; j < WM; ++j) {
      const int oy = oy0 + i, ox = ox0 + j;
      if (oy >= oh || ox >= ow) continue;
      float s = b;
#pragma unroll
      for (int k = 0; k < WA; ++k) s += ap[i][k] * AT[j][k];
      const long o = (((long)n * M + m) * oh + oy) * ow + ox;
      if (has_res) s += r[o];
      y[o] = activate(s, act, lo, hi);
    }
}

// V[xi][c][t] = (B^T d B)[xi], d the WA x WA input patch of tile t (image, tile row, tile column) in channel c.
void winograd_input_store(float d[WA][WA], __global float* v, int C, int c, int T, int t) {
  float bd[WA][WA];
  LEFT_MULTIPLY(bd, BT, d, WA);
#pragma unroll
  for (int i = 0; i < WA; ++i)
#pragma unroll
    for (int j = 0; j < WA; ++j) {
      float s = 0.0f;
#pragma unroll
      for (int k = 0; k < WA; ++k) s += bd[i][k] * BT[j][k];
      v[((long)(i * WA + j) * C + c) * T + t] = s;
    }
}

__kernel void winograd_input(__global const float* x, __global float* v, int C, int H, int W, int pt, int pl,
                             int tiles_h, int tiles_w, int T) {
  const int t = get_global_id(0), c = get_global_id(1);
  if (t >= T) return;
  const int per_image = tiles_h * tiles_w, n = t / per_image, r = t - n * per_image;
  const int y0 = (r / tiles_w) * WM - pt, x0 = (r % tiles_w) * WM - pl;
  __global const float* xc = x + ((long)n * C + c) * H * W;
  float d[WA][WA];
#pragma unroll
  for (int i = 0; i < WA; ++i)
#pragma unroll
    for (int j = 0; j < WA; ++j) {
      const int iy = y0 + i, ix = x0 + j;
      d[i][j] = (iy >= 0 && iy < H && ix >= 0 && ix < W) ? xc[iy * W + ix] : 0.0f;
    }
  winograd_input_store(d, v, C, c, T, t);
}

// winograd_input with the split-K reduction of the layer before folded in (fuse_reduction): each input value is
// act(sum over splits of part[s][i] + bias[c]) of the partial sums the layer before left (splits of `stride`
// elements), so that layer's reduction launch is not made. The padding stays zero, as in the activated tensor.
__kernel void winograd_input_reduce(__global const float* part, __global float* v, int C, int H, int W, int pt,
                                    int pl, int tiles_h, int tiles_w, int T, int splits, long stride,
                                    __global const float* bias, int has_bias, int act, float lo, float hi) {
  const int t = get_global_id(0), c = get_global_id(1);
  if (t >= T) return;
  const int per_image = tiles_h * tiles_w, n = t / per_image, r = t - n * per_image;
  const int y0 = (r / tiles_w) * WM - pt, x0 = (r % tiles_w) * WM - pl;
  __global const float* pc = part + ((long)n * C + c) * H * W;
  const float b = has_bias ? bias[c] : 0.0f;
  float d[WA][WA];
#pragma unroll
  for (int i = 0; i < WA; ++i)
#pragma unroll
    for (int j = 0; j < WA; ++j) {
      const int iy = y0 + i, ix = x0 + j;
      float s = 0.0f;
      if (iy >= 0 && iy < H && ix >= 0 && ix < W) {
        for (int k = 0; k < splits; ++k) s += pc[k * stride + iy * W + ix];
        s = activate(s + b, act, lo, hi);
      }
      d[i][j] = s;
    }
  winograd_input_store(d, v, C, c, T, t);
}

// y = act(A^T P A + bias[m] + residual) for the WM x WM output tile t of channel m, P[xi] = prod[xi][m][t].
__kernel void winograd_output(__global const float* prod, __global float* y, __global const float* bias,
                              int has_bias, __global const float* r, int has_res, int M, int oh, int ow,
                              int tiles_h, int tiles_w, int T, int act, float lo, float hi) {
  const int t = get_global_id(0), m = get_global_id(1);
  if (t >= T) return;
  float p[WA][WA];
#pragma unroll
  for (int i = 0; i < WA; ++i)
#pragma unroll
    for (int j = 0; j < WA; ++j) p[i][j] = prod[((long)(i * WA + j) * M + m) * T + t];
  const int per_image = tiles_h * tiles_w, n = t / per_image;
  winograd_store_tile(p, n, t - n * per_image, m, M, tiles_w, oh, ow, bias, has_bias, r, has_res, y, act, lo, hi);
}

#ifdef WINO_FUSED  // F(2x2, 3x3) inside conv_igemm (-DBATCHED -DWINO_FUSED): group z computes point xi = z's product
#if WM != 2 || defined(VEC4)
#error "the fused Winograd kernel is F(2x2, 3x3) on the scalar tiles only"
#endif
// Row r of B^T has two nonzeros: at a0 (sign c0) and a1 (sign c1).
void bt_row(int r, int* a0, float* c0, int* a1, float* c1) {
  *a0 = r == 0 ? 0 : 1;
  *c0 = r == 2 ? -1.0f : 1.0f;
  *a1 = r == 3 ? 3 : 2;
  *c1 = (r == 0 || r == 3) ? -1.0f : 1.0f;
}

// V[xi][c][t] = sum over (a, b) of B^T[i][a] B^T[j][b] d[a][b], xi = i * 4 + j: four signed input values of the tile's
// patch (origin iy0, ix0) per channel. Offsets within a channel plane; a value outside the image (or of a column past
// the last tile, !ok) gets coefficient 0 and offset 0.
void wino_fused_setup(int point, bool ok, int iy0, int ix0, int H, int W, int4* off, float4* coef) {
  int a[2], b[2];
  float ca[2], cb[2];
  bt_row(point / WA, &a[0], &ca[0], &a[1], &ca[1]);
  bt_row(point % WA, &b[0], &cb[0], &b[1], &cb[1]);
  int o[4];
  float c[4];
#pragma unroll
  for (int u = 0; u < 4; ++u) {
    const int iy = iy0 + a[u / 2], ix = ix0 + b[u % 2];
    const bool in = ok && iy >= 0 && iy < H && ix >= 0 && ix < W;
    o[u] = in ? iy * W + ix : 0;
    c[u] = in ? ca[u / 2] * cb[u % 2] : 0.0f;
  }
  *off = (int4)(o[0], o[1], o[2], o[3]);
  *coef = (float4)(c[0], c[1], c[2], c[3]);
}

float wino_fused_input(__global const float* xc, int4 off, float4 coef) {
  return coef.s0 * xc[off.s0] + coef.s1 * xc[off.s1] + coef.s2 * xc[off.s2] + coef.s3 * xc[off.s3];
}

// The 16 point products of one element (offset o of each chunk; none, zeros, for o < 0). Volatile: written by
// other work-groups of this launch (the fused output transform), read from L2, never from a stale L1 line.
void wino_load_products(__global volatile const float* prod, long chunk, long o, float p[4][4]) {
#pragma unroll
  for (int i = 0; i < WA; ++i)
#pragma unroll
    for (int j = 0; j < WA; ++j) p[i][j] = o < 0 ? 0.0f : prod[(i * WA + j) * chunk + o];
}
#endif
)CLC";
}

const OpenClOptimizedEngine::PendingReduction* OpenClOptimizedEngine::FoldableReduction(const std::string& tensor) const {
  if (!fuse_reduction_ || trial_ || launch_queue_ || launches_.empty()) return nullptr;
  const auto it = reductions_.find(tensor);
  if (it == reductions_.end()) return nullptr;
  const PendingReduction& r = it->second;
  const Launch& last = launches_.back();
  const bool still_last = r.launch + 1 == launches_.size() && last.kind == "splitk_epilogue" && last.node == r.node;
  return still_last && last.plain && !hooks_.count(r.launch) ? &r : nullptr;
}

void OpenClOptimizedEngine::LowerWinograd(Builder& b, const Node& n, const WinogradCandidate& cand, cl_mem bias,
                                          cl_mem residual, int act, float lo, float hi) {
  DevTensor& x = b.Input(n, 0);
  const Shape ws = b.ShapeOf(n.inputs[1]);
  if (x.shape.size() != 4 || ws.size() != 4) {
    throw InputError(fmt::format("opencl-optimized: FusedConv '{}' expects 4-D input and weights", n.name));
  }
  const std::int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3], Mo = ws[0];
  const Window2d g = ComputeWindow2d(n, H, W, ws[2], ws[3], false);
  if (g.kh != 3 || g.kw != 3 || g.sh != 1 || g.sw != 1 || g.dh != 1 || g.dw != 1 || n.IntAttr("group", 1) != 1 ||
      ws[1] != C) {
    throw InputError(fmt::format("opencl-optimized: {} needs a 3x3, stride-1, undilated, ungrouped convolution; "
                                 "'{}' is not one (use another conv_kernel)", cand.Name(), n.name));
  }
  const std::int64_t a2 = cand.alpha() * cand.alpha();
  const std::int64_t tiles_h = (g.oh + cand.m - 1) / cand.m, tiles_w = (g.ow + cand.m - 1) / cand.m;
  const std::int64_t T = N * tiles_h * tiles_w;
  if (cand.vec4 && (Mo % 4 != 0 || T % 4 != 0)) {
    throw InputError(fmt::format("opencl-optimized: {} needs output channels and tiles in multiples of 4; '{}' has "
                                 "{} and {}", cand.Name(), n.name, Mo, T));
  }
  const DevTensor& u = DerivedWeights(b, n, fmt::format("winograd_f{}{}", cand.m, cand.vec4 ? "_t" : ""),
                                      [&](const Tensor& w) { return WinogradWeights(w, cand.m, cand.vec4); });
  DevTensor& y = b.Output(n, 0, DataType::kFloat32);
  auto n32 = [](std::int64_t value) { return static_cast<std::int32_t>(value); };
  auto i32 = [&](std::int64_t value) { return I(n32(value)); };
  const IgemmTile& tile = cand.tile;
  const std::size_t slices = static_cast<std::size_t>(cand.slices);
  const std::size_t gemm_local[3] = {static_cast<std::size_t>(tile.tn / tile.rn),
                                     static_cast<std::size_t>(tile.tm / tile.rm), slices};
  const std::size_t gemm_global[3] = {static_cast<std::size_t>((T + tile.tn - 1) / tile.tn) * gemm_local[0],
                                      static_cast<std::size_t>((Mo + tile.tm - 1) / tile.tm) * gemm_local[1],
                                      static_cast<std::size_t>(a2) * slices};
  cl_mem prod = b.Scratch(n.outputs[0] + ".winograd_p", a2 * Mo * T).buffer->mem();
  auto transforms = [&]() -> cl::Program& {  // the separate transform kernels' program
    auto& program = tile_programs_[fmt::format("winograd_f{}", cand.m)];
    if (!program) {
      program = std::make_unique<cl::Program>(*device_, std::string(OptimizedKernelSource()) + WinogradKernelSource(),
                                              fmt::format("-cl-std=CL1.2 -DWM={}", cand.m));
    }
    return *program;
  };
  constexpr std::size_t kGroup = 64;
  const std::size_t t_global = static_cast<std::size_t>((T + kGroup - 1) / kGroup * kGroup);
  const std::size_t local[3] = {kGroup, 1, 1};
  if (cand.fused) {
    // Columns are the 2x2 output tiles (oh, ow count them; a stride of 2 places their 4x4 input patches), the
    // products land as split-K chunks (partial) in winograd_output's layout; fused == 2: each output tile's arrival
    // counter lives with the plan and the last point's work-group writes the output.
    const std::int64_t tiles = static_cast<std::int64_t>(gemm_global[0] / gemm_local[0] * gemm_global[1] / gemm_local[1]);
    cl_mem counts = cand.fused == 2 ? b.Meta(std::vector<std::int64_t>((tiles + 1) / 2, 0)) : nullptr;
    cl_mem dummy = nullptr;  // an absent optional input: a NULL argument, never read
    const IgemmArgs args{n32(C), n32(H), n32(W), n32(Mo), 1, 1, 2, 2, n32(g.pt), n32(g.pl), 1, 1,
                         n32(tiles_h), n32(tiles_w), n32(N), act, n32(C), cand.fused,
                         bias != nullptr, residual != nullptr, lo, hi, n32(g.oh), n32(g.ow)};
    std::vector<KernelArg> a = {M(x.buffer->mem()), M(u.buffer->mem()), M(bias ? bias : dummy),
                                M(residual ? residual : dummy), M(prod)};
    if (cand.fused == 2) a.insert(a.end(), {M(y.buffer->mem()), M(counts)});  // the output tail's
    const cl_uint pf_arg = static_cast<cl_uint>(a.size());  // l2_prefetch=on: its buffer, bound by AfterLowering
    if (l2_prefetch_) a.push_back(M(dummy));
    a.push_back(Struct(args));
    b.Kernel3d(n, TileProgram(tile, false, true, false, false, false, cand.fused), "conv_igemm",
               cand.fused == 2 ? cand.Name() : cand.Name() + ".gemm", a, gemm_global, gemm_local);
    MarkConstants(u.buffer->mem(), l2_prefetch_ ? &args : nullptr, pf_arg);
  } else {
    cl_mem v = b.Scratch(n.outputs[0] + ".winograd_v", a2 * C * T).buffer->mem();
    const std::size_t in_global[3] = {t_global, static_cast<std::size_t>(C), 1};
    if (const PendingReduction* red = FoldableReduction(n.inputs[0])) {  // fuse_reduction: the reduction folded in
      const PendingReduction r = *red;
      launches_.pop_back();
      --launches_by_kind_["splitk_epilogue"];
      folded_reductions_.push_back(r.node + " -> " + n.name);
      b.Kernel3d(n, transforms(), "winograd_input_reduce", cand.Name() + ".input_reduce",
                 {M(r.partials), M(v), i32(C), i32(H), i32(W), i32(g.pt), i32(g.pl), i32(tiles_h), i32(tiles_w),
                  i32(T), I(r.splits), L(r.total), M(r.bias), I(r.bias != nullptr), I(r.act), F(r.lo), F(r.hi)},
                 in_global, local);
    } else {
      b.Kernel3d(n, transforms(), "winograd_input", cand.Name() + ".input",
                 {M(x.buffer->mem()), M(v), i32(C), i32(H), i32(W), i32(g.pt), i32(g.pl), i32(tiles_h),
                  i32(tiles_w), i32(T)},
                 in_global, local);
    }
    // The GEMMs: a pointwise convolution of C channels over "T pixels" of one image, one weight matrix per group z.
    cl::Program& gemm = TileProgram(tile, /*pointwise=*/true, /*batched=*/true, cand.vec4, false, false, 0, 0, 0,
                                    cand.slices, false, cand.tensor_cores);
    RequireGroupSize(gemm, tile.Threads() * slices, cand.Name());
    const IgemmArgs args{n32(C), 1, n32(T), n32(Mo), 1, 1, 1, 1, 0, 0, 1, 1, 1, n32(T), 1, 0, n32(C), 0, 0, 0,
                         0.0f, 0.0f};
    std::vector<KernelArg> a = {M(v), M(u.buffer->mem()), M(nullptr), M(nullptr), M(prod)};
    if (l2_prefetch_) a.push_back(M(nullptr));  // argument 5: l2_prefetch's buffer, bound by AfterLowering
    a.push_back(Struct(args));
    b.Kernel3d(n, gemm, "conv_igemm", cand.Name() + ".gemm", a, gemm_global, gemm_local);
    MarkConstants(u.buffer->mem(), l2_prefetch_ ? &args : nullptr, 5);
  }
  if (cand.fused == 2) return;
  const std::size_t out_global[3] = {t_global, static_cast<std::size_t>(Mo), 1};
  b.Kernel3d(n, transforms(), "winograd_output", cand.Name() + ".output",
             {M(prod), M(y.buffer->mem()), M(bias), I(bias != nullptr), M(residual),
              I(residual != nullptr), i32(Mo), i32(g.oh), i32(g.ow), i32(tiles_h), i32(tiles_w), i32(T), I(act),
              F(lo), F(hi)},
             out_global, local);
}

}  // namespace joulebench
