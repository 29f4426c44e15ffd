// The results schema as a list of forward migrations: migration i takes user_version i-1 to i.
// Never edit a released migration; append a new one (docs/results-schema.md documents the result).
#pragma once

#include <vector>

namespace joulebench {

const std::vector<const char*>& SchemaMigrations();
inline int CurrentSchemaVersion() { return static_cast<int>(SchemaMigrations().size()); }

}  // namespace joulebench
