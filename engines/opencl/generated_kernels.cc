// Generated OpenCL C of the fused attention and fused elementwise kernels.
#include "engines/opencl/generated_kernels.h"

#include <fmt/format.h>

namespace joulebench {

const char* AttentionKernelSource() {
  return R"CLC(
#define TILE 32
// Strides are (b, h, row, col) per operand; K is read as (b, h, key, d).
__kernel void attention_fused(__global const float* q, __global const float* k, __global const float* v,
                              __global float* o, int heads, int sq, int sk, float scale, long q0, long k0, long v0,
                              long qb, long qh, long qi, long qd, long kb, long kh, long kj, long kd,
                              long vb, long vh, long vj, long vd, long ob, long oh, long oi, long od) {
  const int i = get_global_id(0);
  const int bh = get_global_id(1);
  const int b = bh / heads, h = bh % heads;
  const int lid = get_local_id(0), lsize = get_local_size(0);
  __local float kt[TILE][HEAD_DIM];
  __local float vt[TILE][V_DIM];
  const bool active = i < sq;
  float qr[HEAD_DIM], acc[V_DIM], s[TILE];
  const long qbase = q0 + b * qb + h * qh + (long)(active ? i : 0) * qi;
  for (int d = 0; d < HEAD_DIM; ++d) qr[d] = active ? q[qbase + d * qd] * scale : 0.0f;
  for (int d = 0; d < V_DIM; ++d) acc[d] = 0.0f;
  float m = -INFINITY, l = 0.0f;
  const long kbase = k0 + b * kb + h * kh, vbase = v0 + b * vb + h * vh;
  for (int j0 = 0; j0 < sk; j0 += TILE) {
    const int nt = min(TILE, sk - j0);
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int e = lid; e < TILE * HEAD_DIM; e += lsize) {
      const int jj = e / HEAD_DIM, d = e % HEAD_DIM;
      kt[jj][d] = jj < nt ? k[kbase + (long)(j0 + jj) * kj + d * kd] : 0.0f;
    }
    for (int e = lid; e < TILE * V_DIM; e += lsize) {
      const int jj = e / V_DIM, d = e % V_DIM;
      vt[jj][d] = jj < nt ? v[vbase + (long)(j0 + jj) * vj + d * vd] : 0.0f;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    float tile_max = -INFINITY;
    for (int jj = 0; jj < TILE; ++jj) {
      float dot = 0.0f;
      for (int d = 0; d < HEAD_DIM; ++d) dot = fma(qr[d], kt[jj][d], dot);
      s[jj] = jj < nt ? dot : -INFINITY;
      tile_max = fmax(tile_max, s[jj]);
    }
    const float m_new = fmax(m, tile_max);
    const float correction = exp(m - m_new);  // 0 on the first tile (m = -inf)
    l *= correction;
    for (int d = 0; d < V_DIM; ++d) acc[d] *= correction;
    for (int jj = 0; jj < nt; ++jj) {
      const float p = exp(s[jj] - m_new);
      l += p;
      for (int d = 0; d < V_DIM; ++d) acc[d] = fma(p, vt[jj][d], acc[d]);
    }
    m = m_new;
  }
  if (!active) return;
  const long obase = b * ob + h * oh + (long)i * oi;
  const float inv = 1.0f / l;
  for (int d = 0; d < V_DIM; ++d) o[obase + d * od] = acc[d] * inv;
}
)CLC";
}

std::string ElementwiseKernelSource(const std::string& body, const std::string& result,
                                    const std::vector<bool>& same_shape) {
  std::string params, loads, offsets;
  bool any_broadcast = false;
  int broadcast_index = 0;
  for (std::size_t i = 0; i < same_shape.size(); ++i) {
    params += fmt::format("__global const float* x{}, ", i);
    if (same_shape[i]) {
      loads += fmt::format("  const float v{0} = x{0}[e];\n", i);
    } else {
      any_broadcast = true;
      offsets += fmt::format("    o{} += c * meta[1 + rank * {} + d];\n", i, 1 + broadcast_index++);
      loads += fmt::format("  const float v{0} = x{0}[o{0}];\n", i);
    }
  }
  std::string index;
  if (any_broadcast) {
    index = "  const int rank = (int)meta[0];\n";
    for (std::size_t i = 0; i < same_shape.size(); ++i) {
      if (!same_shape[i]) index += fmt::format("  long o{} = 0;\n", i);
    }
    index += "  long rem = e;\n  for (int d = rank - 1; d >= 0; --d) {\n    const long c = rem % meta[1 + d];\n"
             "    rem /= meta[1 + d];\n" + offsets + "  }\n";
  }
  return fmt::format(R"CLC(
__kernel void fused_elementwise({}__global float* y, __global const long* meta, long count) {{
  const long e = get_global_id(0);
  if (e >= count) return;
{}{}{}  y[e] = {};
}}
)CLC",
                     params, index, loads, body, result);
}

}  // namespace joulebench
