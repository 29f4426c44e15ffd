// Geometry of 2-D window ops (Conv, MaxPool, AveragePool) from ONNX attributes: pads resolved from auto_pad,
// output size with floor or ceil mode. Shared by every engine so they agree on shapes.
#pragma once

#include <string>

#include "engines/graph.h"

namespace joulebench {

struct Window2d {
  std::int64_t kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, oh, ow;
};

// Throws InputError naming the node for unsupported attributes (non-2-D, unknown auto_pad, empty output).
Window2d ComputeWindow2d(const Node& node, std::int64_t h, std::int64_t w, std::int64_t kh, std::int64_t kw,
                         bool ceil_mode);

}  // namespace joulebench
