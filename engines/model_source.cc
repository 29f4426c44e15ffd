// Model loading: built-in generators and ONNX files, both into the checked, shape-inferred graph IR.
#include "engines/model_source.h"

#include <fmt/format.h>

#include "engines/builtin_models.h"
#include "engines/onnx/onnx_model.h"
#include "harness/common/errors.h"

namespace joulebench {

Graph LoadModel(const std::string& builtin, const nlohmann::json& params, const std::string& file) {
  // Built-in models go through ONNX too, so every model is checked and shape-inferred the same way.
  if (!builtin.empty()) return WithInferredShapes(MakeBuiltinModel(builtin, params));
  return LoadOnnx(file);
}

}  // namespace joulebench
