// The small graph IR every engine consumes: typed inputs/outputs, initializers and nodes named as in ONNX.
// Built-in generators write it directly; ONNX import (issue 3) will produce the same structure.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "engines/tensor.h"

namespace joulebench {

struct TensorInfo {
  std::string name;
  DataType type = DataType::kFloat32;
  Shape shape;  // -1 for a dynamic (batch) dimension
};

using Attribute =
    std::variant<std::int64_t, float, std::string, std::vector<std::int64_t>, std::vector<float>, Tensor>;

struct Node {
  std::string op_type;  // ONNX operator name, e.g. "Gemm"
  std::string name;     // node name, for error messages and fusion reports
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  std::map<std::string, Attribute> attributes;

  bool Has(const std::string& key) const { return attributes.count(key) != 0; }
  std::int64_t IntAttr(const std::string& key, std::int64_t fallback) const;
  float FloatAttr(const std::string& key, float fallback) const;
  std::string StringAttr(const std::string& key, const std::string& fallback) const;
  std::vector<std::int64_t> IntsAttr(const std::string& key, std::vector<std::int64_t> fallback = {}) const;
  const Tensor* TensorAttr(const std::string& key) const;
};

struct Graph {
  std::string name;
  std::string source;  // file path or generator description, for messages
  int opset = 17;
  std::vector<TensorInfo> inputs;
  std::vector<TensorInfo> outputs;
  TensorMap initializers;
  std::vector<Node> nodes;  // topologically ordered
  std::map<std::string, Shape> value_shapes;  // from ONNX shape inference (-1 = batch); may be incomplete

  std::int64_t ParameterCount() const;
  // FLOPs of one inference (multiply-add = 2 FLOPs) of Conv, Gemm and MatMul, from the inferred shapes.
  double FlopsPerInference() const;
  // Stable content hash (hex) of structure and weights, stored with runs and used for plan caches.
  // With `weights` false only initializer names and shapes count (a structure hash; 100x faster on large models).
  std::string Hash(bool weights = true) const;
  // Fast digest of every initializer's name, shape and bytes (plan-cache keys; Hash() stays the stored model hash).
  std::string WeightsDigest() const;
};

// Concrete input shape for a batch size: dynamic dimensions (-1) in position 0 become `batch`.
Shape ResolveBatch(const Shape& shape, std::int64_t batch);

}  // namespace joulebench
