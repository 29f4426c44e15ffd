// Progress of a run on the terminal: plain lines always (or none with --quiet); on an interactive terminal (stderr
// is a TTY and CI is unset) also one live status line, redrawn in place at most 4 times a second:
//   [2/6] opencl-baseline fp32 batch 32 · rep 2/3 · 0:42 elapsed, ETA 1:20 · 287 W · 957 inf/s
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>

namespace joulebench {

class Progress {
 public:
  Progress(std::ostream& out, bool live, bool quiet);
  // True when a live line suits the file descriptor: a terminal, and the CI variable is not set.
  static bool LiveWanted(int fd);

  // Expected duration of the whole run, for the ETA (the runner's plan: idle, warm-up and windows per cell).
  void SetPlannedSeconds(double s) { planned_s_ = s; }
  void Line(const std::string& text);  // a plain line (clears the live line first)
  void Cell(const std::string& label) { label_ = label; }
  void Phase(const std::string& phase);  // resets the phase's inference counter
  // The load loop asks Due() after every query (cheap) and then calls Update; redraws at most 4 times a second.
  bool Due() const { return live_ && Clock::now() - last_draw_ >= std::chrono::milliseconds(250); }
  void Update(std::int64_t inferences, double watts) { Draw(inferences, watts); }  // NaN watts: unknown
  void Clear();  // removes the live line (before the summary)
  bool live() const { return live_; }

 private:
  using Clock = std::chrono::steady_clock;
  void Draw(std::int64_t inferences, double watts);

  std::ostream& out_;
  bool live_, quiet_;
  bool drawn_ = false;
  double planned_s_ = 0;
  std::string label_, phase_;
  Clock::time_point run_start_ = Clock::now(), phase_start_ = Clock::now(), last_draw_{};
};

// m:ss or h:mm:ss.
std::string FormatClock(double seconds);

}  // namespace joulebench
