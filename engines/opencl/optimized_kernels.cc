// OpenCL C of the optimized engine. Every kernel ends in the same epilogue: + bias[channel], + residual, activation.
#include "engines/opencl/optimized_kernels.h"

#include <stdexcept>
#include <vector>

#include <fmt/format.h>

namespace joulebench {

const char* OptimizedKernelSource() {
  return R"CLC(
inline float activate(float v, int act, float lo, float hi) {
  switch (act) {
    case 1: return fmax(v, 0.0f);
    case 2: return fmin(fmax(v, lo), hi);
    case 3: return 1.0f / (1.0f + exp(-v));
    case 4: return v * fmin(fmax(v / 6.0f + 0.5f, 0.0f), 1.0f);
    case 5: return 0.5f * v * (1.0f + erf(v * 0.70710678118654752f));
    default: return v;
  }
}

// In place on y (after a library GEMM): y = act(y + bias[(i / inner) % channels] + r[i]).
__kernel void epilogue(__global float* y, __global const float* bias, int has_bias, __global const float* r,
                       int has_res, long channels, long inner, long n, int act, float lo, float hi) {
  long i = get_global_id(0);
  if (i >= n) return;
  float v = y[i];
  if (has_bias) v += bias[(i / inner) % channels];
  if (has_res) v += r[i];
  y[i] = activate(v, act, lo, hi);
}

// Depthwise convolution (one filter per channel) with the fused epilogue; one output per work-item.
__kernel void dwconv_fused(__global const float* x, __global const float* w, __global const float* bias,
                           int has_bias, __global const float* r, int has_res, __global float* y, long C, long H,
                           long W, long kh, long kw, long sh, long sw, long pt, long pl, long dh, long dw, long oh,
                           long ow, long total, int act, float lo, float hi) {
  long e = get_global_id(0);
  if (e >= total) return;
  long ox = e % ow, oy = (e / ow) % oh, c = (e / (ow * oh)) % C, n = e / (ow * oh * C);
  __global const float* xc = x + (n * C + c) * H * W;
  __global const float* wc = w + c * kh * kw;
  float acc = has_bias ? bias[c] : 0.0f;
  for (long i = 0; i < kh; ++i) {
    long iy = oy * sh - pt + i * dh;
    if (iy < 0 || iy >= H) continue;
    for (long j = 0; j < kw; ++j) {
      long ix = ox * sw - pl + j * dw;
      if (ix >= 0 && ix < W) acc += xc[iy * W + ix] * wc[i * kw + j];
    }
  }
  if (has_res) acc += r[e];
  y[e] = activate(acc, act, lo, hi);
}

// Tiled direct convolution (dense, any window): a work-group of DT_W x DT_H work-items computes DT_OC output
// channels of a DT_H x DT_W block of output pixels of one image; the input patch (with its halo) and the weights of
// DT_CI input channels at a time are staged in local memory (sizes set by the host: xin holds DT_CI x in_h x in_w,
// wt DT_OC x DT_CI x kh x kw). Each work-item accumulates one pixel for DT_OC channels, then the fused epilogue.
#define DT_H 8
#define DT_W 8
#define DT_OC 8
#define DT_CI 4
__kernel __attribute__((reqd_work_group_size(DT_W, DT_H, 1)))
void conv_direct_tiled(__global const float* x, __global const float* w, __global const float* bias, int has_bias,
                       __global const float* r, int has_res, __global float* y, int C, int H, int W, int M, int kh,
                       int kw, int sh, int sw, int pt, int pl, int dh, int dw, int oh, int ow, int tiles_w, int act,
                       float lo, float hi, __local float* xin, __local float* wt, int in_h, int in_w) {
  const int tx = get_local_id(0), ty = get_local_id(1), lid = ty * DT_W + tx;
  const int tile = get_group_id(0), oc0 = get_group_id(1) * DT_OC, n = get_group_id(2);
  const int oy0 = (tile / tiles_w) * DT_H, ox0 = (tile % tiles_w) * DT_W;
  const int iy0 = oy0 * sh - pt, ix0 = ox0 * sw - pl, khw = kh * kw, patch = in_h * in_w;
  float acc[DT_OC];
  for (int o = 0; o < DT_OC; ++o) acc[o] = 0.0f;
  for (int c0 = 0; c0 < C; c0 += DT_CI) {
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int e = lid; e < DT_CI * patch; e += DT_W * DT_H) {
      const int ci = e / patch, rem = e - ci * patch, yy = rem / in_w, xx = rem - yy * in_w;
      const int c = c0 + ci, iy = iy0 + yy, ix = ix0 + xx;
      xin[e] = (c < C && iy >= 0 && iy < H && ix >= 0 && ix < W) ? x[(((long)n * C + c) * H + iy) * W + ix] : 0.0f;
    }
    for (int e = lid; e < DT_OC * DT_CI * khw; e += DT_W * DT_H) {
      const int o = e / (DT_CI * khw), rem = e - o * DT_CI * khw, ci = rem / khw, kk = rem - ci * khw;
      const int m = oc0 + o, c = c0 + ci;
      wt[e] = (m < M && c < C) ? w[((long)m * C + c) * khw + kk] : 0.0f;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int ci = 0; ci < DT_CI; ++ci) {
      for (int i = 0; i < kh; ++i) {
        for (int j = 0; j < kw; ++j) {
          const float v = xin[ci * patch + (ty * sh + i * dh) * in_w + tx * sw + j * dw];
          const int k = ci * khw + i * kw + j;
          for (int o = 0; o < DT_OC; ++o) acc[o] = fma(v, wt[o * DT_CI * khw + k], acc[o]);
        }
      }
    }
  }
  const int oy = oy0 + ty, ox = ox0 + tx;
  if (oy >= oh || ox >= ow) return;
  for (int o = 0; o < DT_OC; ++o) {
    const int m = oc0 + o;
    if (m >= M) break;
    const long idx = (((long)n * M + m) * oh + oy) * ow + ox;
    float v = acc[o];
    if (has_bias) v += bias[m];
    if (has_res) v += r[idx];
    y[idx] = activate(v, act, lo, hi);
  }
}

// Split-K reduction: y = act(sum over splits of part[s][i] + bias[(i / inner) % channels] + r[i]). The scalars as
// one struct (SplitkArgs on the host, same layout): a batch-1 plan runs ~20 of these launches.
typedef struct {
  long n, channels, inner;
  int splits, has_bias, has_res, act;
  float lo, hi;
} SplitkArgs;
__kernel void splitk_epilogue(__global const float* part, __global float* y, __global const float* bias,
                              __global const float* r, SplitkArgs a) {
  long i = get_global_id(0);
  if (i >= a.n) return;
  float v = 0.0f;
  for (int s = 0; s < a.splits; ++s) v += part[s * a.n + i];
  if (a.has_bias) v += bias[(i / a.inner) % a.channels];
  if (a.has_res) v += r[i];
  y[i] = activate(v, a.act, a.lo, a.hi);
}

#ifdef TM
// MATMUL: the GEMM of a FusedMatMul, Y[m][p] = sum_k A[m][k] * B[k][p] (A the activations as "weights", B the
// constant matrix as a one-image "input" of K channels x P pixels, with POINTWISE); the bias is per column p.
#ifdef MATMUL
#define BIAS_AT(m, p) bias[p]
#else
#define BIAS_AT(m, p) bias[m]
#endif
// One im2col value X_col[k][p] of image xn (row iy0, column ix0 of the output pixel's window origin).
inline float im2col_at(__global const float* xn, int k, int p, int P, int khw, int kw, int iy0, int ix0, int dh,
                       int dw, int H, int W) {
#ifdef POINTWISE  // 1x1, stride 1, no padding: X_col[k][p] = X[n][k][p]
  return xn[(long)k * P + p];
#else
  const int c = k / khw, rem = k - c * khw, i = rem / kw, j = rem - i * kw;
  const int iy = iy0 + i * dh, ix = ix0 + j * dw;
  return (iy >= 0 && iy < H && ix >= 0 && ix < W) ? xn[((long)c * H + iy) * W + ix] : 0.0f;
#endif
}
#define IM2COL(k) im2col_at(xn, k, p, P, khw, kw, iy0, ix0, dh, dw, H, W)

// Implicit-GEMM convolution: Y[n][m][p] = sum_k W[m][k] * X_col[n][k][p], the im2col values computed on the fly.
// GEMM view: rows m < M (output channels), columns q < N * P (image, output pixel), depth K = C * kh * kw.
// Work-group: (TN / RN) x (TM / RM) work-items, each owning an RM x RN block of consecutive rows and columns, read
// from the local tiles As[TK][TM + 4], Bs[TK][TN + 4] as float4 when RM / RN allow. Split-K: group z takes depth
// [z * kchunk, (z + 1) * kchunk) and, with `partial` set, stores raw sums to y + z * N * M * P. partial 1: a
// splitk_epilogue launch adds them up. partial 2 (serial split-K): the last work-group of each output tile to finish,
// counted in tile_done (zero between launches), adds them up and writes `out` with the epilogue, in this launch
// (compiled in only with -DSERIAL_SPLITK). partial 3 (atomic split-K, -DATOMIC_SPLITK): every work-group adds its sums
// into y atomically (y is zero between launches) and the last of the tile's work-groups applies the epilogue.
// BATCHED (no split-K): group z multiplies the z-th weights W + z * M * K by the z-th input, into the z-th output.
// The scalars travel as one struct (IgemmArgs on the host, the same layout): a launch's host cost grows with its
// argument count (opencl_bench, BM_EmptyKernelLaunches), and batch 1 is ~100 launches.
typedef struct {
  int C, H, W, M, kh, kw, sh, sw, pt, pl, dh, dw, oh, ow, Nimg, act, kchunk, partial, has_bias, has_res;
  float lo, hi;
  int out_h, out_w;  // WINO_FUSED only: the convolution's output size (oh, ow count Winograd tiles there)
  int pf_lines;       // L2_PREFETCH: 128-byte lines of `pf` to prefetch into L2 (0: none)
} IgemmArgs;

#ifdef L2_PREFETCH
// One 128-byte line into the L2 cache, without waiting for it. PTX on NVIDIA (-DNV_PTX: OpenCL's prefetch() is only
// a hint there), OpenCL's prefetch() elsewhere.
inline void prefetch_line(__global const float* p) {
#ifdef NV_PTX
  asm volatile("prefetch.global.L2 [%0];" : : "l"((ulong)p));
#else
  prefetch(p, 32);
#endif
}
#endif

#if defined(SERIAL_SPLITK) || defined(WINO_FUSED_OUTPUT) || defined(ATOMIC_SPLITK)
#define TILE_TAIL  // the last work-group of an output tile to arrive finishes it (serial, atomic, fused Winograd)
#endif
#ifdef ATOMIC_SPLITK
// v added to *p in one atomic step: PTX red.global.add.f32 on NVIDIA (-DNV_PTX), performed in L2 without a reply;
// a compare-and-swap loop on the word elsewhere (OpenCL 1.2 has no float atomic add).
inline void add_to_global(__global float* p, float v) {
#ifdef NV_PTX
  asm volatile("red.global.add.f32 [%0], %1;" : : "l"((ulong)p), "f"(v) : "memory");
#else
  __global volatile int* word = (__global volatile int*)p;
  int seen = *word, expected;
  do {
    expected = seen;
    seen = atomic_cmpxchg(word, expected, as_int(as_float(expected) + v));
  } while (seen != expected);
#endif
}
#endif
#ifdef TILE_TAIL
// This work-item's stores reach global memory before its work-group is counted: true in the work-group that brings
// the count of tile `slot` to `arrivals`, which resets the count for the next launch (tile_done is zero between
// launches) and may then read what the other work-groups of the tile stored.
bool last_to_arrive(__global volatile int* tile_done, int slot, int arrivals, __local int* flag) {
  mem_fence(CLK_GLOBAL_MEM_FENCE);
  barrier(CLK_GLOBAL_MEM_FENCE | CLK_LOCAL_MEM_FENCE);
  if (get_local_id(0) == 0 && get_local_id(1) == 0) {
    *flag = atomic_inc(tile_done + slot) == arrivals - 1;
    if (*flag) atomic_xchg(tile_done + slot, 0);
  }
  barrier(CLK_LOCAL_MEM_FENCE);
  const bool last = *flag;
  mem_fence(CLK_GLOBAL_MEM_FENCE);
  return last;
}
#endif
#ifdef WINO_FUSED  // Winograd F(2x2, 3x3) with its transforms inside the batched GEMM; defined in winograd.cc's source
void wino_fused_setup(int point, bool ok, int iy0, int ix0, int H, int W, int4* off, float4* coef);
float wino_fused_input(__global const float* xc, int4 off, float4 coef);
void wino_load_products(__global volatile const float* prod, long chunk, long o, float p[4][4]);
void winograd_store_tile(float p[4][4], int n, int rem, int m, int M, int tiles_w, int oh, int ow,
                         __global const float* bias, int has_bias, __global const float* r, int has_res,
                         __global float* y, int act, float lo, float hi);
#endif

// `out` and `tile_done` exist only in the programs whose tails use them: each argument costs every launch host
// time on NVIDIA's driver, even a NULL one (~0.35 us).
// SLICES (sliced K, -DSLICES=2 or 4): the work-group holds SLICES copies of the tile's work-items (local z), each
// multiplying its own share of the depth through its own local tiles; the shares are added in local memory and the
// first slice stores the tile with the epilogue. More work-items per output tile with no split-K partial sums in
// global memory and no reduction launch (batch 1: few output tiles, deep K).
#ifndef SLICES
#define SLICES 1
#endif
#if SLICES > 1 && (defined(SERIAL_SPLITK) || defined(ATOMIC_SPLITK) || defined(WINO_FUSED))
#error "sliced K has no serial or atomic split-K or fused Winograd tail"
#endif
#if (SLICES - 1) * TM * TN > SLICES * TK * (TM + TN + 8)
#error "the slices' sums must fit in the local tiles they reuse"
#endif
#ifdef TENSOR_CORES
// tensor_cores=3xtf32: the depth loop's products on the tensor cores at near-fp32 accuracy ("3xTF32"). Each operand x
// splits into big = x rounded to tf32 (10 mantissa bits) and small = (x - big) rounded to tf32, and
// a * b = big_a * big_b + big_a * small_b + small_a * big_b + (small_a * small_b, dropped): ~2^-21 of each product
// is lost, against 2^-24 for an fp32 FMA; the tensor cores' own additions lose more (NMSE against the reference on
// the H100: 1.1e-10 at ResNet-50 batch 1, 1.7e-9 at batch 32; the FMA forms ~8e-13). Warp-level m16n8k8 products:
// the tile's warps share its 16-row x 8-column blocks (MMA_FM x MMA_FN blocks each); the accumulators reach the
// epilogue's RM x RN layout through local memory.
// PTX mma.sync on NVIDIA (-DNV_MMA); elsewhere the same fragments through local memory (slow: for tests).
#define MMA_WARPS ((TM / RM) * (TN / RN) / 32)
#define MMA_WM (MMA_WARPS < TM / 16 ? MMA_WARPS : TM / 16)
#define MMA_WN (MMA_WARPS / MMA_WM)
#define MMA_FM (TM / 16 / MMA_WM)
#define MMA_FN (TN / 8 / MMA_WN)
#if MMA_WARPS * 32 != (TM / RM) * (TN / RN) || MMA_FM * MMA_WM * 16 != TM || MMA_FN * MMA_WN * 8 != TN || TK % 8 != 0
#error "tensor-core tiles: whole warps, 16-row and 8-column blocks shared evenly among them, depth steps of 8"
#endif
// x rounded to the nearest tf32 (ties away from zero), its low 13 bits zero.
inline uint tf32_round(float x) { return (as_uint(x) + 0x1000u) & 0xffffe000u; }
inline void tf32_split(float x, uint* big, uint* small) {
  *big = tf32_round(x);
  *small = tf32_round(x - as_float(*big));  // x - big is exact in fp32
}
// c (the lane's 4 accumulators of a 16 x 8 block) += A (16 x 8, the lane's a0-a3) * B (8 x 8, b0-b1). Lane l, with
// g = l / 4 and t = l % 4, holds A[g][t], A[g + 8][t], A[g][t + 4], A[g + 8][t + 4], B[t][g], B[t + 4][g] and
// C[g][2t], C[g][2t + 1], C[g + 8][2t], C[g + 8][2t + 1] (PTX ISA, mma.m16n8k8 .tf32).
#ifdef NV_MMA
inline void mma_tf32(float* c, uint a0, uint a1, uint a2, uint a3, uint b0, uint b1, __local float* scratch, int lane) {
  float d0, d1, d2, d3;
  asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
               "{%10,%11,%12,%13};"
               : "=f"(d0), "=f"(d1), "=f"(d2), "=f"(d3)
               : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1), "f"(c[0]), "f"(c[1]), "f"(c[2]), "f"(c[3]));
  c[0] = d0, c[1] = d1, c[2] = d2, c[3] = d3;
}
#define MMA_SCRATCH 1
#else
// The warp's product without tensor cores: its lanes' fragments through its own 16 x 8 + 8 x 8 words of local
// memory. Every work-item of the work-group makes the same calls (uniform loops), so barriers stand in for the warp.
inline void mma_tf32(float* c, uint a0, uint a1, uint a2, uint a3, uint b0, uint b1, __local float* scratch, int lane) {
  const int g = lane / 4, t = lane % 4;
  __local float* A = scratch;        // A[r][k] at r * 8 + k
  __local float* B = scratch + 128;  // B[k][n] at k * 8 + n
  A[g * 8 + t] = as_float(a0), A[(g + 8) * 8 + t] = as_float(a1);
  A[g * 8 + t + 4] = as_float(a2), A[(g + 8) * 8 + t + 4] = as_float(a3);
  B[t * 8 + g] = as_float(b0), B[(t + 4) * 8 + g] = as_float(b1);
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int e = 0; e < 4; ++e) {
    const int r = g + (e / 2) * 8, col = 2 * t + e % 2;
    float s = c[e];
    for (int k = 0; k < 8; ++k) s = fma(A[r * 8 + k], B[k * 8 + col], s);
    c[e] = s;
  }
  barrier(CLK_LOCAL_MEM_FENCE);
}
#define MMA_SCRATCH (MMA_WARPS * 192)
#endif
#endif
__kernel __attribute__((reqd_work_group_size(TN / RN, TM / RM, SLICES)))
void conv_igemm(__global const float* x, __global const float* w, __global const float* bias,
                __global const float* r, __global float* y,
#ifdef TILE_TAIL
                __global float* out, __global volatile int* tile_done,
#endif
#ifdef L2_PREFETCH
                __global const float* pf,
#endif
                IgemmArgs args) {
#ifdef KH  // the window size compiled in (-DKH -DKW): im2col's divisions by kh * kw and kw become multiplications
  const int kh = KH, kw = KW;
#else
  const int kh = args.kh, kw = args.kw;
#endif
  const int C = args.C, H = args.H, W = args.W, M = args.M, sh = args.sh, sw = args.sw;
  const int pt = args.pt, pl = args.pl, dh = args.dh, dw = args.dw, oh = args.oh, ow = args.ow, Nimg = args.Nimg;
  const int act = args.act, kchunk = args.kchunk, partial = args.partial, has_bias = args.has_bias;
  const int has_res = args.has_res;
  const float lo = args.lo, hi = args.hi;
  // + 4: the A loader writes down columns (2-way bank conflicts instead of 16-way), rows stay 16-byte aligned.
  // One A and one B tile per slice, in one array: the slices' sums reuse it after the loop.
#define A4_SIZE (TK * (TM + 4) / 4)
#define B4_SIZE (TK * (TN + 4) / 4)
  __local float4 tiles4[SLICES * (A4_SIZE + B4_SIZE)];
#ifdef TENSOR_CORES  // per slice: the accumulator tile on its way to the epilogue's layout, and the emulation's words
  __local float mma_local[SLICES * (TM * (TN + 4) + MMA_SCRATCH)];
#endif
  __local float4* As4 = tiles4 + get_local_id(2) * (A4_SIZE + B4_SIZE);
  __local float4* Bs4 = As4 + A4_SIZE;
#ifdef TILE_TAIL
  __local int last_group;
#endif
  __local float* As = (__local float*)As4;
  __local float* Bs = (__local float*)Bs4;
  const int P = oh * ow, Q = Nimg * P, K = C * kh * kw, khw = kh * kw;
#ifdef BATCHED  // group z computes the z-th of independent GEMMs (Winograd points): its own input, weights, output
  w += (long)get_group_id(2) * M * K;
#ifndef WINO_FUSED  // fused: one input (transformed in the loader), the products stored as split-K chunks [z][m][t]
  x += (long)get_group_id(2) * Nimg * C * H * W;
  y += (long)get_group_id(2) * M * Q;
#endif
#endif
  const int tx = get_local_id(0), ty = get_local_id(1);
  const int threads = (TM / RM) * (TN / RN), tid = ty * (TN / RN) + tx;
  const int m0 = get_group_id(1) * TM, q0 = get_group_id(0) * TN;
  float acc[RM][RN];
  for (int i = 0; i < RM; ++i)
    for (int j = 0; j < RN; ++j) acc[i][j] = 0.0f;
#ifdef TENSOR_CORES
  // This work-item's lane in its warp, and the warp's blocks: rows mma_m0 + 16 f, columns mma_n0 + 8 j.
  const int mma_warp = tid / 32, mma_lane = tid % 32, mma_g = mma_lane / 4, mma_t = mma_lane % 4;
  const int mma_m0 = (mma_warp % MMA_WM) * MMA_FM * 16, mma_n0 = (mma_warp / MMA_WM) * MMA_FN * 8;
  __local float* mma_scratch = mma_local + get_local_id(2) * (TM * (TN + 4) + MMA_SCRATCH) + TM * (TN + 4) +
                               (MMA_SCRATCH > 1 ? mma_warp * 192 : 0);
  float cacc[MMA_FM][MMA_FN][4];
  for (int f = 0; f < MMA_FM; ++f)
    for (int j = 0; j < MMA_FN; ++j)
      for (int e = 0; e < 4; ++e) cacc[f][j][e] = 0.0f;
#endif
  // Every work-item loads the same B column (output pixel) of every tile (threads is a multiple of TN): its image,
  // row and column are decoded once, not per element.
  const int qq = tid % TN, kk0 = tid / TN, kstep = threads / TN;
  const int q = q0 + qq;
  const bool q_ok = q < Q;
  const int n = q_ok ? q / P : 0, p = q_ok ? q % P : 0;
  const int iy0 = (p / ow) * sh - pt, ix0 = (p % ow) * sw - pl;
  __global const float* xn = x + (long)n * C * H * W;
#ifdef WINO_FUSED  // the column is a 2x2 output tile (sh = sw = 2 place its 4x4 input patch); k a channel
  int4 woff;
  float4 wcoef;
  wino_fused_setup(get_group_id(2), q_ok, iy0, ix0, H, W, &woff, &wcoef);
#undef IM2COL
#define IM2COL(k) wino_fused_input(xn + (long)(k) * H * W, woff, wcoef)
#endif
#ifdef BATCHED
  int k_lo = 0, k_hi = K;
#else
  int k_lo = get_group_id(2) * kchunk, k_hi = min(K, k_lo + kchunk);
#endif
#if SLICES > 1  // slice z takes [k_lo + z * slice_k, + slice_k); every slice makes the same trips (barriers)
  // (a slice's trips past its share load zeros: the loads test k_end, their masks k_hi)
  const int slice_k = (k_hi - k_lo + SLICES * TK - 1) / (SLICES * TK) * TK;
  k_lo += get_local_id(2) * slice_k;
  k_hi = min(k_hi, k_lo + slice_k);
  const int k_end = k_lo + slice_k;
#else
  const int k_end = k_hi;
#endif
  // One depth step's fragments from the local tiles into a[s], b[s]: float4 loads where RM / RN allow.
#if RM % 4 == 0
#define LOAD_A_FRAGMENT(S, KK)                                                         \
  for (int v = 0; v < RM / 4; ++v) {                                                   \
    const float4 t = As4[((KK) * (TM + 4) + ty * RM) / 4 + v];                         \
    a[S][4 * v] = t.s0, a[S][4 * v + 1] = t.s1, a[S][4 * v + 2] = t.s2, a[S][4 * v + 3] = t.s3; \
  }
#else
#define LOAD_A_FRAGMENT(S, KK) \
  for (int i = 0; i < RM; ++i) a[S][i] = As[(KK) * (TM + 4) + ty * RM + i];
#endif
#if RN % 4 == 0
#define LOAD_B_FRAGMENT(S, KK)                                                         \
  for (int v = 0; v < RN / 4; ++v) {                                                   \
    const float4 t = Bs4[((KK) * (TN + 4) + tx * RN) / 4 + v];                         \
    b[S][4 * v] = t.s0, b[S][4 * v + 1] = t.s1, b[S][4 * v + 2] = t.s2, b[S][4 * v + 3] = t.s3; \
  }
#else
#define LOAD_B_FRAGMENT(S, KK) \
  for (int j = 0; j < RN; ++j) b[S][j] = Bs[(KK) * (TN + 4) + tx * RN + j];
#endif
#define LOAD_FRAGMENTS(S, KK) LOAD_A_FRAGMENT(S, KK) LOAD_B_FRAGMENT(S, KK)
  // Software pipelining: the global values of a later tile are loaded into registers while the current tile is
  // multiplied from local memory. Each work-item holds A_PER values of A and B_PER of B per register set. PREFETCH 1:
  // one set, the next tile's loads in flight during one tile's FMAs. PREFETCH 2 (global_prefetch=2): two sets, the
  // tile after next is requested while this one is multiplied, so each load has two tiles' arithmetic to arrive in
  // (batch 1 runs one or two work-groups per compute unit, too few to hide a global load's latency by switching).
#ifndef PREFETCH
#define PREFETCH 1
#endif
#define A_PER (TK * TM / ((TM / RM) * (TN / RN)))
#define B_PER (TK * TN / ((TM / RM) * (TN / RN)))
#ifdef VEC4
  // Pointwise with transposed weights (w is K x M) and P % 4 == 0, M % 4 == 0: both tiles move as aligned float4,
  // each work-item owning fixed float4 columns of A (output channels) and of B (pixels, never across an image).
#define A_PER4 (A_PER / 4)
#define B_PER4 (B_PER / 4)
  float4 ra4[PREFETCH][A_PER4], rb4[PREFETCH][B_PER4];
  const int bc4 = tid % (TN / 4), bkk0 = tid / (TN / 4), bkstep = threads / (TN / 4);
  const int bq = q0 + 4 * bc4;
  __global const float* xb = x + (bq < Q ? ((long)(bq / P) * C * P + bq % P) : 0);
#ifdef MATMUL  // A row-major M x K (K % 4 == 0): each work-item loads float4 along k of fixed rows
  const int ak4 = tid % (TK / 4), amm0 = tid / (TK / 4), amstep = threads / (TK / 4);
#define LOAD_A(K0, S)                                                                   \
  for (int u = 0; u < A_PER4; ++u) {                                                    \
    const int m = m0 + amm0 + u * amstep, k = (K0) + 4 * ak4;                           \
    ra4[S][u] = (m < M && k < k_hi) ? vload4(0, w + (long)m * K + k) : (float4)(0.0f);   \
  }
#define STORE_A(S)                                                                      \
  for (int u = 0; u < A_PER4; ++u) {                                                    \
    const int mm = amm0 + u * amstep;                                                   \
    As[(4 * ak4) * (TM + 4) + mm] = ra4[S][u].s0;                                       \
    As[(4 * ak4 + 1) * (TM + 4) + mm] = ra4[S][u].s1;                                   \
    As[(4 * ak4 + 2) * (TM + 4) + mm] = ra4[S][u].s2;                                   \
    As[(4 * ak4 + 3) * (TM + 4) + mm] = ra4[S][u].s3;                                   \
  }
#else  // transposed weights K x M (M % 4 == 0): float4 along m
  const int am4 = tid % (TM / 4), akk0 = tid / (TM / 4), akstep = threads / (TM / 4);
  const int am = m0 + 4 * am4;
#define LOAD_A(K0, S)                                                                   \
  for (int u = 0; u < A_PER4; ++u) {                                                    \
    const int k = (K0) + akk0 + u * akstep;                                             \
    ra4[S][u] = (am < M && k < k_hi) ? *(__global const float4*)(w + (long)k * M + am) : (float4)(0.0f);\
  }
#define STORE_A(S) \
  for (int u = 0; u < A_PER4; ++u) As4[((akk0 + u * akstep) * (TM + 4)) / 4 + am4] = ra4[S][u];
#endif
#define LOAD_TILE(K0, S)                                                                \
  LOAD_A(K0, S)                                                                         \
  for (int u = 0; u < B_PER4; ++u) {                                                    \
    const int k = (K0) + bkk0 + u * bkstep;                                             \
    rb4[S][u] = (bq < Q && k < k_hi) ? *(__global const float4*)(xb + (long)k * P) : (float4)(0.0f);\
  }
#define STORE_TILE(S) \
  STORE_A(S)          \
  for (int u = 0; u < B_PER4; ++u) Bs4[((bkk0 + u * bkstep) * (TN + 4)) / 4 + bc4] = rb4[S][u];
#else
  float ra[PREFETCH][A_PER], rb[PREFETCH][B_PER];
#define LOAD_TILE(K0, S)                                                               \
  for (int u = 0; u < A_PER; ++u) { /* A tile: W[m][k] (row-major M x K) */            \
    const int e = tid + u * threads, kk = e % TK, m = m0 + e / TK, k = (K0) + kk;      \
    ra[S][u] = (m < M && k < k_hi) ? w[(long)m * K + k] : 0.0f;                        \
  }                                                                                    \
  for (int u = 0; u < B_PER; ++u) { /* B tile: im2col values of column qq */           \
    const int k = (K0) + kk0 + u * kstep;                                              \
    rb[S][u] = (q_ok && k < k_hi) ? IM2COL(k) : 0.0f;                                  \
  }
#define STORE_TILE(S)                                                                  \
  for (int u = 0; u < A_PER; ++u) {                                                    \
    const int e = tid + u * threads;                                                   \
    As[(e % TK) * (TM + 4) + e / TK] = ra[S][u];                                       \
  }                                                                                    \
  for (int u = 0; u < B_PER; ++u) Bs[(kk0 + u * kstep) * (TN + 4) + qq] = rb[S][u];
#endif
  LOAD_TILE(k_lo, 0)
#if PREFETCH == 2
  if (k_lo + TK < k_end) {
    LOAD_TILE(k_lo + TK, 1)
  }
#endif
#ifdef L2_PREFETCH
  // l2_prefetch=on: the constants (weights) of the plan's next launch that reads any, requested into L2 now, behind
  // this launch's own first loads, a line per work-item per round: at batch 1 a layer's weights come from device
  // memory (ResNet-50's 100 MB do not stay in L2), and each depth step waits for its tile's loads.
  if (args.pf_lines > 0) {
    const int items = get_global_size(0) * get_global_size(1) * get_global_size(2);
    const int id = get_global_id(0) + get_global_size(0) * (get_global_id(1) + get_global_size(1) * get_global_id(2));
    for (int line = id; line < args.pf_lines; line += items) prefetch_line(pf + (long)line * 32);
  }
#endif
#if defined(EARLY_EPILOGUE) && defined(WINO_FUSED)
#error "the fused Winograd products have no early epilogue"
#endif
#ifdef EARLY_EPILOGUE
  // epilogue_loads=early: the bias and residual this work-item's outputs take, requested after the first tile's
  // loads and before the depth loop, so that their latency passes during the loop instead of after it (a batch-1
  // kernel's time is a chain of such latencies). The first slice alone stores, so it alone loads them.
  const bool early = !partial && (has_bias || has_res) && get_local_id(2) == 0;
#ifdef VEC4
  float4 early_add[RM][RN / 4];
  for (int i = 0; i < RM; ++i) {
    const int m = m0 + ty * RM + i;
    for (int j = 0; j < RN; j += 4) {
      const int q = q0 + tx * RN + j;
      float4 v = (float4)(0.0f);
      if (early && m < M && q < Q) {
        const long o = ((long)(q / P) * M + m) * P + q % P;
#ifdef MATMUL
        if (has_bias) v += vload4(0, bias + q % P);
#else
        if (has_bias) v += bias[m];
#endif
        if (has_res) v += *(__global const float4*)(r + o);
      }
      early_add[i][j / 4] = v;
    }
  }
#else
  float early_add[RM][RN];
  for (int i = 0; i < RM; ++i) {
    const int m = m0 + ty * RM + i;
    for (int j = 0; j < RN; ++j) {
      const int q = q0 + tx * RN + j;
      float v = 0.0f;
      if (early && m < M && q < Q) {
        const int n = q / P, p = q % P;
        if (has_bias) v += BIAS_AT(m, p);
        if (has_res) v += r[((long)n * M + m) * P + p];
      }
      early_add[i][j] = v;
    }
  }
#endif
#endif
  for (int k0 = k_lo; k0 < k_end; k0 += TK) {
#if PREFETCH == 2
    // The set that holds this tile is refilled with the tile after next; the branches are uniform over the
    // work-group and keep every register index constant.
    const bool odd = ((k0 - k_lo) / TK) & 1;
    if (odd) {
      STORE_TILE(1)
    } else {
      STORE_TILE(0)
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    if (k0 + 2 * TK < k_end) {
      if (odd) {
        LOAD_TILE(k0 + 2 * TK, 1)
      } else {
        LOAD_TILE(k0 + 2 * TK, 0)
      }
    }
#else
    STORE_TILE(0)
    barrier(CLK_LOCAL_MEM_FENCE);
    if (k0 + TK < k_end) {
      LOAD_TILE(k0 + TK, 0)
    }
#endif
#define FMA_FRAGMENTS(S)  \
  for (int i = 0; i < RM; ++i) \
    for (int j = 0; j < RN; ++j) acc[i][j] = fma(a[S][i], b[S][j], acc[i][j]);
#if defined(TENSOR_CORES)
    for (int k8 = 0; k8 < TK; k8 += 8) {
      uint abig[MMA_FM][4], asmall[MMA_FM][4];
      for (int f = 0; f < MMA_FM; ++f) {
        const int r = mma_m0 + f * 16 + mma_g, k = k8 + mma_t;
        tf32_split(As[k * (TM + 4) + r], &abig[f][0], &asmall[f][0]);
        tf32_split(As[k * (TM + 4) + r + 8], &abig[f][1], &asmall[f][1]);
        tf32_split(As[(k + 4) * (TM + 4) + r], &abig[f][2], &asmall[f][2]);
        tf32_split(As[(k + 4) * (TM + 4) + r + 8], &abig[f][3], &asmall[f][3]);
      }
      for (int j = 0; j < MMA_FN; ++j) {
        const int col = mma_n0 + j * 8 + mma_g, k = k8 + mma_t;
        uint bbig0, bsmall0, bbig1, bsmall1;
        tf32_split(Bs[k * (TN + 4) + col], &bbig0, &bsmall0);
        tf32_split(Bs[(k + 4) * (TN + 4) + col], &bbig1, &bsmall1);
        for (int f = 0; f < MMA_FM; ++f) {  // the small terms first, the big product last
          mma_tf32(cacc[f][j], asmall[f][0], asmall[f][1], asmall[f][2], asmall[f][3], bbig0, bbig1, mma_scratch,
                   mma_lane);
          mma_tf32(cacc[f][j], abig[f][0], abig[f][1], abig[f][2], abig[f][3], bsmall0, bsmall1, mma_scratch,
                   mma_lane);
          mma_tf32(cacc[f][j], abig[f][0], abig[f][1], abig[f][2], abig[f][3], bbig0, bbig1, mma_scratch, mma_lane);
        }
      }
    }
#elif defined(SINGLE_FRAGMENTS)  // fragments=single: each step reads its fragments, then multiplies
    float a[1][RM], b[1][RN];
    for (int kk = 0; kk < TK; ++kk) {
      LOAD_FRAGMENTS(0, kk)
      FMA_FRAGMENTS(0)
    }
#else
    // Fragments double-buffered: step kk + 1's values are read from local memory before step kk's FMAs, so that the
    // local-memory latency overlaps the arithmetic (batch 1 runs one or two work-groups per compute unit, too few
    // to hide it by switching).
    float a[2][RM], b[2][RN];
    LOAD_FRAGMENTS(0, 0)
#pragma unroll
    for (int kk = 0; kk < TK; ++kk) {
      if (kk + 1 < TK) {
        LOAD_FRAGMENTS((kk + 1) & 1, kk + 1)
      }
      FMA_FRAGMENTS(kk & 1)
    }
#endif
    barrier(CLK_LOCAL_MEM_FENCE);
  }
#ifdef TENSOR_CORES
  {  // the warps' blocks into the tile (rows padded by 4 words), then each work-item's RM x RN block out of it
    __local float* ct = mma_local + get_local_id(2) * (TM * (TN + 4) + MMA_SCRATCH);
    for (int f = 0; f < MMA_FM; ++f)
      for (int j = 0; j < MMA_FN; ++j)
        for (int e = 0; e < 4; ++e)
          ct[(mma_m0 + f * 16 + mma_g + (e / 2) * 8) * (TN + 4) + mma_n0 + j * 8 + 2 * mma_t + e % 2] = cacc[f][j][e];
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int i = 0; i < RM; ++i)
      for (int j = 0; j < RN; ++j) acc[i][j] = ct[(ty * RM + i) * (TN + 4) + tx * RN + j];
  }
#endif
#if SLICES > 1
  // The other slices' sums through local memory (element-major: consecutive work-items, consecutive words); the
  // first slice adds them and goes on to the stores.
  {
    __local float* sums = (__local float*)tiles4;
    const int z = get_local_id(2);
    if (z > 0) {
      for (int i = 0; i < RM; ++i)
        for (int j = 0; j < RN; ++j) sums[(((z - 1) * RM + i) * RN + j) * threads + tid] = acc[i][j];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    if (z > 0) return;
    for (int s = 0; s < SLICES - 1; ++s)
      for (int i = 0; i < RM; ++i)
        for (int j = 0; j < RN; ++j) acc[i][j] += sums[((s * RM + i) * RN + j) * threads + tid];
  }
#endif
#ifdef VEC4  // four consecutive pixels of one image per store (P % 4 == 0)
  for (int i = 0; i < RM; ++i) {
    const int m = m0 + ty * RM + i;
    if (m >= M) continue;
    for (int j = 0; j < RN; j += 4) {
      const int q = q0 + tx * RN + j;
      if (q >= Q) continue;
      const long o = ((long)(q / P) * M + m) * P + q % P;
      float4 v = (float4)(acc[i][j], acc[i][j + 1], acc[i][j + 2], acc[i][j + 3]);
#ifdef ATOMIC_SPLITK
      if (partial == 3) {
        add_to_global(y + o, v.s0), add_to_global(y + o + 1, v.s1);
        add_to_global(y + o + 2, v.s2), add_to_global(y + o + 3, v.s3);
        continue;
      }
#endif
      if (partial) {
        vstore4(v, 0, y + (long)get_group_id(2) * Q * M + o);
        continue;
      }
#ifdef EARLY_EPILOGUE
      v += early_add[i][j / 4];
#else
#ifdef MATMUL
      if (has_bias) v += vload4(0, bias + q % P);
#else
      if (has_bias) v += bias[m];
#endif
      if (has_res) v += *(__global const float4*)(r + o);  // 16-byte aligned: P, q and o are multiples of 4
#endif
      *(__global float4*)(y + o) = (float4)(activate(v.s0, act, lo, hi), activate(v.s1, act, lo, hi),
                                            activate(v.s2, act, lo, hi), activate(v.s3, act, lo, hi));
    }
  }
#else
  for (int i = 0; i < RM; ++i) {
    int m = m0 + ty * RM + i;
    if (m >= M) continue;
    for (int j = 0; j < RN; ++j) {
      int q = q0 + tx * RN + j;
      if (q >= Q) continue;
      int n = q / P, p = q % P;
#ifdef WINO_FUSED  // the Winograd products' layout, [point][m][tile], whatever the images (winograd_output's)
      long o = (long)m * Q + q;
#else
      long o = ((long)n * M + m) * P + p;
#endif
      float v = acc[i][j];
#ifdef ATOMIC_SPLITK
      if (partial == 3) {
        add_to_global(y + o, v);
        continue;
      }
#endif
      if (partial) {
        y[(long)get_group_id(2) * Q * M + o] = v;
        continue;
      }
#ifdef EARLY_EPILOGUE
      v += early_add[i][j];
#else
      if (has_bias) v += BIAS_AT(m, p);
      if (has_res) v += r[o];
#endif
      y[o] = activate(v, act, lo, hi);
    }
  }
#endif
#ifdef WINO_FUSED_OUTPUT
  // The last of the tile's point products to arrive applies the output transform and the epilogue to the tile: each
  // work-item RM * RN elements, four at a time so that their 64 loads are in flight together.
#if (RM * RN) % 4 != 0
#error "the fused Winograd tail takes four elements per round"
#endif
  if (!last_to_arrive(tile_done, get_group_id(1) * get_num_groups(0) + get_group_id(0), get_num_groups(2),
                      &last_group)) {
    return;
  }
  for (int u0 = 0; u0 < RM * RN; u0 += 4) {
    float pr[4][4][4];
    int tm[4], tt[4];
    for (int g = 0; g < 4; ++g) {
      const int e = tid + (u0 + g) * threads;
      tm[g] = m0 + e / TN, tt[g] = q0 + e % TN;
      wino_load_products(y, (long)Q * M, tm[g] < M && tt[g] < Q ? (long)tm[g] * Q + tt[g] : -1, pr[g]);
    }
    for (int g = 0; g < 4; ++g) {
      if (tm[g] >= M || tt[g] >= Q) continue;
      const int img = tt[g] / P;
      winograd_store_tile(pr[g], img, tt[g] - img * P, tm[g], M, ow, args.out_h, args.out_w, bias, has_bias, r,
                          has_res, out, act, lo, hi);
    }
  }
#endif
#if defined(SERIAL_SPLITK) || defined(ATOMIC_SPLITK)  // own programs: the tail's registers cost occupancy
#ifdef ATOMIC_SPLITK
  // Atomic split-K: every work-group of the tile added its sums into y (zero between launches); the last to arrive
  // reads the tile's totals, sets them back to zero for the next launch and applies the epilogue: one value per
  // output to read instead of `splits`, and no reduction launch.
  if (partial != 3) return;
#ifdef NV_PTX
  asm volatile("membar.gl;" : : : "memory");  // the reductions above are performed before this group is counted
#endif
  const int splits = 1;  // the one partial sum left to read: the total
  if (!last_to_arrive(tile_done, get_group_id(1) * get_num_groups(0) + get_group_id(0), get_num_groups(2),
                      &last_group)) {
    return;
  }
#else
  if (partial != 2) return;
  // Serial split-K: the work-group that brings the tile's count to `splits` reduces the tile.
  const int splits = get_num_groups(2);
  if (!last_to_arrive(tile_done, get_group_id(1) * get_num_groups(0) + get_group_id(0), splits, &last_group)) return;
#endif
  // Volatile: the other work-groups' sums are read from L2, never from a stale L1 line. Each work-item owns RM * RN
  // elements of the tile (consecutive columns across work-items) and loads them for SPLIT_GROUP splits before adding:
  // the tail is a few rounds of L2 latency, not one per split.
#define SPLIT_GROUP 4
  __global volatile const float* part = y;
  const long chunk = (long)Q * M;
  long off[RM * RN];
  float sum[RM * RN];
  for (int u = 0; u < RM * RN; ++u) {
    const int e = tid + u * threads, m = m0 + e / TN, q = q0 + e % TN;
    off[u] = (m < M && q < Q) ? ((long)(q / P) * M + m) * P + q % P : -1;
    sum[u] = 0.0f;
  }
  for (int s0 = 0; s0 < splits; s0 += SPLIT_GROUP) {
    float t[SPLIT_GROUP][RM * RN];
    for (int j = 0; j < SPLIT_GROUP; ++j) {
      for (int u = 0; u < RM * RN; ++u) {
        t[j][u] = (s0 + j < splits && off[u] >= 0) ? part[(s0 + j) * chunk + off[u]] : 0.0f;
      }
    }
    for (int j = 0; j < SPLIT_GROUP; ++j) {
      for (int u = 0; u < RM * RN; ++u) sum[u] += t[j][u];
    }
  }
  for (int u = 0; u < RM * RN; ++u) {
    if (off[u] < 0) continue;
    const int e = tid + u * threads, m = m0 + e / TN, p = (q0 + e % TN) % P;
    float v = sum[u];
#ifdef ATOMIC_SPLITK
    y[off[u]] = 0.0f;  // the total read: zero again for the next launch's additions
#endif
    if (has_bias) v += BIAS_AT(m, p);
    if (has_res) v += r[off[u]];
    out[off[u]] = activate(v, act, lo, hi);
  }
#endif
}
#endif
)CLC";
}

