// Statistics used for every reported figure: nearest-rank percentiles, and mean / sample standard deviation /
// 95% confidence half-width (Student's t) over repetitions.
#pragma once

#include <vector>

namespace joulebench {

// Nearest-rank percentile of `values` (need not be sorted), q in [0, 1]: the smallest value with at least
// q*n values at or below it. 0 for an empty input.
double Percentile(std::vector<double> values, double q);

struct Summary {
  int n = 0;
  double mean = 0;
  double stdev = 0;  // sample standard deviation (n-1); 0 when n < 2
  double ci95 = 0;   // half-width of the 95% confidence interval of the mean; 0 when n < 2
};

Summary Summarize(const std::vector<double>& values);
// Two-sided 95% Student t quantile for `dof` degrees of freedom.
double StudentT95(int dof);

}  // namespace joulebench
