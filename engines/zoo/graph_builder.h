// A small builder for generated models: named nodes, seeded random weights, and the layer helpers the zoo
// architectures need (Conv+BatchNorm, Gemm/MatMul, LayerNorm, activations).
#pragma once

#include <random>
#include <string>
#include <vector>

#include "engines/graph.h"

namespace joulebench::zoo {

class GraphBuilder {
 public:
  GraphBuilder(std::string name, std::uint64_t seed);

  std::string Input(const std::string& name, DataType type, Shape shape);
  void Output(const std::string& tensor, DataType type, Shape shape);
  // A random initializer ~ U(lo, hi).
  std::string Weight(const std::string& name, Shape shape, float lo, float hi);
  std::string Constant(const std::string& name, Tensor value);
  std::string Ints(const std::string& name, const std::vector<std::int64_t>& values);
  std::string Scalar(const std::string& name, float value);
  // One node; returns its first output, named `name` (outputs `name`, `name:1`, ... when n_outputs > 1).
  std::string Op(const std::string& op, const std::string& name, std::vector<std::string> inputs,
                 std::map<std::string, Attribute> attrs = {}, int n_outputs = 1);

  // Conv without bias (+ BatchNorm when `bn`), weights ~ U(+-sqrt(3/fan_in)) so activations keep their scale.
  std::string ConvBn(const std::string& name, const std::string& x, std::int64_t cin, std::int64_t cout,
                     std::int64_t k, std::int64_t stride, std::int64_t groups, bool bn = true);
  std::string BatchNorm(const std::string& name, const std::string& x, std::int64_t c);
  std::string Linear(const std::string& name, const std::string& x, std::int64_t in, std::int64_t out);  // MatMul+Add
  std::string LayerNorm(const std::string& name, const std::string& x, std::int64_t c);

  Graph Finish();

 private:
  Graph g_;
  std::mt19937_64 rng_;
};

}  // namespace joulebench::zoo
