// Progress implementation: the live line is "\r" + erase-to-end-of-line + text, never wider than one line of text.
#include "harness/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <ostream>

#include <fmt/format.h>

namespace joulebench {

std::string FormatClock(double seconds) {
  const auto s = static_cast<long>(std::max(0.0, std::round(seconds)));
  return s >= 3600 ? fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60) : fmt::format("{}:{:02}", s / 60, s % 60);
}

Progress::Progress(std::ostream& out, bool live, bool quiet) : out_(out), live_(live && !quiet), quiet_(quiet) {}

bool Progress::LiveWanted(int fd) {
  const char* ci = std::getenv("CI");
  return isatty(fd) && (ci == nullptr || *ci == '\0');
}

void Progress::Clear() {
  if (drawn_) out_ << "\r\x1b[K" << std::flush;
  drawn_ = false;
}

void Progress::Line(const std::string& text) {
  if (quiet_) return;
  Clear();
  out_ << text << "\n" << std::flush;
}

void Progress::Phase(const std::string& phase) {
  phase_ = phase;
  phase_start_ = Clock::now();
  if (live_) Draw(0, NAN);
}

void Progress::Draw(std::int64_t inferences, double watts) {
  if (!live_) return;
  const auto now = Clock::now();
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - run_start_).count();
  const double in_phase = std::chrono::duration<double>(now - phase_start_).count();
  std::string text = fmt::format("{} · {} · {} elapsed", label_, phase_, FormatClock(elapsed));
  if (planned_s_ > 0) text += fmt::format(", ETA {}", FormatClock(std::max(0.0, planned_s_ - elapsed)));
  if (!std::isnan(watts)) text += fmt::format(" · {:.0f} W", watts);
  if (inferences > 0 && in_phase > 0) text += fmt::format(" · {:.4g} inf/s", static_cast<double>(inferences) / in_phase);
  out_ << "\r\x1b[K" << text << std::flush;
  drawn_ = true;
}

}  // namespace joulebench
