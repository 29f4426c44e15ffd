// Reference implementations of ONNX operators (opsets 11..17), one function per op, looked up by op_type.
// Written literally from the operator specifications: the numerical oracle every other engine is checked against.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engines/graph.h"

namespace joulebench {

// Computes `node` from its inputs (nullptr for an omitted optional input) at `opset`; returns its outputs.
using ReferenceOp = std::vector<Tensor> (*)(const Node& node, const std::vector<const Tensor*>& inputs, int opset);
using ReferenceOpTable = std::map<std::string, ReferenceOp>;

// nullptr when the op is not implemented.
ReferenceOp FindReferenceOp(const std::string& op_type);
const ReferenceOpTable& ReferenceOps();

void RegisterElementwiseOps(ReferenceOpTable& table);
void RegisterNnOps(ReferenceOpTable& table);
void RegisterShapeOps(ReferenceOpTable& table);

}  // namespace joulebench
