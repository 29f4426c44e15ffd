// Output comparison between an engine and the reference: normalised mean squared error, max absolute error,
// cosine similarity, NaN detection. Used by `joulebench check` and the cross-engine tests.
#pragma once

#include <string>

#include "engines/tensor.h"

namespace joulebench {

struct TensorDiff {
  double nmse = 0;      // sum (a-b)^2 / sum b^2 (b = reference); 0 when both are zero
  double max_abs = 0;
  double cosine = 1;
  bool has_nan = false;
  std::string shape_error;  // non-empty when shapes or types differ
  bool Within(double nmse_tolerance) const { return shape_error.empty() && !has_nan && nmse <= nmse_tolerance; }
};

TensorDiff CompareTensors(const Tensor& got, const Tensor& reference);

}  // namespace joulebench
