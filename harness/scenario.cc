// Scenario parsing and validation: walks the JSON once, records every problem with its path, fills defaults,
// then expands engines x precisions x batch sizes into cells.
#include "harness/scenario.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "engines/builtin_models.h"
#include "engines/engine.h"
#include "harness/common/errors.h"
#include "harness/embedded_scenarios.h"
#include "meters/meter.h"

namespace joulebench {
namespace {

using nlohmann::json;

std::string Got(const json& v) {
  if (v.is_string()) return json(v).dump();
  if (v.is_object()) return "an object";
  if (v.is_array()) return v.empty() ? "an empty list" : "a list";
  return v.dump();
}

std::string Quoted(const std::vector<std::string>& words) {
  std::vector<std::string> q;
  for (const auto& w : words) q.push_back("\"" + w + "\"");
  return fmt::format("{}", fmt::join(q, ", "));
}

class Validator {
 public:
  explicit Validator(std::string origin) : origin_(std::move(origin)) {}

  void Problem(const std::string& path, const std::string& message) {
    problems_.push_back(fmt::format("{}: {}: {}", origin_, path, message));
  }
  void Expected(const std::string& path, const std::string& what, const json& got) {
    Problem(path, fmt::format("expected {}, got {}", what, Got(got)));
  }
  const std::vector<std::string>& problems() const { return problems_; }

  // Reports unknown keys (with a did-you-mean) and returns false when `obj` is not an object.
  bool Keys(const json& obj, const std::string& path, const std::vector<std::string>& allowed) {
    if (!obj.is_object()) {
      Expected(path, "an object", obj);
      return false;
    }
    for (const auto& [key, value] : obj.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      const std::string near = ClosestMatch(key, allowed);
      Problem(path + "." + key,
              near.empty() ? fmt::format("unknown key (known keys: {})", Quoted(allowed))
                           : fmt::format("unknown key; did you mean \"{}\"?", near));
    }
    return true;
  }

  template <typename T, typename Check>
  T Field(const json& obj, const std::string& key, const std::string& path, T fallback, const char* what,
          Check check) {
    auto it = obj.find(key);
    if (it == obj.end()) return fallback;
    if (!check(*it)) {
      Expected(path + "." + key, what, *it);
      return fallback;
    }
    return it->template get<T>();
  }

  double NonNegative(const json& obj, const std::string& key, const std::string& path, double fallback) {
    return Field<double>(obj, key, path, fallback, "a number >= 0",
                         [](const json& v) { return v.is_number() && v.get<double>() >= 0; });
  }
  double Positive(const json& obj, const std::string& key, const std::string& path, double fallback) {
    return Field<double>(obj, key, path, fallback, "a positive number",
                         [](const json& v) { return v.is_number() && v.get<double>() > 0; });
  }
  std::int64_t Count(const json& obj, const std::string& key, const std::string& path, std::int64_t fallback,
                     bool allow_zero) {
    return Field<std::int64_t>(obj, key, path, fallback, allow_zero ? "an integer >= 0" : "a positive integer",
                               [&](const json& v) {
                                 return v.is_number_integer() && v.get<std::int64_t>() >= (allow_zero ? 0 : 1);
                               });
  }
  std::string String(const json& obj, const std::string& key, const std::string& path, std::string fallback) {
    return Field<std::string>(obj, key, path, fallback, "a string", [](const json& v) { return v.is_string(); });
  }
  std::string OneOf(const json& obj, const std::string& key, const std::string& path, std::string fallback,
                    const std::vector<std::string>& choices) {
    auto it = obj.find(key);
    if (it == obj.end()) return fallback;
    if (!it->is_string() || std::find(choices.begin(), choices.end(), it->get<std::string>()) == choices.end()) {
      std::string hint;
      if (it->is_string()) {
        const std::string near = ClosestMatch(it->get<std::string>(), choices);
        if (!near.empty()) hint = fmt::format("; did you mean \"{}\"?", near);
      }
      Problem(path + "." + key, fmt::format("expected one of {}, got {}{}", Quoted(choices), Got(*it), hint));
      return fallback;
    }
    return it->get<std::string>();
  }

