// Parameter kinds: the checks and the phrases used in validation messages.
#include "harness/common/param_spec.h"

namespace joulebench {

const char* ParamKindDescription(ParamSpec::Kind kind) {
  switch (kind) {
    case ParamSpec::Kind::kPositiveInt: return "a positive integer";
    case ParamSpec::Kind::kPositiveIntList: return "a non-empty list of positive integers";
    case ParamSpec::Kind::kInt: return "an integer";
    case ParamSpec::Kind::kPositiveNumber: return "a positive number";
    case ParamSpec::Kind::kNonNegativeNumber: return "a number >= 0";
    case ParamSpec::Kind::kString: return "a string";
    case ParamSpec::Kind::kBool: return "true or false";
  }
  return "?";
}

bool ParamMatches(ParamSpec::Kind kind, const nlohmann::json& v) {
  switch (kind) {
    case ParamSpec::Kind::kPositiveInt: return v.is_number_integer() && v.get<long long>() > 0;
    case ParamSpec::Kind::kInt: return v.is_number_integer();
    case ParamSpec::Kind::kPositiveNumber: return v.is_number() && v.get<double>() > 0;
    case ParamSpec::Kind::kNonNegativeNumber: return v.is_number() && v.get<double>() >= 0;
    case ParamSpec::Kind::kString: return v.is_string();
    case ParamSpec::Kind::kBool: return v.is_boolean();
    case ParamSpec::Kind::kPositiveIntList:
      if (!v.is_array() || v.empty()) return false;
      for (const auto& x : v) {
        if (!ParamMatches(ParamSpec::Kind::kPositiveInt, x)) return false;
      }
      return true;
  }
  return false;
}

}  // namespace joulebench
