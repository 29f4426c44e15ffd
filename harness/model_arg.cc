// MODEL argument resolution for `models make`, `infer` and `check`.
#include "harness/model_arg.h"

#include <filesystem>

#include <fmt/format.h>

#include "engines/builtin_models.h"
#include "engines/model_source.h"
#include "engines/onnx/onnx_model.h"
#include "harness/common/errors.h"
#include "harness/scenario.h"

namespace joulebench {

Graph ResolveModelArg(const std::string& arg, const std::vector<std::string>& params) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(arg, ec)) {
    if (!params.empty()) throw InputError("--param applies to zoo models, not to ONNX files");
    return LoadOnnx(arg);
  }
  if (!FindBuiltinModel(arg)) {
    std::string names;
    for (const auto& m : BuiltinModels()) names += (names.empty() ? "" : ", ") + m.name;
    throw InputError(fmt::format("'{}' is neither a file nor a zoo model ({}); `joulebench models list` shows the "
                                 "zoo",
                                 arg, names));
  }
  return LoadModel(arg, ResolveModelParams(arg, ParseAssignments(params, "--param"), "--param"), "");
}

nlohmann::json ParseAssignments(const std::vector<std::string>& items, const std::string& flag) {
  nlohmann::json given = nlohmann::json::object();
  for (const auto& p : items) {
    const auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw InputError(fmt::format("{} '{}': expected KEY=VALUE, e.g. {}", flag, p,
                                   flag == "--param" ? "sequence=64" : "conv_kernel=igemm"));
    }
    const std::string key = p.substr(0, eq), value = p.substr(eq + 1);
    given[key] = nlohmann::json::parse(value, nullptr, false);
    if (given[key].is_discarded()) given[key] = value;
  }
  return given;
}

}  // namespace joulebench
