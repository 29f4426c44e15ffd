// Parameters declared as data (name, kind, default, unit, description) by built-in models and meters,
// so scenario validation can check them and documentation can list them without extra code.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace joulebench {

struct ParamSpec {
  enum class Kind { kPositiveInt, kPositiveIntList, kInt, kPositiveNumber, kNonNegativeNumber, kString, kBool };
  std::string name;
  Kind kind;
  nlohmann::json default_value;
  std::string unit;  // "" when dimensionless
  std::string description;
};

// "a positive integer", "a list of positive integers", ... for messages and docs.
const char* ParamKindDescription(ParamSpec::Kind kind);
// True when `value` is of `kind`.
bool ParamMatches(ParamSpec::Kind kind, const nlohmann::json& value);

}  // namespace joulebench
