// Winograd convolution F(m x m, 3 x 3) for 3x3, stride-1, undilated, ungrouped convolutions (Lavin & Gray 2016):
// each m x m output tile comes from an (m + 2)^2 input patch through (m + 2)^2 independent products instead of
// 9 m^2. Three launches: the input transform V = B^T d B (per channel and tile), (m + 2)^2 batched GEMMs
// U[xi] (M x C) * V[xi] (C x tiles) on the implicit-GEMM kernel, and the output transform A^T (U.V) A with the
// fused epilogue (bias, residual, activation); or, fused (F(2x2, 3x3)), all three in the GEMM's launch. The weights
// are transformed once on the host (U = G g G^T).
#pragma once

#include <string>
#include <vector>

#include "engines/opencl/optimized_kernels.h"
#include "engines/tensor.h"

namespace joulebench {

struct WinogradCandidate {
  int m = 2;        // output tile edge: F(2x2, 3x3) or F(4x4, 3x3)
  IgemmTile tile;   // tile of the batched GEMM
  bool vec4 = false;  // the GEMM's float4 variant (transformed weights stored C x M; M and tiles multiples of 4)
  // F(2x2, 3x3) on the scalar tiles: 1 (`_fused_input`, two launches) the GEMM's loader computes the transformed
  // input from the activations; 2 (`_fused`, one launch) also the last of a tile's 16 point work-groups to finish
  // applies the output transform and the epilogue (a per-tile arrival counter, as serial split-K).
  int fused = 0;
  int slices = 1;  // sliced K in the batched GEMM (IgemmCandidate::slices); unfused forms only
  bool deep_steps = false;  // a depth-32 sliced form, left out of the timed candidates by deep_steps=off
  bool tensor_cores = false;  // the batched GEMM's products as 3xTF32 (IgemmCandidate::tensor_cores); unfused only
  int alpha() const { return m + 2; }
  // winograd_f2_64x64, winograd_f4_128x64, winograd_f4_64x64_v4, winograd_f2_64x32_fused, winograd_f2_32x32_s4_v4,
  // winograd_f2_32x64_tc_v4
  std::string Name() const;
};
const std::vector<WinogradCandidate>& WinogradCandidates();
// The candidate called `name`, or nullptr.
const WinogradCandidate* FindWinogradCandidate(const std::string& name);

// Weights [M][C][3][3] -> U [alpha^2][M][C] (transposed: [alpha^2][C][M]) with U[xi] = (G g G^T)[xi], computed in
// double precision. Throws InputError when the weights are not M x C x 3 x 3 float32.
Tensor WinogradWeights(const Tensor& weights, int m, bool transposed = false);

// OpenCL C of the input and output transforms; compile with -DWM=2 or -DWM=4 after OptimizedKernelSource().
const char* WinogradKernelSource();

}  // namespace joulebench
