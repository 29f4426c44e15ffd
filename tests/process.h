// Runs the real joulebench binary as a child process (fork/exec), capturing its output, for CLI tests.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "temp_dir.h"
#include "test_paths.h"

namespace joulebench::testing {

struct Child {
  pid_t pid = -1;
  std::string out_path, err_path;
};

struct Finished {
  int exit_code = -1;  // 128 + signal when killed by a signal
  std::string out, err;
};

inline Child Spawn(const std::vector<std::string>& args, const std::string& out_path, const std::string& err_path,
                   const std::string& cwd = "") {
  Child c{-1, out_path, err_path};
  c.pid = fork();
  if (c.pid == 0) {
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(127);
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(err, 2);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    std::vector<char*> argv;
    std::string bin = kBinary;
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  return c;
}

inline std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Waits up to `timeout`; kills the child (and fails with exit_code -2) if it does not finish.
inline Finished Wait(const Child& c, std::chrono::seconds timeout = std::chrono::seconds(300)) {
  Finished f;
  const auto end = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    pid_t r = waitpid(c.pid, &status, WNOHANG);
    if (r == c.pid) break;
    if (std::chrono::steady_clock::now() > end) {
      kill(c.pid, SIGKILL);
      waitpid(c.pid, &status, 0);
      f.exit_code = -2;
      f.out = Slurp(c.out_path);
      f.err = Slurp(c.err_path);
      return f;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  f.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  f.out = Slurp(c.out_path);
  f.err = Slurp(c.err_path);
  return f;
}

// Runs joulebench with `args` to completion, keeping its output in numbered files in `tmp`.
inline Finished RunCli(const TempDir& tmp, const std::vector<std::string>& args, const std::string& cwd = "") {
  static int n = 0;
  ++n;
  return Wait(Spawn(args, tmp / (".stdout-" + std::to_string(n)), tmp / (".stderr-" + std::to_string(n)), cwd));
}

}  // namespace joulebench::testing
