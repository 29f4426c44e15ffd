// Model loading: built-in generators now; ONNX files once the importer lands (issue 3).
#include "engines/model_source.h"

#include <fmt/format.h>

#include "engines/builtin_models.h"
#include "harness/common/errors.h"

namespace joulebench {

Graph LoadModel(const std::string& builtin, const nlohmann::json& params, const std::string& file) {
  if (!builtin.empty()) return MakeBuiltinModel(builtin, params);
  throw InputError(fmt::format(
      "{}: this build cannot read ONNX files yet (the importer is tracked in issue 3); use a built-in model, "
      "e.g. \"model\": {{\"builtin\": \"mlp\"}}",
      file));
}

}  // namespace joulebench
