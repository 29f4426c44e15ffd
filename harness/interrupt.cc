// Signal handlers: async-signal-safe (an atomic flag, and _exit on the second signal).
#include "harness/interrupt.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

namespace joulebench {
namespace {
std::atomic<int> g_signal{0};

void OnSignal(int sig) {
  if (g_signal.exchange(sig) != 0) {
    constexpr char kMsg[] = "\njoulebench: second signal, exiting now\n";
    (void)!write(STDERR_FILENO, kMsg, sizeof(kMsg) - 1);
    _exit(128 + sig);
  }
}
}  // namespace

void InstallInterruptHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool Interrupted() { return g_signal.load(std::memory_order_relaxed) != 0; }
int InterruptSignal() { return g_signal.load(); }

bool SleepUnlessInterrupted(Seconds duration) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::nanoseconds>(duration);
  while (std::chrono::steady_clock::now() < end) {
    if (Interrupted()) return false;
    const auto left = end - std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(20)));
  }
  return !Interrupted();
}

}  // namespace joulebench