  // Parameters declared as ParamSpec data: unknown keys, kinds, defaults.
  json Params(const json& given, const std::string& path, const std::vector<ParamSpec>& specs) {
    std::vector<std::string> names;
    for (const auto& s : specs) names.push_back(s.name);
    json resolved = json::object();
    for (const auto& s : specs) resolved[s.name] = s.default_value;
    if (given.is_null()) return resolved;
    if (!Keys(given, path, names)) return resolved;
    for (const auto& s : specs) {
      auto it = given.find(s.name);
      if (it == given.end()) continue;
      if (!ParamMatches(s.kind, *it)) {
        if (it->is_array() && s.kind == ParamSpec::Kind::kPositiveIntList) {
          for (std::size_t i = 0; i < it->size(); ++i) {
            if (!ParamMatches(ParamSpec::Kind::kPositiveInt, (*it)[i])) {
              Expected(fmt::format("{}.{}[{}]", path, s.name, i), "a positive integer", (*it)[i]);
            }
          }
          if (it->empty()) Expected(path + "." + s.name, ParamKindDescription(s.kind), *it);
        } else {
          Expected(path + "." + s.name, ParamKindDescription(s.kind), *it);
        }
        continue;
      }
      resolved[s.name] = *it;
    }
    return resolved;
  }

