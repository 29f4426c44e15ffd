// Zoo architectures written layer by layer as the reference implementations define them.
#include "engines/zoo/zoo_models.h"

#include <cmath>

#include <fmt/format.h>

#include "engines/zoo/graph_builder.h"

namespace joulebench::zoo {

Graph MakeResnet50(const nlohmann::json& p) {
  const std::int64_t image = p.at("image").get<std::int64_t>(), classes = p.at("classes").get<std::int64_t>();
  GraphBuilder b("resnet50", p.at("seed").get<std::uint64_t>());
  std::string x = b.Input("input", DataType::kFloat32, {-1, 3, image, image});
  x = b.Op("Relu", "relu", {b.ConvBn("conv1", x, 3, 64, 7, 2, 1)});
  x = b.Op("MaxPool", "maxpool", {x},
           {{"kernel_shape", std::vector<std::int64_t>{3, 3}}, {"strides", std::vector<std::int64_t>{2, 2}},
            {"pads", std::vector<std::int64_t>{1, 1, 1, 1}}});
  const std::int64_t blocks[4] = {3, 4, 6, 3}, widths[4] = {64, 128, 256, 512};
  std::int64_t cin = 64;
  for (int l = 0; l < 4; ++l) {
    for (std::int64_t i = 0; i < blocks[l]; ++i) {
      const std::string name = fmt::format("layer{}.{}", l + 1, i);
      const std::int64_t w = widths[l], cout = w * 4, stride = (i == 0 && l > 0) ? 2 : 1;
      std::string y = b.Op("Relu", name + ".relu1", {b.ConvBn(name + ".conv1", x, cin, w, 1, 1, 1)});
      y = b.Op("Relu", name + ".relu2", {b.ConvBn(name + ".conv2", y, w, w, 3, stride, 1)});  // v1.5: stride here
      y = b.ConvBn(name + ".conv3", y, w, cout, 1, 1, 1);
      const std::string identity = i == 0 ? b.ConvBn(name + ".downsample", x, cin, cout, 1, stride, 1) : x;
      x = b.Op("Relu", name + ".relu3", {b.Op("Add", name + ".add", {y, identity})});
      cin = cout;
    }
  }
  x = b.Op("Flatten", "flatten", {b.Op("GlobalAveragePool", "avgpool", {x})}, {{"axis", std::int64_t{1}}});
  const float bound = 1.0f / std::sqrt(2048.0f);
  const std::string w = b.Weight("fc.weight", {classes, 2048}, -bound, bound);
  const std::string bias = b.Weight("fc.bias", {classes}, -bound, bound);
  b.Op("Gemm", "output", {x, w, bias}, {{"transB", std::int64_t{1}}});
  b.Output("output", DataType::kFloat32, {-1, classes});
  return b.Finish();
}

Graph MakeMobilenetV2(const nlohmann::json& p) {
  const std::int64_t image = p.at("image").get<std::int64_t>(), classes = p.at("classes").get<std::int64_t>();
  GraphBuilder b("mobilenetv2", p.at("seed").get<std::uint64_t>());
  const std::string six = b.Scalar("six", 6.0f), zero = b.Scalar("zero", 0.0f);
  auto relu6 = [&](const std::string& name, const std::string& x) { return b.Op("Clip", name, {x, zero, six}); };
  std::string x = b.Input("input", DataType::kFloat32, {-1, 3, image, image});
  x = relu6("features.0.relu6", b.ConvBn("features.0", x, 3, 32, 3, 2, 1));
  struct Stage { std::int64_t t, c, n, s; };
  const Stage stages[] = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2},
                          {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  std::int64_t cin = 32, index = 1;
  for (const auto& st : stages) {
    for (std::int64_t i = 0; i < st.n; ++i, ++index) {
      const std::string name = fmt::format("features.{}", index);
      const std::int64_t stride = i == 0 ? st.s : 1, hidden = cin * st.t;
      std::string y = x;
      if (st.t != 1) y = relu6(name + ".expand.relu6", b.ConvBn(name + ".expand", y, cin, hidden, 1, 1, 1));
      y = relu6(name + ".dw.relu6", b.ConvBn(name + ".dw", y, hidden, hidden, 3, stride, hidden));  // depthwise
      y = b.ConvBn(name + ".project", y, hidden, st.c, 1, 1, 1);
      x = (stride == 1 && cin == st.c) ? b.Op("Add", name + ".add", {x, y}) : y;
      cin = st.c;
    }
  }
  x = relu6("features.18.relu6", b.ConvBn("features.18", x, cin, 1280, 1, 1, 1));
  x = b.Op("Flatten", "flatten", {b.Op("GlobalAveragePool", "avgpool", {x})}, {{"axis", std::int64_t{1}}});
  const float bound = 1.0f / std::sqrt(1280.0f);
  const std::string w = b.Weight("classifier.weight", {classes, 1280}, -bound, bound);
  const std::string bias = b.Weight("classifier.bias", {classes}, -bound, bound);
  b.Op("Gemm", "output", {x, w, bias}, {{"transB", std::int64_t{1}}});
  b.Output("output", DataType::kFloat32, {-1, classes});
  return b.Finish();
}

// BERT-base style encoder: token + position + segment embeddings, LayerNorm, `layers` post-LN transformer layers
// (multi-head self-attention, GELU feed-forward), output the last hidden state [batch, seq, hidden]. The attention
// reshapes compute their target shape from the input (Shape -> Gather -> Unsqueeze -> Concat), as exporters write.
Graph MakeBert(const nlohmann::json& p) {
  const std::int64_t L = p.at("layers"), H = p.at("hidden"), A = p.at("heads"), F = p.at("intermediate"),
                     S = p.at("sequence"), V = p.at("vocab");
  if (H % A != 0) throw std::invalid_argument("bert: hidden must be a multiple of heads");
  const std::int64_t D = H / A;
  GraphBuilder b("bert", p.at("seed").get<std::uint64_t>());
  const float wb = 0.0346f;  // U(+-0.0346) has the standard deviation 0.02 of BERT's initializer
  const std::string ids = b.Input("input_ids", DataType::kInt64, {-1, S});
  std::string x = b.Op("Gather", "embeddings.word", {b.Weight("embeddings.word.weight", {V, H}, -wb, wb), ids});
  std::vector<std::int64_t> positions(static_cast<std::size_t>(S));
  for (std::int64_t i = 0; i < S; ++i) positions[static_cast<std::size_t>(i)] = i;
  const std::string pos =
      b.Op("Gather", "embeddings.position", {b.Weight("embeddings.position.weight", {512, H}, -wb, wb),
                                             b.Ints("embeddings.position_ids", positions)});
  x = b.Op("Add", "embeddings.add_position", {x, pos});
  x = b.Op("Add", "embeddings.add_segment", {x, b.Weight("embeddings.segment0", {H}, -wb, wb)});
  x = b.LayerNorm("embeddings.layernorm", x, H);
  const std::string zero_idx = b.Ints("gather_batch_index", {0});
  const std::string heads_shape = b.Ints("heads_shape", {S, A, D}), merged_shape = b.Ints("merged_shape", {S, H});
  const std::string scale = b.Scalar("attention_scale", 1.0f / std::sqrt(static_cast<float>(D)));
  const std::string sqrt2 = b.Scalar("sqrt2", std::sqrt(2.0f)), one = b.Scalar("one", 1.0f),
                    half = b.Scalar("half", 0.5f);
  for (std::int64_t l = 0; l < L; ++l) {
    const std::string n = fmt::format("layer{}", l);
    // Target shape [batch, S, A, D] from the input's batch dimension, as exporters write it.
    const std::string batch = b.Op("Gather", n + ".batch", {b.Op("Shape", n + ".shape", {x}), zero_idx}, {{"axis", std::int64_t{0}}});
    const std::string split_shape = b.Op("Concat", n + ".split_shape", {batch, heads_shape}, {{"axis", std::int64_t{0}}});
    const std::string merge_shape = b.Op("Concat", n + ".merge_shape", {batch, merged_shape}, {{"axis", std::int64_t{0}}});
    auto heads = [&](const std::string& name, const std::string& t, std::vector<std::int64_t> perm) {
      return b.Op("Transpose", name + ".t", {b.Op("Reshape", name + ".r", {t, split_shape})}, {{"perm", perm}});
    };
    const std::string q = heads(n + ".q", b.Linear(n + ".attention.query", x, H, H), {0, 2, 1, 3});
    const std::string k = heads(n + ".k", b.Linear(n + ".attention.key", x, H, H), {0, 2, 3, 1});
    const std::string v = heads(n + ".v", b.Linear(n + ".attention.value", x, H, H), {0, 2, 1, 3});
    std::string s = b.Op("Mul", n + ".scores", {b.Op("MatMul", n + ".qk", {q, k}), scale});
    s = b.Op("Softmax", n + ".softmax", {s}, {{"axis", std::int64_t{-1}}});
    std::string ctx = b.Op("Transpose", n + ".ctx.t", {b.Op("MatMul", n + ".pv", {s, v})},
                           {{"perm", std::vector<std::int64_t>{0, 2, 1, 3}}});
    ctx = b.Op("Reshape", n + ".ctx.r", {ctx, merge_shape});
    std::string y = b.Linear(n + ".attention.output", ctx, H, H);
    x = b.LayerNorm(n + ".attention.layernorm", b.Op("Add", n + ".attention.residual", {y, x}), H);
    std::string f = b.Linear(n + ".intermediate", x, H, F);
    // GELU(f) = 0.5 f (1 + erf(f / sqrt 2)), written out as opset-17 exporters do.
    const std::string erf = b.Op("Erf", n + ".gelu.erf", {b.Op("Div", n + ".gelu.div", {f, sqrt2})});
    f = b.Op("Mul", n + ".gelu.half", {b.Op("Mul", n + ".gelu.mul", {f, b.Op("Add", n + ".gelu.add", {erf, one})}), half});
    y = b.Linear(n + ".output", f, F, H);
    x = b.LayerNorm(n + ".output.layernorm", b.Op("Add", n + ".output.residual", {y, x}), H);
  }
  b.Op("Identity", "last_hidden_state", {x});
  b.Output("last_hidden_state", DataType::kFloat32, {-1, S, H});
  return b.Finish();
}

}  // namespace joulebench::zoo
