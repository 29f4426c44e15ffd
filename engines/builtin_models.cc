// Built-in generators. `mlp`: Gemm(+bias) -> Relu layers and a final Gemm, weights ~ U(-1/sqrt(K), 1/sqrt(K))
// from a seeded generator so every machine builds the identical model for a given seed.
#include "engines/builtin_models.h"

#include <cmath>
#include <random>
#include <stdexcept>

#include <fmt/format.h>

#include "engines/zoo/zoo_models.h"

namespace joulebench {
namespace {

Tensor RandomUniform(Shape shape, float bound, std::mt19937_64& rng) {
  Tensor t(DataType::kFloat32, std::move(shape));
  std::uniform_real_distribution<float> dist(-bound, bound);
  for (float& v : t.f32()) v = dist(rng);
  return t;
}

Graph MakeMlp(const nlohmann::json& p) {
  const auto input = p.at("input").get<std::int64_t>();
  const auto hidden = p.at("hidden").get<std::vector<std::int64_t>>();
  const auto output = p.at("output").get<std::int64_t>();
  std::mt19937_64 rng(p.at("seed").get<std::uint64_t>());

  Graph g;
  g.name = "mlp";
  g.source = fmt::format("builtin:mlp {}", p.dump());
  g.inputs.push_back({"input", DataType::kFloat32, {-1, input}});
  std::string x = "input";
  std::int64_t k = input;
  std::vector<std::int64_t> widths = hidden;
  widths.push_back(output);
  for (std::size_t i = 0; i < widths.size(); ++i) {
    const std::int64_t n = widths[i];
    const float bound = 1.0f / std::sqrt(static_cast<float>(k));
    const std::string w = fmt::format("fc{}.weight", i), b = fmt::format("fc{}.bias", i);
    g.initializers[w] = RandomUniform({n, k}, bound, rng);
    g.initializers[b] = RandomUniform({n}, bound, rng);
    const bool last = i + 1 == widths.size();
    const std::string y = last ? "output" : fmt::format("fc{}", i);
    g.nodes.push_back({"Gemm", fmt::format("fc{}", i), {x, w, b}, {y}, {{"transB", std::int64_t{1}}}});
    x = y;
    if (!last) {
      const std::string r = fmt::format("relu{}", i);
      g.nodes.push_back({"Relu", r, {x}, {r}, {}});
      x = r;
    }
    k = n;
  }
  g.outputs.push_back({"output", DataType::kFloat32, {-1, output}});
  return g;
}

}  // namespace

const std::vector<BuiltinModel>& BuiltinModels() {
  static const std::vector<BuiltinModel> models = {
      {"mlp",
       "multilayer perceptron: Gemm+Relu per hidden layer, then a Gemm; float32 input [batch, input]",
       {{"input", ParamSpec::Kind::kPositiveInt, 256, "", "input features"},
        {"hidden", ParamSpec::Kind::kPositiveIntList, {512, 512}, "", "width of each hidden layer"},
        {"output", ParamSpec::Kind::kPositiveInt, 10, "", "output features"},
        {"seed", ParamSpec::Kind::kInt, 1, "", "seed of the weight generator"}},
       &MakeMlp},
      {"resnet50",
       "ResNet-50 v1.5 (torchvision layout): 25.6 M parameters, 4.1 GMAC per 224x224 image; float32 input "
       "[batch, 3, image, image]",
       {{"image", ParamSpec::Kind::kPositiveInt, 224, "pixels", "input height and width"},
        {"classes", ParamSpec::Kind::kPositiveInt, 1000, "", "output classes"},
        {"seed", ParamSpec::Kind::kInt, 1, "", "seed of the weight generator"}},
       &zoo::MakeResnet50},
      {"mobilenetv2",
       "MobileNetV2 (torchvision layout): 3.5 M parameters, 0.3 GMAC per 224x224 image, depthwise convolutions, ReLU6",
       {{"image", ParamSpec::Kind::kPositiveInt, 224, "pixels", "input height and width"},
        {"classes", ParamSpec::Kind::kPositiveInt, 1000, "", "output classes"},
        {"seed", ParamSpec::Kind::kInt, 1, "", "seed of the weight generator"}},
       &zoo::MakeMobilenetV2},
      {"bert-base",
       "BERT-base style encoder: 12 layers, hidden 768, 12 heads, int64 token ids [batch, sequence] -> last hidden "
       "state",
       {{"layers", ParamSpec::Kind::kPositiveInt, 12, "", "transformer layers"},
        {"hidden", ParamSpec::Kind::kPositiveInt, 768, "", "hidden size"},
        {"heads", ParamSpec::Kind::kPositiveInt, 12, "", "attention heads (must divide hidden)"},
        {"intermediate", ParamSpec::Kind::kPositiveInt, 3072, "", "feed-forward size"},
        {"sequence", ParamSpec::Kind::kPositiveInt, 128, "tokens", "sequence length"},
        {"vocab", ParamSpec::Kind::kPositiveInt, 30522, "", "vocabulary size"},
        {"seed", ParamSpec::Kind::kInt, 1, "", "seed of the weight generator"}},
       &zoo::MakeBert},
  };
  return models;
}

const BuiltinModel* FindBuiltinModel(const std::string& name) {
  for (const auto& m : BuiltinModels()) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

Graph MakeBuiltinModel(const std::string& name, const nlohmann::json& resolved_params) {
  const BuiltinModel* m = FindBuiltinModel(name);
  if (!m) throw std::invalid_argument("MakeBuiltinModel: unknown model " + name);
  Graph g = m->make(resolved_params);
  g.source = fmt::format("builtin:{} {}", name, resolved_params.dump());
  return g;
}

}  // namespace joulebench
