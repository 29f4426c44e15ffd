// ONNX files <-> the graph IR, through the onnx library: loading (external data included), the ONNX checker,
// shape inference, a dynamic batch dimension; writing (for the model zoo); TensorProto files for `infer`.
#pragma once

#include <string>

#include "engines/graph.h"

namespace joulebench {

constexpr int kMinOpset = 11;
constexpr int kMaxOpset = 17;  // the newest opset libonnx 1.12 knows

// Loads, checks and shape-infers `path`. Throws InputError naming the file and the problem (malformed or
// truncated protobuf, checker failure, opset out of range, unsupported input types, missing external data).
Graph LoadOnnx(const std::string& path);

// The same graph after a trip through ONNX: checked, with shapes inferred (value_shapes filled). With `batch` > 0,
// dynamic batch dimensions become `batch` first, so every inferred shape is concrete.
Graph WithInferredShapes(const Graph& graph, std::int64_t batch = 0);

// Writes `graph` as an ONNX model (opset 17). With `dynamic_batch`, dimension 0 of every input and output is the
// symbolic "batch"; else `batch`. The written model passes the ONNX checker (verified before returning).
void SaveOnnx(const Graph& graph, const std::string& path, bool dynamic_batch, std::int64_t batch);

// ONNX TensorProto files (backend-test layout input_0.pb, output_0.pb).
Tensor LoadTensorProto(const std::string& path, std::string* name = nullptr);
void SaveTensorProto(const Tensor& tensor, const std::string& name, const std::string& path);

}  // namespace joulebench
