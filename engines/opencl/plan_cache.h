// Plan cache and timing cache of the optimized engine, under the cache directory (cl::CacheDir()).
//   plans/<id>.json  {"format": "joulebench-plan-1", "key": {...}, "plan": {...}, "checksum": FNV(key + plan)}
//     id = FNV of the key (model hash, device, driver, precision, batch, joulebench version, engine options).
//     A file whose checksum does not match is corrupt, one whose stored key differs is stale: both are rebuilt.
//   timing.json  {"entries": {"<device>|<driver>|<layer signature>|<candidate>": seconds,
//                              "clblast-xgemm|<device>|<driver>": {tuned parameters}}}
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace joulebench {

struct PlanLookup {
  std::string status;  // hit | miss | corrupt | stale
  std::string path;
  std::string message;  // why a file was not used (corrupt, stale)
  nlohmann::json plan;  // the stored plan on a hit
};

std::string PlanPath(const nlohmann::json& key);
PlanLookup LoadPlan(const nlohmann::json& key);
// Writes atomically (temporary file + rename). Throws std::runtime_error when the folder is not writable.
void SavePlan(const nlohmann::json& key, const nlohmann::json& plan);

struct PlanFileInfo {
  std::string path;
  std::uintmax_t bytes = 0;
  bool valid = false;
  std::string problem;   // for invalid files
  nlohmann::json key;    // for valid files
  double build_s = 0;
};
std::vector<PlanFileInfo> ListPlans();
int ClearPlans();  // files removed

class TimingCache {
 public:
  TimingCache();  // loads timing.json (an unreadable file is ignored and rewritten)
  std::optional<double> Find(const std::string& key) const;
  void Put(const std::string& key, double seconds);
  // Any JSON value (tuned library parameters per device and driver); null when absent.
  nlohmann::json FindValue(const std::string& key) const;
  void PutValue(const std::string& key, nlohmann::json value) { entries_[key] = std::move(value); }
  void Save() const;
  std::size_t hits() const { return hits_; }

 private:
  nlohmann::json entries_ = nlohmann::json::object();
  mutable std::size_t hits_ = 0;
};

}  // namespace joulebench
