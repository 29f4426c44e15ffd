// `joulebench infer` (one inference, outputs written as ONNX TensorProto files) and `joulebench check` (an engine
// against the reference engine, or against expected outputs, on fresh random inputs: NMSE, max abs, cosine).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>

#include <fmt/format.h>

#include "engines/compare.h"
#include "engines/engine.h"
#include "engines/onnx/onnx_model.h"
#include "harness/cli/commands.h"
#include "harness/common/errors.h"
#include "harness/device_energy.h"
#include "harness/scenario.h"
#include "harness/model_arg.h"

namespace joulebench {
namespace {
namespace fs = std::filesystem;

struct InferOptions {
  std::string model, engine = "reference", output, data;
  std::vector<std::string> inputs, params, options;
  std::int64_t batch = 0;
  int repeat = 1;
  std::uint64_t seed = 0;
  bool seed_given = false;
  double tolerance = 1e-6;
};

std::int64_t ChooseBatch(const Graph& g, std::int64_t requested) {
  const std::int64_t fixed = !g.inputs.empty() && !g.inputs[0].shape.empty() ? g.inputs[0].shape[0] : -1;
  if (requested > 0) return requested;  // a conflict with a fixed batch is reported by the engine's Prepare
  return fixed > 0 ? fixed : 1;
}

Tensor ReadInput(const TensorInfo& info, const std::string& file, std::int64_t batch) {
  if (file.ends_with(".pb")) return LoadTensorProto(file);
  Tensor t(info.type, ResolveBatch(info.shape, batch));
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in) throw InputError(fmt::format("--input {}: cannot read the file", file));
  const auto size = static_cast<std::size_t>(in.tellg());
  if (size != t.bytes()) {
    throw InputError(fmt::format("--input {}: raw file has {} bytes; input '{}' {} {} needs {} (give a .pb TensorProto "
                                 "to carry its own shape)",
                                 file, size, info.name, DataTypeName(info.type), ShapeToString(t.shape()), t.bytes()));
  }
  in.seekg(0);
  in.read(reinterpret_cast<char*>(t.raw()), static_cast<std::streamsize>(t.bytes()));
  return t;
}

// Random inputs (printing the seed), then the --input NAME=FILE overrides.
TensorMap BuildInputs(const Graph& g, const InferOptions& o, std::int64_t batch) {
  const std::uint64_t seed = o.seed_given ? o.seed : std::random_device{}();
  std::cerr << fmt::format("inputs: random with seed {} (repeat with --seed {})\n", seed, seed);
  TensorMap inputs = MakeRandomInputs(g, batch, seed);
  for (const auto& spec : o.inputs) {
    const auto eq = spec.find('=');
    const std::string name = eq == std::string::npos ? "" : spec.substr(0, eq);
    auto it = std::find_if(g.inputs.begin(), g.inputs.end(), [&](const TensorInfo& t) { return t.name == name; });
    if (it == g.inputs.end()) {
      std::string names;
      for (const auto& t : g.inputs) names += (names.empty() ? "" : ", ") + t.name;
      throw InputError(fmt::format("--input {}: expected NAME=FILE with NAME one of the model's inputs ({})", spec,
                                   names));
    }
    inputs[name] = ReadInput(*it, spec.substr(eq + 1), batch);
  }
  return inputs;
}

// Prepares the engine once and runs `repeat` inferences on the same inputs; the outputs of each, in order.
std::vector<TensorMap> RunEngine(const std::string& engine_name, const std::vector<std::string>& options,
                                 const Graph& g, const TensorMap& inputs, std::int64_t batch, int repeat = 1) {
  const EngineInfo* info = FindEngine(engine_name);
  if (!info) throw InputError(fmt::format("--engine {}: no such engine", engine_name));
  EngineConfig config;
  config.options = ResolveEngineOptions(engine_name, ParseAssignments(options, "--option"), "--option");
  if (config.options.value("kernel_objective", "") == "measured-energy") {
    // No meter session here: the engine reads the GPU's counter through an nvml meter of its own while it builds.
    std::string why;
    config.device_energy_j = OpenGpuEnergyCounter(config.device_index, &why);
    if (!config.device_energy_j) {
      std::cerr << fmt::format("kernel_objective=measured-energy: no energy counter ({}); only a plan from the plan "
                               "cache can run\n",
                               why);
    }
  }
  auto engine = info->create(config);
  std::string unsupported;
  for (const auto& u : engine->Supports(g)) {
    unsupported += fmt::format("\n  op {} (node '{}', opset {}): {}", u.op_type, u.node_name, g.opset, u.reason);
  }
  if (!unsupported.empty()) {
    throw InputError(fmt::format("engine {} cannot run {}:{}", engine_name, g.source, unsupported));
  }
  engine->Prepare(g, Precision::kFp32, batch);
  engine->Stage(inputs);
  std::vector<TensorMap> outputs;
  for (int r = 0; r < repeat; ++r) {
    engine->Infer();
    outputs.push_back(engine->Outputs());
  }
  return outputs;
}

void AddModelOptions(CLI::App* cmd, InferOptions& o) {
  cmd->add_option("model", o.model, "ONNX file, or a zoo model name (joulebench models list)")->required();
  cmd->add_option("--engine", o.engine, "Engine to run")->capture_default_str();
  cmd->add_option("--batch", o.batch, "Batch size (default: the model's fixed batch, else 1)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--input", o.inputs, "NAME=FILE: an input from a .pb TensorProto or raw little-endian data");
  cmd->add_option("--param", o.params, "Zoo model parameter KEY=VALUE (repeatable)");
  cmd->add_option("--option", o.options, "Engine option KEY=VALUE (repeatable), e.g. conv_kernel=igemm");
  cmd->add_option("--seed", o.seed, "Seed of the random inputs (printed when not given)")
      ->each([&o](const std::string&) { o.seed_given = true; });
}

}  // namespace

