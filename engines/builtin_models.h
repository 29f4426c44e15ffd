// Built-in model generators: deterministic graphs with seeded random weights, named in scenarios as
// {"builtin": NAME, "params": {...}}. Each declares its parameters as data so scenarios can be validated.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engines/graph.h"
#include "harness/common/param_spec.h"

namespace joulebench {

struct BuiltinModel {
  std::string name;
  std::string description;
  std::vector<ParamSpec> params;
  Graph (*make)(const nlohmann::json& resolved_params);
};

const std::vector<BuiltinModel>& BuiltinModels();
const BuiltinModel* FindBuiltinModel(const std::string& name);

// Builds a graph from fully resolved parameters (every default filled in; see scenario resolution).
Graph MakeBuiltinModel(const std::string& name, const nlohmann::json& resolved_params);

}  // namespace joulebench
