// replay implementation: trace loading (CSV or results database), playback clock, interpolation and looping.
#include "meters/replay_meter.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "harness/common/sqlite.h"

namespace joulebench {

ReplayMeter::ReplayMeter(std::string file, std::int64_t run, double speed, bool loop, ClockFn clock)
    : file_(std::move(file)), run_(run), speed_(speed), loop_(loop), clock_(std::move(clock)) {}

std::string ReplayMeter::LoadCsv() {
  std::ifstream in(file_);
  if (!in) return fmt::format("replay: cannot read {}", file_);
  std::map<std::string, Series> by_name;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    if (n == 1 && line.rfind("time_s", 0) == 0) continue;
    std::stringstream ss(line);
    std::string t, name, v;
    if (!std::getline(ss, t, ',') || !std::getline(ss, name, ',') || !std::getline(ss, v)) {
      return fmt::format("replay: {}:{}: expected time_s,channel,value", file_, n);
    }
    char *end1 = nullptr, *end2 = nullptr;
    const double tv = std::strtod(t.c_str(), &end1), vv = std::strtod(v.c_str(), &end2);
    if (*end1 != '\0' || *end2 != '\0' || t.empty() || v.empty()) {
      return fmt::format("replay: {}:{}: time_s and value must be numbers, got \"{}\"", file_, n, line);
    }
    auto [it, fresh] = by_name.try_emplace(name);
    if (fresh) {
      Channel& c = it->second.channel;
      const bool counter = name.size() > 7 && name.ends_with("_energy");
      const bool gauge = name.size() > 6 && name.ends_with("_power");
      if (!counter && !gauge) {
        return fmt::format("replay: {}:{}: channel \"{}\" must end in _energy (a counter in J) or _power (a gauge "
                           "in W)",
                           file_, n, name);
      }
      c.name = "replay::" + name;
      c.domain = name.substr(0, name.rfind('_'));
      c.unit = counter ? "J" : "W";
      c.kind = counter ? ChannelKind::kCounter : ChannelKind::kGauge;
      c.method = fmt::format("replayed from {}", file_);
    }
    if (!it->second.t.empty() && tv < it->second.t.back()) {
      return fmt::format("replay: {}:{}: time goes backwards for channel \"{}\"", file_, n, name);
    }
    it->second.t.push_back(tv);
    it->second.v.push_back(vv);
  }
  for (auto& [name, s] : by_name) series_.push_back(std::move(s));
  return "";
}

std::string ReplayMeter::LoadDatabase() {
  try {
    Database db(file_, false);
    std::int64_t run = run_;
    if (run == 0) {
      auto st = db.Prepare("SELECT max(id) FROM runs");
      if (!st.Step() || st.IsNull(0)) return fmt::format("replay: {} holds no runs", file_);
      run = st.Int(0);
    }
    auto ch = db.Prepare(
        "SELECT c.id, c.name, c.domain, c.unit, c.kind FROM channels c JOIN meters m ON m.id = c.meter_id "
        "WHERE m.run_id = ? ORDER BY c.id");
    ch.Bind(1, run);
    while (ch.Step()) {
      Series s;
      s.channel.name = "replay::" + ch.Text(1);
      s.channel.domain = ch.Text(2);
      s.channel.unit = ch.Text(3);
      s.channel.kind = ch.Text(4) == "counter" ? ChannelKind::kCounter : ChannelKind::kGauge;
      s.channel.method = fmt::format("replayed from {} run {}", file_, run);
      auto sm = db.Prepare("SELECT t_s, value FROM samples WHERE channel_id = ? ORDER BY t_s");
      sm.Bind(1, ch.Int(0));
      while (sm.Step()) {
        s.t.push_back(sm.Real(0));
        s.v.push_back(sm.Real(1));
      }
      if (!s.t.empty()) series_.push_back(std::move(s));
    }
    if (series_.empty()) return fmt::format("replay: run {} in {} has no samples", run, file_);
  } catch (const std::exception& e) {
    return fmt::format("replay: {}: {}", file_, e.what());
  }
  return "";
}

ProbeResult ReplayMeter::Probe() {
  series_.clear();
  if (file_.empty()) {
    return {false, "replay: no trace given; set meter_options.replay.file to a CSV (time_s,channel,value) or a .db",
            {}};
  }
  const std::string err = file_.ends_with(".db") ? LoadDatabase() : LoadCsv();
  if (!err.empty()) return {false, err, {}};
  if (series_.empty()) return {false, fmt::format("replay: {} holds no samples", file_), {}};
  t_first_ = INFINITY;
  t_last_ = -INFINITY;
  for (const auto& s : series_) {
    t_first_ = std::min(t_first_, s.t.front());
    t_last_ = std::max(t_last_, s.t.back());
  }
  return {true, "", {{"file", file_}, {"duration_s", t_last_ - t_first_}, {"speed", speed_}, {"loop", loop_}}};
}

std::vector<Channel> ReplayMeter::Channels() const {
  std::vector<Channel> out;
  for (const auto& s : series_) out.push_back(s.channel);
  return out;
}

double ReplayMeter::ValueAt(const Series& s, double t) const {
  auto it = std::upper_bound(s.t.begin(), s.t.end(), t);
  if (it == s.t.begin()) return s.v.front();
  const std::size_t i = static_cast<std::size_t>(it - s.t.begin()) - 1;
  if (s.channel.kind == ChannelKind::kCounter || i + 1 >= s.t.size()) return s.v[i];
  const double f = (t - s.t[i]) / (s.t[i + 1] - s.t[i]);
  return s.v[i] + f * (s.v[i + 1] - s.v[i]);
}

Reading ReplayMeter::Read() {
  Reading r;
  r.time = clock_();
  if (!started_) {
    start_ = r.time;
    started_ = true;
  }
  const double elapsed = std::chrono::duration<double>(r.time - start_).count() * speed_;
  const double span = t_last_ - t_first_;
  double t = t_first_ + elapsed;
  double loops = 0;
  if (loop_ && span > 0) {
    loops = std::floor(elapsed / span);
    t = t_first_ + (elapsed - loops * span);
  }
  for (const auto& s : series_) {
    double v = ValueAt(s, t);
    if (s.channel.kind == ChannelKind::kCounter) v += loops * (s.v.back() - s.v.front());  // keeps counting
    r.values.push_back(v);
  }
  return r;
}

}  // namespace joulebench