std::string IgemmTile::Name() const { return fmt::format("igemm_{}x{}x{}_{}x{}", tm, tn, tk, rm, rn); }

std::string IgemmTile::Defines() const {
  return fmt::format("-DTM={} -DTN={} -DTK={} -DRM={} -DRN={}", tm, tn, tk, rm, rn);
}

bool IgemmTile::Vectorizable() const {
  const int t = Threads();
  return rn % 4 == 0 && (tk * tm) % (4 * t) == 0 && (tk * tn) % (4 * t) == 0 && t % (tm / 4) == 0 && t % (tn / 4) == 0;
}

std::string IgemmCandidate::Name() const {
  return tile.Name() + (splits > 1 ? fmt::format("_k{}{}", splits, serial ? "r" : atomic ? "a" : "") : "") +
         (slices > 1 ? fmt::format("_s{}", slices) : "") + (tensor_cores ? "_tc" : "") + (vec4 ? "_v4" : "");
}

const std::vector<IgemmCandidate>& IgemmCandidates() {
  static const std::vector<IgemmCandidate> c = [] {
    std::vector<IgemmCandidate> out;
    for (const auto& t : IgemmTiles()) out.push_back({t, 1});
    for (int s : {4, 16}) {  // split-K for layers with few output tiles and a deep K (batch 1, late stages)
      out.push_back({IgemmTiles()[2], s});
      out.push_back({IgemmTiles()[3], s});
    }
    for (const auto& t : IgemmTiles()) {
      if (t.Vectorizable()) out.push_back({t, 1, true});
    }
    for (int s : {4, 16}) out.push_back({IgemmTiles()[0], s, true});  // float4 with split-K
    // Split-K on the 4 x 4 small tiles, scalar and float4.
    for (int s : {4, 16}) {
      for (int t : {8, 9, 10}) {
        out.push_back({IgemmTiles()[t], s});
        if (IgemmTiles()[t].Vectorizable()) out.push_back({IgemmTiles()[t], s, true});
      }
    }
    // Serial split-K (no reduction launch), also on the deep-step tiles: batch 1 runs ~100 launches of a few us.
    for (int s : {4, 16}) {
      for (int t : {2, 3, 6, 7}) out.push_back({IgemmTiles()[t], s, false, true});
      for (int t : {0, 5}) out.push_back({IgemmTiles()[t], s, true, true});
    }
    // Sliced K on the tiles batch 1 chooses (ResNet-50 on the H100): 2 or 4 slices of the 64- and 128-work-item
    // tiles, 2 of the 256-work-item ones; with a 4-way split-K on the 32 x 32 tile for the deepest layers.
    for (int t : {8, 10}) {  // 32x32x16_4x4, 32x64x16_4x4: scalar and float4
      for (int sl : {2, 4}) {
        out.push_back({IgemmTiles()[t], 1, false, false, sl});
        out.push_back({IgemmTiles()[t], 1, true, false, sl});
      }
    }
    out.push_back({IgemmTiles()[8], 4, false, false, 4});
    out.push_back({IgemmTiles()[8], 4, true, false, 4});
    for (int t : {2, 3}) out.push_back({IgemmTiles()[t], 1, false, false, 2});  // 64x32x16_4x2, 32x32x16_2x2
    // Deeper steps in the forms batch 1 chooses (ResNet-50 on the H100: 13 layers sliced, 13 split 4- or 16-way):
    // a batch-1 work-group runs its depth loop with one or two warps per scheduler, each step a chain of latencies
    // (global loads, two barriers, local loads), and the depth-32 forms of the unsplit 4 x 4 tiles timed ~17 % less
    // per depth than their depth-16 forms there (session 13's timings). Depth 32 and 64 on the sliced and split forms.
    // These, and every form of the two tiles added with them, are left out by deep_steps=off.
    const std::size_t deep_from = out.size();
    for (int sl : {2, 4}) {  // 32x32x32_4x4
      out.push_back({IgemmTiles()[11], 1, true, false, sl});
    }
    out.push_back({IgemmTiles()[11], 1, false, false, 2});
    for (int s : {4, 16}) out.push_back({IgemmTiles()[12], s, true});  // 32x64x32_4x4, float4
    out.push_back({IgemmTiles()[12], 1, true, false, 2});
    for (int s : {4, 16}) out.push_back({IgemmTiles()[6], s});  // 64x32x32_4x2
    out.push_back({IgemmTiles()[13], 1, true, false, 2});      // 32x32x64_4x4, float4
    for (std::size_t i = 0; i < out.size(); ++i) {
      const std::string tile = out[i].tile.Name();
      out[i].deep_steps = i >= deep_from || tile == IgemmTiles()[12].Name() || tile == IgemmTiles()[13].Name();
    }
    // Atomic split-K on the split forms batch 1 chooses: the reduction launch (~4-5 us of a batch-1 layer on the
    // H100) and the serial form's tail (reading every split's sums, up to 12 us) replaced by atomic adds in L2 and
    // one read per output; deeper splits too. Timed only with atomic_splitk=on: on the H100 at batch 1 an atomic form
    // took a median 1.17x the time of the same form with its reduction launch, and timing chose none of them on
    // ResNet-50's 54 layers (session 14).
    auto atomic = [&](int t, int s, bool vec4) {
      IgemmCandidate c{IgemmTiles()[t], s, vec4};
      c.atomic = true;
      out.push_back(c);
    };
    for (int s : {4, 16, 32}) {
      atomic(2, s, false);  // 64x32x16_4x2
      atomic(8, s, true);   // 32x32x16_4x4, float4
    }
    for (int s : {4, 16}) {
      atomic(3, s, false);  // 32x32x16_2x2
      atomic(8, s, false);  // 32x32x16_4x4
      atomic(10, s, true);  // 32x64x16_4x4, float4
    }
    // Tensor-core twins (tensor_cores=3xtf32) of the forms with a reduction launch or none (serial and atomic split-K
    // keep their FMA forms only), on tiles of at most 128 x 64.
    const std::size_t plain = out.size();
    for (std::size_t i = 0; i < plain; ++i) {
      if (out[i].serial || out[i].atomic) continue;
      // The accumulator tile passes through local memory: 128 x 128 would need 68 KB, more than a work-group's 48.
      if (out[i].tile.tm * out[i].tile.tn > 128 * 64) continue;
      IgemmCandidate c = out[i];
      c.tensor_cores = true;
      out.push_back(c);
    }
    return out;
  }();
  return c;
}

