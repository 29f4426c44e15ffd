// `joulebench plans list|clear`: the optimized engine's plan cache (engines/opencl/plan_cache.h).
#include <iostream>

#include <fmt/format.h>

#include "engines/opencl/cl_runtime.h"
#include "engines/opencl/plan_cache.h"
#include "harness/cli/commands.h"

namespace joulebench {

std::vector<Command> AddPlansCommands(CLI::App& parent) {
  CLI::App* plans = parent.add_subcommand("plans", "The opencl-optimized plan cache (built plans, reused when the key matches)");
  plans->require_subcommand(1);
  CLI::App* list = plans->add_subcommand("list", "List cached plans with their keys; invalid files are shown with the problem");
  CLI::App* clear = plans->add_subcommand("clear", "Remove every cached plan (the next Prepare rebuilds)");
  return {{list,
           [] {
             const auto files = ListPlans();
             std::cout << fmt::format("plan cache: {}/plans ({} file(s))\n", cl::CacheDir(), files.size());
             for (const auto& f : files) {
               if (!f.valid) {
                 std::cout << fmt::format("  {}  INVALID: {} (it will be rebuilt; `joulebench plans clear` removes it)\n",
                                          f.path, f.problem);
                 continue;
               }
               const auto& k = f.key;
               std::cout << fmt::format("  {}  model {}  batch {}  {}  device {} (driver {})  joulebench {}  built in "
                                        "{:.2f} s  {} bytes\n",
                                        f.path, k.value("model_hash", "?"), k.value("batch", 0), k.value("precision", "?"),
                                        k.value("device", "?"), k.value("driver", "?"), k.value("joulebench", "?"),
                                        f.build_s, f.bytes);
             }
             return 0;
           }},
          {clear, [] {
             const int n = ClearPlans();
             std::cout << fmt::format("removed {} plan file(s) from {}/plans\n", n, cl::CacheDir());
             return 0;
           }}};
}

}  // namespace joulebench