 private:
  std::string origin_;
  std::vector<std::string> problems_;
};

template <typename Range, typename F>
std::vector<std::string> Names(const Range& range, F name) {
  std::vector<std::string> out;
  for (const auto& x : range) out.push_back(name(x));
  return out;
}

void ParseModel(Validator& v, const json& root, const std::string& base_dir, Scenario& s) {
  auto it = root.find("model");
  if (it == root.end()) {
    v.Problem("$.model", "required key is missing (expected {\"builtin\": \"mlp\"} or {\"file\": \"model.onnx\"})");
    return;
  }
  const json& m = *it;
  if (!v.Keys(m, "$.model", {"builtin", "params", "file"})) return;
  const bool has_builtin = m.contains("builtin"), has_file = m.contains("file");
  if (has_builtin == has_file) {
    v.Problem("$.model", "expected exactly one of \"builtin\" or \"file\"");
    return;
  }
  if (has_file) {
    if (m.contains("params")) v.Problem("$.model.params", "only a built-in model takes params");
    if (!m["file"].is_string() || m["file"].get<std::string>().empty()) {
      v.Expected("$.model.file", "a path to an ONNX file", m["file"]);
      return;
    }
    std::filesystem::path p = m["file"].get<std::string>();
    if (p.is_relative()) p = std::filesystem::path(base_dir) / p;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(p, ec)) {
      v.Problem("$.model.file", fmt::format("model file \"{}\" does not exist (looked for {}; relative paths start "
                                            "at the scenario file's folder)",
                                            m["file"].get<std::string>(), p.lexically_normal().string()));
      return;
    }
    s.model.file = std::filesystem::absolute(p, ec).lexically_normal().string();
    return;
  }
  const auto names = Names(BuiltinModels(), [](const BuiltinModel& b) { return b.name; });
  if (!m["builtin"].is_string() || !FindBuiltinModel(m["builtin"].get<std::string>())) {
    const std::string near = m["builtin"].is_string() ? ClosestMatch(m["builtin"].get<std::string>(), names) : "";
    v.Problem("$.model.builtin", fmt::format("expected one of {}, got {}{}", Quoted(names), Got(m["builtin"]),
                                             near.empty() ? "" : fmt::format("; did you mean \"{}\"?", near)));
    return;
  }
  s.model.builtin = m["builtin"].get<std::string>();
  s.model.params = v.Params(m.value("params", json()), "$.model.params", FindBuiltinModel(s.model.builtin)->params);
}

// A non-empty list whose items each pass `item`; returns the indices that did.
template <typename ItemCheck>
void List(Validator& v, const json& root, const std::string& key, bool required, const char* what,
          ItemCheck item) {
  auto it = root.find(key);
  const std::string path = "$." + key;
  if (it == root.end()) {
    if (required) v.Problem(path, fmt::format("required key is missing (expected {})", what));
    return;
  }
  if (!it->is_array() || it->empty()) {
    v.Expected(path, what, *it);
    return;
  }
  for (std::size_t i = 0; i < it->size(); ++i) item(fmt::format("{}[{}]", path, i), (*it)[i]);
}

void ParseMeters(Validator& v, const json& root, Scenario& s) {
  const auto known = Names(Meters(), [](const MeterInfo& m) { return m.name; });
  if (auto it = root.find("meters"); it != root.end()) {
    if (it->is_string() && *it == "auto") {
      s.meters_auto = true;
    } else if (it->is_array() && !it->empty()) {
      s.meters_auto = false;
      for (std::size_t i = 0; i < it->size(); ++i) {
        const json& x = (*it)[i];
        const std::string path = fmt::format("$.meters[{}]", i);
        if (!x.is_string() || !FindMeter(x.get<std::string>())) {
          const std::string near = x.is_string() ? ClosestMatch(x.get<std::string>(), known) : "";
          v.Problem(path, fmt::format("expected a meter name ({}), got {}{}", Quoted(known), Got(x),
                                      near.empty() ? "" : fmt::format("; did you mean \"{}\"?", near)));
        } else if (std::find(s.meters.begin(), s.meters.end(), x.get<std::string>()) != s.meters.end()) {
          v.Problem(path, fmt::format("meter \"{}\" is listed twice", x.get<std::string>()));
        } else {
          s.meters.push_back(x.get<std::string>());
        }
      }
    } else {
      v.Expected("$.meters", "\"auto\" or a non-empty list of meter names", *it);
    }
  }
  json given = root.value("meter_options", json::object());
  s.meter_options = json::object();
  if (v.Keys(given, "$.meter_options", known)) {
    for (const auto& m : Meters()) {
      s.meter_options[m.name] = v.Params(given.value(m.name, json()), "$.meter_options." + m.name, m.options);
    }
  }
}

void ExpandCells(Validator& v, Scenario& s) {
  for (const auto& engine : s.engines) {
    const EngineInfo* info = FindEngine(engine);
    for (Precision p : s.precisions) {
      if (std::find(info->precisions.begin(), info->precisions.end(), p) == info->precisions.end()) {
        s.skipped_cells.push_back(fmt::format("{} x {}: engine \"{}\" does not offer {}", engine, PrecisionName(p),
                                              engine, PrecisionName(p)));
        continue;
      }
      for (auto b : s.batch_sizes) {
        s.cells.push_back({static_cast<int>(s.cells.size()), engine, p, b});
      }
    }
  }
  if (s.cells.empty() && v.problems().empty()) {
    v.Problem("$", fmt::format("the matrix of engines x precisions x batch_sizes is empty ({}); list a precision "
                               "each engine offers",
                               fmt::join(s.skipped_cells, "; ")));
  }
}

std::pair<int, int> LineColumn(const std::string& text, std::size_t byte) {
  int line = 1, col = 1;
  for (std::size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return {line, col};
}

}  // namespace

ScenarioError::ScenarioError(const std::string& origin, std::vector<std::string> problems)
    : InputError(fmt::format("{}", fmt::join(problems, "\n"))), problems_(std::move(problems)) {
  (void)origin;
}

Scenario ParseScenario(const std::string& text, const std::string& origin, const std::string& base_dir) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::parse_error& e) {
    auto [line, col] = LineColumn(text, e.byte == 0 ? 0 : e.byte - 1);
    std::string what = e.what();
    if (auto pos = what.find("syntax error"); pos != std::string::npos) what = what.substr(pos);
    throw ScenarioError(origin, {fmt::format("{}:{}:{}: malformed JSON: {}", origin, line, col, what)});
  }
  Validator v(origin);
  Scenario s;
  s.origin = origin;
  s.requested = root;
  if (!v.Keys(root, "$", {"$schema", "name", "description", "model", "engines", "precisions", "batch_sizes", "load",
                          "meters", "meter_options", "sample_rate_hz", "meter_calibration_s", "cross_check_tolerance",
                          "allow_unmetered", "idle", "cooldown", "device", "seed", "tags", "engine_options"})) {
    throw ScenarioError(origin, v.problems());
  }
  s.name = v.String(root, "name", "$", std::filesystem::path(origin).stem().string());
  s.description = v.String(root, "description", "$", "");
  ParseModel(v, root, base_dir, s);

  const auto engine_names = Names(Engines(), [](const EngineInfo& e) { return e.name; });
  List(v, root, "engines", true, "a non-empty list of engine names", [&](const std::string& path, const json& x) {
    if (x.is_string() && FindEngine(x.get<std::string>())) {
      if (std::find(s.engines.begin(), s.engines.end(), x.get<std::string>()) != s.engines.end()) {
        v.Problem(path, fmt::format("engine \"{}\" is listed twice", x.get<std::string>()));
      } else {
        s.engines.push_back(x.get<std::string>());
      }
      return;
    }
    const std::string near = x.is_string() ? ClosestMatch(x.get<std::string>(), engine_names) : "";
    v.Problem(path, fmt::format("expected an engine name ({}), got {}{}", Quoted(engine_names), Got(x),
                                near.empty() ? "" : fmt::format("; did you mean \"{}\"?", near)));
  });
  {
    json given = root.value("engine_options", json::object());
    s.engine_options = json::object();
    if (v.Keys(given, "$.engine_options", engine_names)) {
      for (const auto& e : Engines()) {
        const std::string path = "$.engine_options." + e.name;
        const std::size_t problems = v.problems().size();
        s.engine_options[e.name] = v.Params(given.value(e.name, json()), path, e.options);
        // Values of the right kind that the engine still refuses (an unknown choice, a number out of range): its
        // constructor checks them without touching a device, so `run --validate` reports them too.
        if (given.contains(e.name) && v.problems().size() == problems) {
          try {
            e.create(EngineConfig{"any", "", 0, s.engine_options[e.name]});
          } catch (const InputError& err) {
            v.Problem(path, err.what());
          }
        }
      }
    }
    const std::string mode = s.engine_options.value("synthetic", json::object()).value("mode", "spin");
    if (mode != "spin" && mode != "sleep") {
      v.Problem("$.engine_options.synthetic.mode", fmt::format("expected one of \"spin\", \"sleep\", got \"{}\"", mode));
    }
  }
  if (!root.contains("precisions")) s.precisions = {Precision::kFp32};
  List(v, root, "precisions", false, "a non-empty list of precisions", [&](const std::string& path, const json& x) {
    Precision p;
    if (x.is_string() && ParsePrecision(x.get<std::string>(), &p)) {
      if (std::find(s.precisions.begin(), s.precisions.end(), p) != s.precisions.end()) {
        v.Problem(path, fmt::format("precision \"{}\" is listed twice", x.get<std::string>()));
      } else {
        s.precisions.push_back(p);
      }
    } else {
      v.Problem(path, fmt::format("expected one of \"fp32\", \"fp16\", \"int8\", got {}", Got(x)));
    }
  });
  if (!root.contains("batch_sizes")) s.batch_sizes = {1};
  List(v, root, "batch_sizes", false, "a non-empty list of positive integers",
       [&](const std::string& path, const json& x) {
         if (!x.is_number_integer() || x.get<std::int64_t>() <= 0) {
           v.Expected(path, "a positive integer", x);
         } else if (std::find(s.batch_sizes.begin(), s.batch_sizes.end(), x.get<std::int64_t>()) !=
                    s.batch_sizes.end()) {
           v.Problem(path, fmt::format("batch size {} is listed twice", x.get<std::int64_t>()));
         } else {
           s.batch_sizes.push_back(x.get<std::int64_t>());
         }
       });

  if (auto it = root.find("load"); it != root.end()) {
    const json& l = *it;
    if (v.Keys(l, "$.load",
               {"mode", "warmup_s", "warmup_queries", "min_duration_s", "min_queries", "repetitions",
                "energy_quantization", "server_qps", "latency_bound_ms", "latency_percentile", "find_max_qps",
                "max_variation"})) {
      s.load.max_variation = v.Positive(l, "max_variation", "$.load", s.load.max_variation);
      s.load.mode = v.OneOf(l, "mode", "$.load", s.load.mode, {"single-stream", "multi-stream", "offline", "server"});
      s.load.server_qps = v.Positive(l, "server_qps", "$.load", s.load.server_qps);
      s.load.latency_bound_ms = v.Positive(l, "latency_bound_ms", "$.load", s.load.latency_bound_ms);
      s.load.latency_percentile = v.Field<double>(l, "latency_percentile", "$.load", s.load.latency_percentile,
                                                   "a number in (0, 1]", [](const json& x) {
                                                     return x.is_number() && x.get<double>() > 0 && x.get<double>() <= 1;
                                                   });
      s.load.find_max_qps = v.Field<bool>(l, "find_max_qps", "$.load", s.load.find_max_qps, "true or false",
                                          [](const json& x) { return x.is_boolean(); });
      if (s.load.mode == "server" && !s.load.find_max_qps && !l.contains("server_qps")) {
        v.Problem("$.load.server_qps", "required for mode \"server\" (the Poisson arrival rate), or set "
                                       "\"find_max_qps\": true");
      }
      if (s.load.mode != "server" && (l.contains("server_qps") || s.load.find_max_qps)) {
        v.Problem("$.load.mode", "server_qps and find_max_qps need \"mode\": \"server\"");
      }
      s.load.warmup_s = v.NonNegative(l, "warmup_s", "$.load", s.load.warmup_s);
      s.load.warmup_queries = v.Count(l, "warmup_queries", "$.load", s.load.warmup_queries, true);
      s.load.min_duration_s = v.Positive(l, "min_duration_s", "$.load", s.load.min_duration_s);
      s.load.min_queries = v.Count(l, "min_queries", "$.load", s.load.min_queries, false);
      s.load.repetitions = v.Count(l, "repetitions", "$.load", s.load.repetitions, false);
      s.load.energy_quantization = v.Field<double>(l, "energy_quantization", "$.load", s.load.energy_quantization,
                                                    "a number in (0, 1]", [](const json& x) {
                                                      return x.is_number() && x.get<double>() > 0 &&
                                                             x.get<double>() <= 1;
                                                    });
    }
  }
  ParseMeters(v, root, s);
  s.sample_rate_hz = v.Field<double>(root, "sample_rate_hz", "$", s.sample_rate_hz, "a number in (0, 1000]",
                                     [](const json& x) {
                                       return x.is_number() && x.get<double>() > 0 && x.get<double>() <= 1000;
                                     });
  s.meter_calibration_s = v.NonNegative(root, "meter_calibration_s", "$", s.meter_calibration_s);
  s.cross_check_tolerance = v.Positive(root, "cross_check_tolerance", "$", s.cross_check_tolerance);
  s.allow_unmetered = v.Field<bool>(root, "allow_unmetered", "$", s.allow_unmetered, "true or false",
                                    [](const json& x) { return x.is_boolean(); });
  if (auto it = root.find("idle"); it != root.end()) {
    if (v.Keys(*it, "$.idle", {"enabled", "settle_s", "duration_s"})) {
      s.idle.enabled = v.Field<bool>(*it, "enabled", "$.idle", s.idle.enabled, "true or false",
                                     [](const json& x) { return x.is_boolean(); });
      s.idle.settle_s = v.NonNegative(*it, "settle_s", "$.idle", s.idle.settle_s);
      s.idle.duration_s = v.Positive(*it, "duration_s", "$.idle", s.idle.duration_s);
    }
  }
  if (auto it = root.find("cooldown"); it != root.end()) {
    if (v.Keys(*it, "$.cooldown", {"enabled", "max_above_idle_c", "timeout_s", "poll_s"})) {
      s.cooldown.enabled = v.Field<bool>(*it, "enabled", "$.cooldown", s.cooldown.enabled, "true or false",
                                         [](const json& x) { return x.is_boolean(); });
      s.cooldown.max_above_idle_c = v.NonNegative(*it, "max_above_idle_c", "$.cooldown", s.cooldown.max_above_idle_c);
      s.cooldown.timeout_s = v.Positive(*it, "timeout_s", "$.cooldown", s.cooldown.timeout_s);
      s.cooldown.poll_s = v.Positive(*it, "poll_s", "$.cooldown", s.cooldown.poll_s);
    }
  }
  if (auto it = root.find("device"); it != root.end()) {
    if (v.Keys(*it, "$.device", {"type", "platform", "index"})) {
      s.device.type = v.OneOf(*it, "type", "$.device", s.device.type, {"any", "gpu", "cpu"});
      s.device.platform = v.String(*it, "platform", "$.device", s.device.platform);
      s.device.index = v.Count(*it, "index", "$.device", s.device.index, true);
    }
  }
  s.seed = static_cast<std::uint64_t>(v.Count(root, "seed", "$", 1, true));
  if (auto it = root.find("tags"); it != root.end()) {
    if (!it->is_object()) {
      v.Expected("$.tags", "an object of string values", *it);
    } else {
      for (const auto& [k, x] : it->items()) {
        if (x.is_string()) {
          s.tags[k] = x.get<std::string>();
        } else {
          v.Expected("$.tags." + k, "a string", x);
        }
      }
    }
  }
  if (v.problems().empty()) ExpandCells(v, s);
  if (!v.problems().empty()) throw ScenarioError(origin, v.problems());
  return s;
}

