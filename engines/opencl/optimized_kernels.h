// The optimized engine's OpenCL C source: fused epilogues, a fused depthwise convolution and an implicit-GEMM
// convolution whose tile sizes are compile-time parameters (TM, TN, TK, RM, RN), chosen per layer by timing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace joulebench {

const char* OptimizedKernelSource();

// Tile configuration of the implicit-GEMM convolution: a TM x TN output tile per work-group of
// (TM/RM) x (TN/RN) work-items, each accumulating RM x RN outputs, stepping K by TK.
struct IgemmTile {
  int tm, tn, tk, rm, rn;
  std::string Name() const;
  std::string Defines() const;
  bool Vectorizable() const;  // whole float4 shares of both tiles per work-item, RN a multiple of 4
  int Threads() const { return (tm / rm) * (tn / rn); }
};
const std::vector<IgemmTile>& IgemmTiles();

// A convolution candidate: a tile, and a split of the depth K over `splits` work-groups (1 = no split; more adds a
// partial-sum buffer and a reduction launch that applies the epilogue).
struct IgemmCandidate {
  IgemmTile tile;
  int splits = 1;
  // float4 tiles and stores (-DVEC4): pointwise layers only, weights transposed to K x M, M and the pixels per
  // image multiples of 4 (MatMuls: depth and columns multiples of 4); with or without split-K.
  bool vec4 = false;
  // Serial split-K: the last work-group of each output tile adds the partial sums and applies the epilogue in the
  // same launch (a per-tile arrival counter), instead of a splitk_epilogue launch.
  bool serial = false;
  // Sliced K: `slices` copies of the tile's work-items in one work-group, each multiplying a share of the (chunk's)
  // depth, their sums added in local memory before the epilogue: no partial sums in global memory, no reduction
  // launch (with splits == 1). Work-groups of slices x Threads() work-items.
  int slices = 1;
  // One of the depth-32/64 sliced and split-K forms that the option deep_steps=off leaves out of the timed candidates.
  bool deep_steps = false;
  // Atomic split-K (splits > 1, not serial): every work-group adds its partial sums into a zeroed buffer with atomic
  // adds (PTX red.global.add.f32 on NVIDIA) and the last of each output tile's work-groups reads the totals, zeroes
  // them again and applies the epilogue, in the same launch. Sums in arrival order: not bitwise reproducible.
  bool atomic = false;
  // tensor_cores=3xtf32: the products on the tensor cores at near-fp32 accuracy (3xTF32, PTX mma.sync on NVIDIA; an
  // emulation through local memory elsewhere, for tests). Twins of the unsplit, split and sliced forms, suffix _tc.
  bool tensor_cores = false;
  // igemm_64x32x16_4x2, igemm_64x32x16_4x2_k16 (reduction launch), igemm_64x32x16_4x2_k16r (serial), ..._k16a (atomic),
  // igemm_64x64x16_4x4_v4, ..._k4_v4, ..._k4r_v4, igemm_32x32x16_4x4_s4_v4 (sliced), ..._k4_s4_v4, ..._k16_tc_v4
  std::string Name() const;
};
const std::vector<IgemmCandidate>& IgemmCandidates();

// The scalar arguments of conv_igemm, passed as one struct by value (the kernel's IgemmArgs, same layout): fewer
// arguments, cheaper launches. partial: 0 the output directly, 1 raw split-K chunks, 2 serial split-K.
struct IgemmArgs {
  std::int32_t C, H, W, M, kh, kw, sh, sw, pt, pl, dh, dw, oh, ow, Nimg, act, kchunk, partial, has_bias, has_res;
  float lo, hi;
  std::int32_t out_h = 0, out_w = 0;  // fused Winograd only: the output size (oh, ow then count 2x2 tiles)
  std::int32_t pf_lines = 0;          // l2_prefetch: 128-byte lines of the kernel's `pf` argument to prefetch into L2
};
static_assert(sizeof(IgemmArgs) == 25 * 4, "IgemmArgs must match the OpenCL struct: 20 ints, 2 floats, 3 ints, unpadded");

// The scalar arguments of splitk_epilogue (the kernel's SplitkArgs, same layout).
struct SplitkArgs {
  std::int64_t n, channels, inner;
  std::int32_t splits, has_bias, has_res, act;
  float lo, hi;
};
static_assert(sizeof(SplitkArgs) == 48, "SplitkArgs must match the OpenCL struct: 3 longs, 4 ints, 2 floats, unpadded");

// Activation codes shared by the host and the kernels.
int ActivationCode(const std::string& activation);  // "" -> 0, Relu 1, Clip 2, Sigmoid 3, HardSwish 4, Gelu 5

}  // namespace joulebench
