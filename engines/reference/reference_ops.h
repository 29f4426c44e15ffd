// Reference implementations of ONNX operators, one function per op, looked up by op_type.
#pragma once

#include <string>
#include <vector>

#include "engines/graph.h"

namespace joulebench {

// Computes `node` from its input tensors (nullptr for an omitted optional input); returns its outputs.
using ReferenceOp = std::vector<Tensor> (*)(const Node& node, const std::vector<const Tensor*>& inputs);

// nullptr when the op is not implemented.
ReferenceOp FindReferenceOp(const std::string& op_type);

}  // namespace joulebench
