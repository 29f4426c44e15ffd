// OpenCL C generated per fused node: the attention kernel (head dimensions as compile-time constants) and one
// elementwise kernel per distinct FusedElementwise body (engines/passes/graph_passes.h).
#pragma once

#include <string>
#include <vector>

namespace joulebench {

// softmax(scale · Q·Kᵀ) · V with an online (streaming) softmax over key tiles kept in local memory; one work-item per
// query row, work-groups of kAttentionRows rows of one (batch, head). Compile with -DHEAD_DIM=D -DV_DIM=Dv.
inline constexpr int kAttentionRows = 32;
const char* AttentionKernelSource();

// A kernel "fused_elementwise" reading inputs x0..xN (input i contiguous with the output when same_shape[i], else
// through broadcast strides in the meta buffer), running `body` and writing `result`.
std::string ElementwiseKernelSource(const std::string& body, const std::string& result,
                                    const std::vector<bool>& same_shape);

}  // namespace joulebench
