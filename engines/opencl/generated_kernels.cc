// Generated OpenCL C of the fused attention and fused elementwise kernels.
#include "engines/opencl/generated_kernels.h"

#include <fmt/format.h>

namespace joulebench {

const char* AttentionKernelSource() {
  return R"CLC(
#define TILE 32
#define KPAD (HEAD_DIM + 1)  // padded rows: the SPLIT work-items of a row read different keys in different banks
#define VPAD (V_DIM + 1)
#define KV_FLOATS (TILE * KPAD + TILE * VPAD)
#define PART (V_DIM + 2)  // a work-item's partial result: running max, sum, V_DIM accumulators
#define PART_FLOATS (ROWS * SPLIT * PART)
#define SMEM (KV_FLOATS > PART_FLOATS ? KV_FLOATS : PART_FLOATS)
// Strides are (b, h, row, col) per operand; K is read as (b, h, key, d). Work-item t of a row streams keys
// t, t + SPLIT, ... of each tile of TILE keys; then the row's SPLIT partial softmaxes are merged, each work-item
// writing V_DIM / SPLIT of the row's outputs.
__kernel __attribute__((reqd_work_group_size(ROWS * SPLIT, 1, 1)))
void attention_fused(__global const float* q, __global const float* k, __global const float* v,
                     __global float* o, int heads, int sq, int sk, float scale, long q0, long k0, long v0,
                     long qb, long qh, long qi, long qd, long kb, long kh, long kj, long kd,
                     long vb, long vh, long vj, long vd, long ob, long oh, long oi, long od) {
  const int lid = get_local_id(0), r = lid / SPLIT, t = lid % SPLIT;
  const int i = get_group_id(0) * ROWS + r;
  const int bh = get_global_id(1);
  const int b = bh / heads, h = bh % heads;
  __local float smem[SMEM];  // key and value tiles while streaming, then the partial results
  __local float* kt = smem;
  __local float* vt = smem + TILE * KPAD;
  const bool active = i < sq;
  float qr[HEAD_DIM], acc[V_DIM], s[TILE / SPLIT];
  const long qbase = q0 + b * qb + h * qh + (long)(active ? i : 0) * qi;
  for (int d = 0; d < HEAD_DIM; ++d) qr[d] = active ? q[qbase + d * qd] * scale : 0.0f;
  for (int d = 0; d < V_DIM; ++d) acc[d] = 0.0f;
  float m = -INFINITY, l = 0.0f;
  const long kbase = k0 + b * kb + h * kh, vbase = v0 + b * vb + h * vh;
  for (int j0 = 0; j0 < sk; j0 += TILE) {
    const int nt = min(TILE, sk - j0);
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int e = lid; e < TILE * HEAD_DIM; e += ROWS * SPLIT) {
      const int jj = e / HEAD_DIM, d = e % HEAD_DIM;
      kt[jj * KPAD + d] = jj < nt ? k[kbase + (long)(j0 + jj) * kj + d * kd] : 0.0f;
    }
    for (int e = lid; e < TILE * V_DIM; e += ROWS * SPLIT) {
      const int jj = e / V_DIM, d = e % V_DIM;
      vt[jj * VPAD + d] = jj < nt ? v[vbase + (long)(j0 + jj) * vj + d * vd] : 0.0f;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    float tile_max = -INFINITY;
    for (int u = 0; u < TILE / SPLIT; ++u) {
      const int jj = t + u * SPLIT;
      float dot[4] = {0.0f, 0.0f, 0.0f, 0.0f};  // four chains: the FMAs of one dot product overlap
      for (int d = 0; d < HEAD_DIM; ++d) dot[d % 4] = fma(qr[d], kt[jj * KPAD + d], dot[d % 4]);
      s[u] = jj < nt ? (dot[0] + dot[1]) + (dot[2] + dot[3]) : -INFINITY;
      tile_max = fmax(tile_max, s[u]);
    }
    const float m_new = fmax(m, tile_max);
    if (m_new == -INFINITY) continue;  // none of this work-item's keys yet (short last tile)
    const float correction = exp(m - m_new);  // 0 on its first keys (m = -inf)
    l *= correction;
    for (int d = 0; d < V_DIM; ++d) acc[d] *= correction;
    for (int u = 0; u < TILE / SPLIT; ++u) {
      const int jj = t + u * SPLIT;
      if (jj >= nt) break;
      const float p = exp(s[u] - m_new);
      l += p;
      for (int d = 0; d < V_DIM; ++d) acc[d] = fma(p, vt[jj * VPAD + d], acc[d]);
    }
    m = m_new;
  }
#if SPLIT == 1
  if (!active) return;
  const long obase = b * ob + h * oh + (long)i * oi;
  const float inv = 1.0f / l;
  for (int d = 0; d < V_DIM; ++d) o[obase + d * od] = acc[d] * inv;
#else
  barrier(CLK_LOCAL_MEM_FENCE);  // the tiles are no longer read: their space takes the partial results
  __local float* mine = smem + lid * PART;
  mine[0] = m;
  mine[1] = l;
  for (int d = 0; d < V_DIM; ++d) mine[2 + d] = acc[d];
  barrier(CLK_LOCAL_MEM_FENCE);
  if (!active) return;
  __local const float* row = smem + r * SPLIT * PART;
  float mx = -INFINITY;
  for (int u = 0; u < SPLIT; ++u) mx = fmax(mx, row[u * PART]);
  float w[SPLIT], total = 0.0f;
  for (int u = 0; u < SPLIT; ++u) {
    w[u] = row[u * PART] == -INFINITY ? 0.0f : exp(row[u * PART] - mx);
    total += w[u] * row[u * PART + 1];
  }
  const float inv = 1.0f / total;
  const long obase = b * ob + h * oh + (long)i * oi;
  for (int d = t; d < V_DIM; d += SPLIT) {
    float sum = 0.0f;
    for (int u = 0; u < SPLIT; ++u) sum = fma(w[u], row[u * PART + 2 + d], sum);
    o[obase + d * od] = sum * inv;
  }
#endif
}
)CLC";
}

std::string AttentionCandidate::Name() const { return fmt::format("attention_r{}_s{}", rows, split); }

std::string AttentionCandidate::Defines() const { return fmt::format("-DROWS={} -DSPLIT={}", rows, split); }

const std::vector<AttentionCandidate>& AttentionCandidates() {
  // One work-item per row (the fewest partial results), then more work-items per row for few heads (batch 1).
  static const std::vector<AttentionCandidate> c = {{32, 1}, {32, 4}, {16, 8}, {8, 16}};
  return c;
}

const AttentionCandidate* FindAttentionCandidate(const std::string& name) {
  for (const auto& c : AttentionCandidates()) {
    if (c.Name() == name) return &c;
  }
  return nullptr;
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