std::vector<Command> AddInferCommands(CLI::App& parent) {
  auto io = std::make_shared<InferOptions>();
  auto co = std::make_shared<InferOptions>();
  CLI::App* infer = parent.add_subcommand("infer", "Run one inference and write each output as a TensorProto .pb");
  AddModelOptions(infer, *io);
  infer->add_option("--output", io->output, "Folder for output_0.pb, output_1.pb, ...")->required();
  CLI::App* check = parent.add_subcommand(
      "check", "Compare an engine with the reference engine (or expected outputs) on fresh random inputs");
  AddModelOptions(check, *co);
  check->add_option("--data", co->data, "A test_data_set folder (input_N.pb, output_N.pb) to compare against");
  check->add_option("--tolerance", co->tolerance, "Largest NMSE that passes")->capture_default_str();
  check->add_option("--repeat", co->repeat,
                    "Inferences on the same prepared engine, each checked (state left between launches, races)")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  return {{infer,
           [io] {
             const Graph g = ResolveModelArg(io->model, io->params);
             const std::int64_t batch = ChooseBatch(g, io->batch);
             const TensorMap outputs = RunEngine(io->engine, io->options, g, BuildInputs(g, *io, batch), batch).front();
             std::error_code ec;
             fs::create_directories(io->output, ec);
             for (std::size_t i = 0; i < g.outputs.size(); ++i) {
               const std::string path = (fs::path(io->output) / fmt::format("output_{}.pb", i)).string();
               const Tensor& t = outputs.at(g.outputs[i].name);
               SaveTensorProto(t, g.outputs[i].name, path);
               std::cout << fmt::format("{}: {} {} {}\n", path, g.outputs[i].name, DataTypeName(t.type()),
                                        ShapeToString(t.shape()));
             }
             return 0;
           }},
          {check, [co] {
             const Graph g = ResolveModelArg(co->model, co->params);
             std::int64_t batch = ChooseBatch(g, co->batch);
             TensorMap inputs, expected;
             std::string against = "reference";
             if (!co->data.empty()) {
               for (std::size_t i = 0; i < g.inputs.size(); ++i) {
                 inputs[g.inputs[i].name] = LoadTensorProto((fs::path(co->data) / fmt::format("input_{}.pb", i)).string());
               }
               for (std::size_t i = 0; i < g.outputs.size(); ++i) {
                 expected[g.outputs[i].name] =
                     LoadTensorProto((fs::path(co->data) / fmt::format("output_{}.pb", i)).string());
               }
               if (!g.inputs.empty() && !inputs.begin()->second.shape().empty()) {
                 batch = inputs.at(g.inputs[0].name).shape()[0];
               }
               against = co->data;
             } else {
               inputs = BuildInputs(g, *co, batch);
               expected = RunEngine("reference", {}, g, inputs, batch).front();
             }
             const auto runs = RunEngine(co->engine, co->options, g, inputs, batch, co->repeat);
             bool ok = true;
             std::cout << fmt::format("{} vs {} on {} (batch {}), NMSE tolerance {:g}{}\n", co->engine, against,
                                      g.source, batch, co->tolerance,
                                      co->repeat > 1 ? fmt::format(", {} inferences", co->repeat) : "");
             for (std::size_t r = 0; r < runs.size(); ++r) {
               for (const auto& out : g.outputs) {
                 const TensorDiff d = CompareTensors(runs[r].at(out.name), expected.at(out.name));
                 ok &= d.Within(co->tolerance);
                 // Every output of a single run; of repeats, the first and any that fails.
                 if (r > 0 && d.Within(co->tolerance)) continue;
                 std::cout << fmt::format("  {}{:<24} NMSE {:.3e}  max abs {:.3e}  cosine {:.9f}{}{}  {}\n",
                                          runs.size() > 1 ? fmt::format("#{} ", r + 1) : "", out.name, d.nmse, d.max_abs,
                                          d.cosine, d.has_nan ? "  NaN/Inf!" : "",
                                          d.shape_error.empty() ? "" : "  " + d.shape_error,
                                          d.Within(co->tolerance) ? "ok" : "FAIL");
               }
             }
             if (runs.size() > 1 && ok) std::cout << fmt::format("  all {} inferences within tolerance\n", runs.size());
             return ok ? 0 : static_cast<int>(ExitCode::kFailedCells);
           }}};
}

}  // namespace joulebench