nlohmann::json ResolveEngineOptions(const std::string& engine, const nlohmann::json& given, const std::string& origin) {
  Validator v(origin);
  const EngineInfo* e = FindEngine(engine);
  if (!e) throw InputError(fmt::format("{}: no engine \"{}\" (joulebench devices lists engines)", origin, engine));
  json resolved = v.Params(given, engine, e->options);
  if (!v.problems().empty()) throw ScenarioError(origin, v.problems());
  return resolved;
}

nlohmann::json ResolveModelParams(const std::string& model, const nlohmann::json& given, const std::string& origin) {
  Validator v(origin);
  const BuiltinModel* m = FindBuiltinModel(model);
  if (!m) {
    const auto names = Names(BuiltinModels(), [](const BuiltinModel& b) { return b.name; });
    const std::string near = ClosestMatch(model, names);
    v.Problem("model", fmt::format("expected one of {}, got \"{}\"{}", Quoted(names), model,
                                   near.empty() ? "" : fmt::format("; did you mean \"{}\"?", near)));
    throw ScenarioError(origin, v.problems());
  }
  json resolved = v.Params(given, "params", m->params);
  if (!v.problems().empty()) throw ScenarioError(origin, v.problems());
  return resolved;
}

Scenario LoadScenarioFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw InputError(fmt::format("{}: is a folder; give a scenario file (.json)", path));
  }
  std::ifstream in(path);
  if (!in) {
    throw InputError(fmt::format("{}: cannot read the scenario file (does it exist? scenarios/quickstart.json is "
                                 "an example)",
                                 path));
  }
  std::stringstream buf;
  buf << in.rdbuf();
  const auto dir = std::filesystem::absolute(path, ec).parent_path().string();
  return ParseScenario(buf.str(), path, dir);
}

