// Parallel branches (TensorRT's auxiliary streams, on OpenCL): a fused layer whose only consumer comes several
// layers later (ResNet's downsample convolution, consumed as the residual of the block's last convolution) can run
// on a second in-order queue while the main queue runs the layers in between. At batch 1 each of those layers fills
// a fraction of the GPU, so the two overlap. This file finds such branches and moves each to the earliest place its
// inputs allow; the engine enqueues it on the second queue between a fork and a join (optimized_engine.cc).
#pragma once

#include <string>
#include <vector>

#include "engines/graph.h"

namespace joulebench {

struct ParallelBranch {
  std::string node;  // runs on the auxiliary queue, from its (new) place in the graph
  std::string join;  // its only consumer: the main queue waits for the branch before this node's launches
  int overlapped = 0;  // device layers between the two that the branch can overlap
};

// Moves eligible branch nodes of `g` to just after the producers of their inputs, keeping the order topological,
// and returns the branches in graph order. Eligible: a FusedConv or FusedMatMul with one output, not a graph output,
// read only by one fused layer (the join) with at least one fused layer between the node's earliest place and the
// join. Of the nodes that share a join, the one that overlaps the most layers; windows (from a branch node to its
// join) never overlap, so at most one branch is in flight at a time.
std::vector<ParallelBranch> ScheduleParallelBranches(Graph& g);

}  // namespace joulebench
