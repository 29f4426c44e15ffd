// The reference op table, assembled from the per-family files.
#include "engines/reference/reference_ops.h"

namespace joulebench {

const ReferenceOpTable& ReferenceOps() {
  static const ReferenceOpTable table = [] {
    ReferenceOpTable t;
    RegisterElementwiseOps(t);
    RegisterNnOps(t);
    RegisterShapeOps(t);
    return t;
  }();
  return table;
}

ReferenceOp FindReferenceOp(const std::string& op_type) {
  auto it = ReferenceOps().find(op_type);
  return it == ReferenceOps().end() ? nullptr : it->second;
}

}  // namespace joulebench