Scenario EmbeddedQuickstart() {
  return ParseScenario(kEmbeddedQuickstartScenario, "embedded:scenarios/quickstart.json",
                       std::filesystem::current_path().string());
}

nlohmann::json Scenario::PlanJson() const {
  json model_json = model.builtin.empty() ? json{{"file", model.file}}
                                          : json{{"builtin", model.builtin}, {"params", model.params}};
  json cells_json = json::array();
  for (const auto& c : cells) {
    cells_json.push_back(
        {{"index", c.index}, {"engine", c.engine}, {"precision", PrecisionName(c.precision)}, {"batch", c.batch},
         {"load_mode", load.mode}});
  }
  std::vector<std::string> precision_names;
  for (auto p : precisions) precision_names.push_back(PrecisionName(p));
  return {
      {"name", name},
      {"description", description},
      {"model", model_json},
      {"engines", engines},
      {"engine_options", engine_options},
      {"precisions", precision_names},
      {"batch_sizes", batch_sizes},
      {"load",
       {{"mode", load.mode},
        {"warmup_s", load.warmup_s},
        {"warmup_queries", load.warmup_queries},
        {"min_duration_s", load.min_duration_s},
        {"min_queries", load.min_queries},
        {"repetitions", load.repetitions},
        {"energy_quantization", load.energy_quantization},
        {"server_qps", load.server_qps},
        {"latency_bound_ms", load.latency_bound_ms},
        {"latency_percentile", load.latency_percentile},
        {"find_max_qps", load.find_max_qps},
        {"max_variation", load.max_variation}}},
      {"meters", meters_auto ? json("auto") : json(meters)},
      {"meter_options", meter_options},
      {"sample_rate_hz", sample_rate_hz},
      {"meter_calibration_s", meter_calibration_s},
      {"cross_check_tolerance", cross_check_tolerance},
      {"allow_unmetered", allow_unmetered},
      {"idle", {{"enabled", idle.enabled}, {"settle_s", idle.settle_s}, {"duration_s", idle.duration_s}}},
      {"cooldown",
       {{"enabled", cooldown.enabled},
        {"max_above_idle_c", cooldown.max_above_idle_c},
        {"timeout_s", cooldown.timeout_s},
        {"poll_s", cooldown.poll_s}}},
      {"device", {{"type", device.type}, {"platform", device.platform}, {"index", device.index}}},
      {"seed", seed},
      {"tags", tags},
      {"cells", cells_json},
      {"skipped_cells", skipped_cells},
  };
}

std::size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string ClosestMatch(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    const std::size_t d = EditDistance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

}  // namespace joulebench