const std::vector<IgemmTile>& IgemmTiles() {
  static const std::vector<IgemmTile> tiles = {
      {64, 64, 16, 4, 4},   // 256 work-items, 16 outputs each
      {128, 64, 16, 8, 4},  // wide layers
      {64, 32, 16, 4, 2},   // few output pixels (batch 1, late stages)
      {32, 32, 16, 2, 2},   // small layers
      {128, 128, 16, 8, 8}, // large layers at large batch: 64 outputs per work-item
      // Depth steps of 32: half the loop trips (and barriers) of the latency-bound small layers at batch 1.
      {64, 64, 32, 4, 4},
      {64, 32, 32, 4, 2},
      {32, 32, 32, 2, 2},
      // 4 x 4 outputs per work-item on the small tiles (64-128 work-items): four times the FMAs per local load of the
      // 2 x 2 tiles, float4 loads from local memory, and float4 global loads (VEC4) on pointwise layers.
      {32, 32, 16, 4, 4},
      {64, 32, 16, 4, 4},
      {32, 64, 16, 4, 4},
      {32, 32, 32, 4, 4},
      // Depth 32 on the 32 x 64 tile and depth 64 on the 32 x 32 tile: half and a quarter of the depth-16 steps.
      {32, 64, 32, 4, 4},
      {32, 32, 64, 4, 4},
  };
  // The B-tile loader gives every work-item one fixed column: the work-group size must be a multiple of TN.
  for (const auto& t : tiles) {  // the loaders give every work-item whole columns and equal shares of both tiles
    if (t.Threads() % t.tn != 0 || (t.tk * t.tm) % t.Threads() != 0 || (t.tk * t.tn) % t.Threads() != 0) {
      throw std::logic_error("igemm tile " + t.Name() + ": work-group size does not divide the tiles");
    }
  }
  return tiles;
}

int ActivationCode(const std::string& a) {
  if (a.empty()) return 0;
  if (a == "Relu") return 1;
  if (a == "Clip") return 2;
  if (a == "Sigmoid") return 3;
  if (a == "HardSwish") return 4;
  if (a == "Gelu") return 5;
  throw std::invalid_argument("unknown fused activation " + a);
}

}  // namespace joulebench
