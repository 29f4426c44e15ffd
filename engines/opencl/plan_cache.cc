// Plan and timing caches: JSON files, checksummed plans, atomic writes.
#include "engines/opencl/plan_cache.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "engines/opencl/cl_runtime.h"

namespace joulebench {
namespace fs = std::filesystem;
namespace {

constexpr const char* kFormat = "joulebench-plan-1";

fs::path PlansDir() { return fs::path(cl::CacheDir()) / "plans"; }

std::string Checksum(const nlohmann::json& key, const nlohmann::json& plan) { return cl::Fnv(key.dump() + plan.dump()); }

void WriteAtomically(const fs::path& path, const std::string& text) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
    if (!out) throw std::runtime_error(fmt::format("cannot write {} (set JOULEBENCH_CACHE_DIR to a writable folder)", tmp.string()));
  }
  fs::rename(tmp, path, ec);
  if (ec) throw std::runtime_error(fmt::format("cannot rename {}: {}", tmp.string(), ec.message()));
}

// Parses and verifies one plan file; "" when valid, else the problem.
std::string Verify(const fs::path& path, nlohmann::json& doc) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  doc = nlohmann::json::parse(ss.str(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return "not valid JSON (truncated or corrupt)";
  if (doc.value("format", "") != kFormat) return fmt::format("format is not {}", kFormat);
  if (!doc.contains("key") || !doc.contains("plan") || !doc["checksum"].is_string()) return "fields missing";
  if (doc["checksum"] != Checksum(doc["key"], doc["plan"])) return "checksum mismatch (corrupt)";
  return "";
}

}  // namespace

std::string PlanPath(const nlohmann::json& key) { return (PlansDir() / (cl::Fnv(key.dump()) + ".json")).string(); }

PlanLookup LoadPlan(const nlohmann::json& key) {
  PlanLookup r{"miss", PlanPath(key), "", nullptr};
  std::error_code ec;
  if (!fs::exists(r.path, ec)) return r;
  nlohmann::json doc;
  if (std::string problem = Verify(r.path, doc); !problem.empty()) {
    r.status = "corrupt";
    r.message = fmt::format("plan file {} is {}; rebuilt", r.path, problem);
    return r;
  }
  if (doc["key"] != key) {
    r.status = "stale";
    r.message = fmt::format("plan file {} was built for a different key; rebuilt", r.path);
    return r;
  }
  r.status = "hit";
  r.plan = doc["plan"];
  return r;
}

void SavePlan(const nlohmann::json& key, const nlohmann::json& plan) {
  const nlohmann::json doc = {{"format", kFormat}, {"key", key}, {"plan", plan}, {"checksum", Checksum(key, plan)}};
  WriteAtomically(PlanPath(key), doc.dump(1));
}

std::vector<PlanFileInfo> ListPlans() {
  std::vector<PlanFileInfo> out;
  std::error_code ec;
  if (!fs::is_directory(PlansDir(), ec)) return out;
  for (const auto& entry : fs::directory_iterator(PlansDir(), ec)) {
    if (entry.path().extension() != ".json") continue;
    PlanFileInfo info;
    info.path = entry.path().string();
    info.bytes = entry.file_size(ec);
    nlohmann::json doc;
    info.problem = Verify(entry.path(), doc);
    info.valid = info.problem.empty();
    if (info.valid) {
      info.key = doc["key"];
      info.build_s = doc["plan"].value("build_s", 0.0);
    }
    out.push_back(std::move(info));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return out;
}

int ClearPlans() {
  int removed = 0;
  std::error_code ec;
  if (!fs::is_directory(PlansDir(), ec)) return 0;
  for (const auto& entry : fs::directory_iterator(PlansDir(), ec)) {
    if (fs::remove(entry.path(), ec)) ++removed;
  }
  return removed;
}

TimingCache::TimingCache() {
  std::ifstream in(fs::path(cl::CacheDir()) / "timing.json");
  if (!in) return;
  std::stringstream ss;
  ss << in.rdbuf();
  auto doc = nlohmann::json::parse(ss.str(), nullptr, false);
  if (!doc.is_discarded() && doc.is_object() && doc.contains("entries") && doc["entries"].is_object()) {
    entries_ = doc["entries"];
  }
}

std::optional<double> TimingCache::Find(const std::string& key) const {
  auto it = entries_.find(key);
  if (it == entries_.end() || !it->is_number()) return std::nullopt;
  ++hits_;
  return it->get<double>();
}

nlohmann::json TimingCache::FindValue(const std::string& key) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  ++hits_;
  return *it;
}

void TimingCache::Put(const std::string& key, double seconds) { entries_[key] = seconds; }

void TimingCache::Save() const {
  WriteAtomically(fs::path(cl::CacheDir()) / "timing.json", nlohmann::json{{"entries", entries_}}.dump(1));
}

}  // namespace joulebench
