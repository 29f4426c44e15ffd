// Resolving a MODEL argument of the CLI: an ONNX file path, or a zoo model name with optional KEY=VALUE params.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engines/graph.h"

namespace joulebench {

// Throws InputError when `arg` is neither an existing file nor a zoo model; params are JSON values ("64",
// "[256,256]") validated against the model's declared parameters.
Graph ResolveModelArg(const std::string& arg, const std::vector<std::string>& params);

// KEY=VALUE assignments (VALUE parsed as JSON, else taken as a string) into an object; `flag` names the option in
// the error for a malformed item.
nlohmann::json ParseAssignments(const std::vector<std::string>& items, const std::string& flag);

}  // namespace joulebench
