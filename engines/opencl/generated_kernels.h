// OpenCL C generated per fused node: the attention kernel (head dimensions as compile-time constants) and one
// elementwise kernel per distinct FusedElementwise body (engines/passes/graph_passes.h).
#pragma once

#include <string>
#include <vector>

namespace joulebench {

// softmax(scale · Q·Kᵀ) · V with an online (streaming) softmax over key tiles kept in local memory. A work-group
// takes `rows` query rows of one (batch, head) with `split` work-items per row, each streaming its share of the
// keys; the shares are merged through local memory. Compile with -DHEAD_DIM=D -DV_DIM=Dv plus Defines().
struct AttentionCandidate {
  int rows, split;
  std::string Name() const;     // attention_r32_s1
  std::string Defines() const;  // -DROWS=32 -DSPLIT=1
  int Threads() const { return rows * split; }
};
const std::vector<AttentionCandidate>& AttentionCandidates();  // the first: one work-item per row
const AttentionCandidate* FindAttentionCandidate(const std::string& name);  // nullptr when not one
const char* AttentionKernelSource();

// A kernel "fused_elementwise" reading inputs x0..xN (input i contiguous with the output when same_shape[i], else
// through broadcast strides in the meta buffer), running `body` and writing `result`.
std::string ElementwiseKernelSource(const std::string& body, const std::string& result,
                                    const std::vector<bool>& same_shape);

}  // namespace joulebench
