// Where a scenario's model comes from: a built-in generator or an ONNX file. Returns the graph IR.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "engines/graph.h"

namespace joulebench {

// Throws InputError naming the model when it cannot be loaded.
Graph LoadModel(const std::string& builtin, const nlohmann::json& params, const std::string& file);

}  // namespace joulebench
