// `joulebench models list|make`: the model zoo (parameter counts and FLOPs computed from each graph) and writing
// zoo models as ONNX files with deterministic random weights.
#include <iostream>

#include <fmt/format.h>

#include "engines/builtin_models.h"
#include "engines/onnx/onnx_model.h"
#include "harness/cli/commands.h"
#include "harness/common/errors.h"
#include "harness/model_arg.h"

namespace joulebench {

std::vector<Command> AddModelsCommands(CLI::App& parent) {
  struct MakeOptions {
    std::string name, out, batch = "dynamic";
    std::vector<std::string> params;
    std::int64_t seed = -1;
  };
  auto o = std::make_shared<MakeOptions>();
  CLI::App* models = parent.add_subcommand("models", "The model zoo: list it, or write a zoo model as ONNX");
  models->require_subcommand(1, 1);
  CLI::App* list = models->add_subcommand("list", "Zoo models with parameters and FLOPs per inference (default sizes)");
  CLI::App* make = models->add_subcommand("make", "Write a zoo model as an ONNX file (opset 17)");
  make->add_option("name", o->name, "Zoo model (joulebench models list)")->required();
  make->add_option("--out", o->out, "ONNX file to write")->required();
  make->add_option("--batch", o->batch, "Batch dimension: a number, or 'dynamic'")->capture_default_str();
  make->add_option("--seed", o->seed, "Weight seed (default: the model's seed parameter)");
  make->add_option("--param", o->params, "Model parameter KEY=VALUE (repeatable), e.g. --param sequence=64");
  return {{list,
           [] {
             std::cout << fmt::format("{:<12} {:>14} {:>18}  {}\n", "model", "parameters", "GFLOP/inference",
                                      "description");
             for (const auto& m : BuiltinModels()) {
               const Graph g = ResolveModelArg(m.name, {});
               std::cout << fmt::format("{:<12} {:>14} {:>18.4g}  {}\n", m.name, g.ParameterCount(),
                                        g.FlopsPerInference() / 1e9, m.description);
             }
             return 0;
           }},
          {make, [o] {
             std::vector<std::string> params = o->params;
             if (o->seed >= 0) params.push_back(fmt::format("seed={}", o->seed));
             if (!FindBuiltinModel(o->name)) {
               throw InputError(fmt::format("'{}' is not a zoo model; `joulebench models list` shows them", o->name));
             }
             const Graph g = ResolveModelArg(o->name, params);
             std::int64_t batch = 0;
             if (o->batch != "dynamic") {
               try {
                 std::size_t used = 0;
                 batch = std::stoll(o->batch, &used);
                 if (used != o->batch.size() || batch <= 0) throw std::invalid_argument("bad");
               } catch (const std::exception&) {
                 throw InputError(fmt::format("--batch {}: expected a positive number or 'dynamic'", o->batch));
               }
             }
             SaveOnnx(g, o->out, batch == 0, batch);
             std::cout << fmt::format("wrote {} ({}, {} parameters, {:.4g} GFLOP per inference, batch {}, hash {})\n",
                                      o->out, g.name, g.ParameterCount(), g.FlopsPerInference() / 1e9, o->batch,
                                      g.Hash());
             return 0;
           }}};
}

}  // namespace joulebench
