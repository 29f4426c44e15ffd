// Output comparison metrics, accumulated in double.
#include "engines/compare.h"

#include <cmath>

#include <fmt/format.h>

namespace joulebench {

TensorDiff CompareTensors(const Tensor& got, const Tensor& ref) {
  TensorDiff d;
  if (got.shape() != ref.shape() || got.type() != ref.type()) {
    d.shape_error = fmt::format("got {} {}, expected {} {}", DataTypeName(got.type()), ShapeToString(got.shape()),
                                DataTypeName(ref.type()), ShapeToString(ref.shape()));
    return d;
  }
  double err = 0, norm = 0, dot = 0, ng = 0;
  for (std::int64_t i = 0; i < ref.size(); ++i) {
    const double a = got.AsDouble(i), b = ref.AsDouble(i);
    if (std::isnan(a) || std::isinf(a)) d.has_nan = true;
    err += (a - b) * (a - b);
    norm += b * b;
    dot += a * b;
    ng += a * a;
    d.max_abs = std::max(d.max_abs, std::fabs(a - b));
  }
  d.nmse = norm > 0 ? err / norm : err;
  d.cosine = (ng > 0 && norm > 0) ? dot / std::sqrt(ng * norm) : (ng == norm ? 1.0 : 0.0);
  return d;
}

}  // namespace joulebench
