// opencl-baseline against the reference engine through real OpenCL (PoCL on CI): every zoo model at batch 1 and 3,
// and single-op graphs on odd shapes (non-multiples of any tile, padding at borders), fresh random inputs each.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <random>

#include "engines/builtin_models.h"
#include "engines/compare.h"
#include "engines/onnx/onnx_model.h"
#include "engines/opencl/baseline_engine.h"
#include "engines/reference/reference_engine.h"
#include "engines/zoo/graph_builder.h"
#include "harness/common/errors.h"

namespace joulebench {
namespace {

using zoo::GraphBuilder;

void ExpectMatchesReference(const Graph& graph, std::int64_t batch, double tolerance = 1e-9) {
  const TensorMap inputs = MakeRandomInputs(graph, batch, std::random_device{}());
  ReferenceEngine ref;
  ref.Prepare(graph, Precision::kFp32, batch);
  ref.Stage(inputs);
  ref.Infer();
  OpenClBaselineEngine cl(EngineConfig{});
  ASSERT_TRUE(cl.Supports(graph).empty());
  cl.Prepare(graph, Precision::kFp32, batch);
  cl.Stage(inputs);
  cl.Infer();
  const TensorMap got = cl.Outputs(), want = ref.Outputs();
  for (const auto& out : graph.outputs) {
    const TensorDiff d = CompareTensors(got.at(out.name), want.at(out.name));
    EXPECT_TRUE(d.shape_error.empty()) << graph.name << " " << out.name << ": " << d.shape_error;
    EXPECT_FALSE(d.has_nan) << graph.name;
    EXPECT_LT(d.nmse, tolerance) << graph.name << " " << out.name << " batch " << batch << " max abs " << d.max_abs;
  }
  EXPECT_GT(cl.Describe()["kernels_per_inference"].get<int>(), 0);
}

// Declares each output with the shape the reference computes (batch dimension dynamic when the input's is).
Graph WithOutputShapes(Graph g) {
  const bool dynamic = g.inputs[0].shape[0] < 0;
  const std::int64_t probe = dynamic ? 2 : g.inputs[0].shape[0];
  ReferenceEngine ref;
  Graph shaped = g;
  for (auto& o : shaped.outputs) o.shape = {};
  ref.Prepare(shaped, Precision::kFp32, probe);
  ref.Stage(MakeRandomInputs(shaped, probe, 1));
  ref.Infer();
  const TensorMap outs = ref.Outputs();
  for (auto& o : g.outputs) {
    o.shape = outs.at(o.name).shape();
    if (dynamic && !o.shape.empty() && o.shape[0] == probe) o.shape[0] = -1;
  }
  return g;
}

Graph OneOp(const std::string& op, Shape x_shape, std::map<std::string, Attribute> attrs,
            std::vector<std::pair<std::string, Shape>> weights = {}, int opset = 17, int n_outputs = 1) {
  GraphBuilder b(op, 42);
  std::vector<std::string> ins{b.Input("x", DataType::kFloat32, x_shape)};
  for (const auto& [name, shape] : weights) ins.push_back(b.Weight(name, shape, -1, 1));
  b.Op(op, "y", ins, std::move(attrs), n_outputs);
  for (int i = 0; i < n_outputs; ++i) b.Output(i == 0 ? "y" : "y:" + std::to_string(i), DataType::kFloat32, {});
  Graph g = b.Finish();
  g.opset = opset;
  return WithOutputShapes(std::move(g));
}

using Ints = std::vector<std::int64_t>;

TEST(OpenClBaseline, ZooModelsMatchTheReference) {
  for (std::int64_t batch : {1, 3}) {
    ExpectMatchesReference(WithInferredShapes(MakeBuiltinModel("mlp", {{"input", 33}, {"hidden", {17, 9}}, {"output", 5}, {"seed", 1}})), batch);
    ExpectMatchesReference(WithInferredShapes(MakeBuiltinModel("resnet50", {{"image", 40}, {"classes", 10}, {"seed", 2}})), batch);
    ExpectMatchesReference(WithInferredShapes(MakeBuiltinModel("mobilenetv2", {{"image", 35}, {"classes", 7}, {"seed", 3}})), batch);
    ExpectMatchesReference(WithInferredShapes(MakeBuiltinModel(
                               "bert-base", {{"layers", 2}, {"hidden", 48}, {"heads", 3}, {"intermediate", 80},
                                             {"sequence", 13}, {"vocab", 50}, {"seed", 4}})),
                           batch);
  }
}

// The diagnostics of opencl_bench on a real device: every launch counted once under its kind, GPU time measured
// between profiled markers (positive where kernels ran), host enqueue time likewise; the kernels' own time from
// their events, positive for every kind of kernel and none for the library GEMMs (no event of their own).
TEST(OpenClBaseline, TimeByKindCoversEveryLaunch) {
  const Graph g = WithInferredShapes(MakeBuiltinModel("resnet50", {{"image", 32}, {"classes", 10}, {"seed", 2}}));
  {  // GPU times need the profiling queue, which inference runs without: a clear error, not a driver failure
    OpenClBaselineEngine plain(EngineConfig{});
    plain.Prepare(g, Precision::kFp32, 1);
    EXPECT_FALSE(plain.Describe()["device"]["profiling_queue"].get<bool>());
    EXPECT_THROW(plain.GpuSecondsByKind(1), InputError);
    EXPECT_THROW(plain.KernelSecondsByKind(1), InputError);
  }
  EngineConfig config;
  config.options = {{"queue_profiling", true}};
  OpenClBaselineEngine e(config);
  e.Prepare(g, Precision::kFp32, 1);
  e.Stage(MakeRandomInputs(g, 1, 3));
  e.Infer();
  const int launches = e.Describe()["kernels_per_inference"].get<int>();
  for (const auto& by_kind : {e.GpuSecondsByKind(2), e.EnqueueSecondsByKind(2)}) {
    int counted = 0;
    double total = 0;
    for (const auto& [kind, v] : by_kind) {
      counted += v.first;
      EXPECT_GE(v.second, 0) << kind;
      total += v.second;
    }
    EXPECT_EQ(counted, launches);
    EXPECT_GT(total, 0);
    EXPECT_GT(by_kind.at("clblast_gemm").second, 0);
  }
  int counted = 0;
  for (const auto& [kind, v] : e.KernelSecondsByKind(2)) {
    counted += v.first;
    if (kind == "clblast_gemm") {
      EXPECT_EQ(v.second, 0) << kind;
    } else {
      EXPECT_GT(v.second, 0) << kind;
    }
  }
  EXPECT_EQ(counted, launches);
}

TEST(OpenClBaseline, ConvolutionsOnOddShapes) {
  struct Case { Shape x, w; Ints strides, pads, dil; std::int64_t group; bool bias; };
  const Case cases[] = {
      {{1, 3, 7, 5}, {4, 3, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 1, true},
      {{1, 4, 9, 9}, {6, 2, 3, 3}, {2, 2}, {1, 0, 0, 1}, {1, 1}, 2, true},
      {{1, 6, 8, 7}, {6, 1, 3, 3}, {1, 2}, {1, 1, 1, 1}, {1, 1}, 6, false},
      {{1, 2, 11, 10}, {3, 2, 3, 3}, {1, 1}, {2, 2, 2, 2}, {2, 2}, 1, false},
      {{1, 5, 6, 6}, {7, 5, 1, 1}, {1, 1}, {0, 0, 0, 0}, {1, 1}, 1, true},
  };
  for (const auto& c : cases) {
    std::vector<std::pair<std::string, Shape>> weights{{"w", c.w}};
    if (c.bias) weights.push_back({"b", {c.w[0]}});
    Graph g = OneOp("Conv", {-1, c.x[1], c.x[2], c.x[3]},
                    {{"strides", c.strides}, {"pads", c.pads}, {"dilations", c.dil}, {"group", c.group}}, weights);
    ExpectMatchesReference(WithInferredShapes(g), 1);
    ExpectMatchesReference(WithInferredShapes(g), 3);
  }
  ExpectMatchesReference(WithInferredShapes(OneOp("Conv", {-1, 2, 6, 5}, {{"auto_pad", std::string("SAME_UPPER")}, {"strides", Ints{2, 2}}},
                                                  {{"w", {3, 2, 2, 2}}})), 2);
}

TEST(OpenClBaseline, GemmMatMulAndElementwise) {
  ExpectMatchesReference(OneOp("Gemm", {-1, 7}, {{"transB", std::int64_t{1}}, {"alpha", 0.5f}, {"beta", 2.0f}},
                               {{"w", {5, 7}}, {"c", {5}}}), 3);
  ExpectMatchesReference(OneOp("Gemm", {5, 3}, {{"transA", std::int64_t{1}}}, {{"w", {5, 4}}}), 5);
  ExpectMatchesReference(OneOp("MatMul", {-1, 4, 6}, {}, {{"w", {6, 5}}}), 3);
  ExpectMatchesReference(OneOp("MatMul", {2, 3, 4, 6}, {}, {{"w", {2, 3, 6, 5}}}), 2);
  ExpectMatchesReference(OneOp("Add", {-1, 3, 4}, {}, {{"c", {3, 1}}}), 2);
  ExpectMatchesReference(OneOp("Div", {-1, 5}, {}, {{"c", {5}}}), 3);
  ExpectMatchesReference(OneOp("Sub", {-1, 2, 3}, {}, {{"c", {1, 1, 3}}}), 2);
  for (const char* op : {"Relu", "Sigmoid", "Tanh", "LeakyRelu", "HardSigmoid", "HardSwish", "Erf", "Exp", "Neg"}) {
    ExpectMatchesReference(OneOp(op, {-1, 5, 3}, {}), 2);
  }
}

TEST(OpenClBaseline, PoolingAndNormalisation) {
  ExpectMatchesReference(OneOp("MaxPool", {-1, 2, 7, 6}, {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"ceil_mode", std::int64_t{1}}}), 3);
  ExpectMatchesReference(OneOp("AveragePool", {-1, 2, 5, 5}, {{"kernel_shape", Ints{3, 3}}, {"pads", Ints{1, 1, 1, 1}}}), 2);
  ExpectMatchesReference(OneOp("AveragePool", {-1, 2, 5, 5}, {{"kernel_shape", Ints{3, 3}}, {"pads", Ints{1, 1, 1, 1}}, {"count_include_pad", std::int64_t{1}}}), 2);
  ExpectMatchesReference(OneOp("GlobalAveragePool", {-1, 3, 5, 7}, {}), 2);
  ExpectMatchesReference(OneOp("Softmax", {-1, 3, 5}, {{"axis", std::int64_t{1}}}), 2);
  ExpectMatchesReference(OneOp("Softmax", {-1, 3, 5}, {{"axis", std::int64_t{1}}}, {}, 11), 2);
  ExpectMatchesReference(OneOp("LayerNormalization", {-1, 4, 200}, {}, {{"s", {200}}, {"b", {200}}}), 3);
  ExpectMatchesReference(OneOp("ReduceMean", {-1, 3, 4}, {{"axes", Ints{1}}, {"keepdims", std::int64_t{0}}}), 2);
}

TEST(OpenClBaseline, LayoutOps) {
  ExpectMatchesReference(OneOp("Transpose", {-1, 2, 3, 4}, {{"perm", Ints{0, 2, 3, 1}}}), 2);
  GraphBuilder b("layout", 5);
  const std::string x = b.Input("x", DataType::kFloat32, {2, 6, 5});
  const std::string c = b.Op("Concat", "cat", {x, b.Weight("w", {1, 6, 5}, -1, 1), x}, {{"axis", std::int64_t{0}}});
  b.Op("Split", "split", {c, b.Ints("sizes", {2, 4})}, {{"axis", std::int64_t{1}}}, 2);
  const std::string sl = b.Op("Slice", "slice", {"split:1", b.Ints("st", {-1}), b.Ints("en", {-6}), b.Ints("ax", {2}), b.Ints("sp", {-2})});
  const std::string pd = b.Op("Pad", "pad", {sl, b.Ints("pads", {0, 1, 2, 0, 2, 1})}, {{"mode", std::string("reflect")}});
  const std::string pe = b.Op("Pad", "pad_edge", {pd, b.Ints("pads2", {0, 0, 1, 0, 0, 1})}, {{"mode", std::string("edge")}});
  const std::string g = b.Op("Gather", "gather", {pe, b.Ints("idx", {-1, 0, 2})}, {{"axis", std::int64_t{2}}});
  const std::string ci = b.Op("Cast", "to_int", {g}, {{"to", std::int64_t{7}}});
  b.Op("Cast", "y", {ci}, {{"to", std::int64_t{1}}});
  b.Output("y", DataType::kFloat32, {});
  b.Output("split", DataType::kFloat32, {});
  ExpectMatchesReference(WithOutputShapes(b.Finish()), 2);
}

TEST(OpenClBaseline, ProgramBinariesAreCachedPerDeviceAndDriver) {
  const std::string dir = (std::filesystem::temp_directory_path() / ("jb-cache-test-" + std::to_string(::getpid()))).string();
  setenv("JOULEBENCH_CACHE_DIR", dir.c_str(), 1);
  const Graph g = WithInferredShapes(MakeBuiltinModel("mlp", {{"input", 8}, {"hidden", {4}}, {"output", 2}, {"seed", 1}}));
  OpenClBaselineEngine first(EngineConfig{}), second(EngineConfig{});
  first.Prepare(g, Precision::kFp32, 1);
  second.Prepare(g, Precision::kFp32, 1);
  EXPECT_FALSE(first.Describe()["program_from_cache"].get<bool>());  // a fresh cache folder: compiled
  EXPECT_TRUE(second.Describe()["program_from_cache"].get<bool>());  // loaded from the binary the first wrote
  EXPECT_FALSE(std::filesystem::is_empty(std::filesystem::path(dir) / "programs"));
  unsetenv("JOULEBENCH_CACHE_DIR");
  std::filesystem::remove_all(dir);
}

TEST(OpenClBaseline, BadRequestsAreClearErrors) {
  const Graph g = WithInferredShapes(MakeBuiltinModel("mlp", {{"input", 8}, {"hidden", {4}}, {"output", 2}, {"seed", 1}}));
  OpenClBaselineEngine fp16(EngineConfig{});
  EXPECT_THROW(fp16.Prepare(g, Precision::kFp16, 1), InputError);
  // A model too large for the device: one input tensor beyond the largest allocation.
  const Graph wide = WithInferredShapes(MakeBuiltinModel("mlp", {{"input", 1 << 20}, {"hidden", {1}}, {"output", 1}, {"seed", 1}}));
  OpenClBaselineEngine big(EngineConfig{});
  try {
    big.Prepare(wide, Precision::kFp32, 4096);  // a 16 GiB input
    FAIL() << "allocated 16 GiB";
  } catch (const EnvironmentError& e) {
    // Either our own check against CL_DEVICE_MAX_MEM_ALLOC_SIZE or the driver refusing the allocation: both say how.
    EXPECT_NE(std::string(e.what()).find("smaller batch"), std::string::npos) << e.what();
  }
  OpenClBaselineEngine missing(EngineConfig{"any", "", 99});
  try {
    missing.Prepare(g, Precision::kFp32, 1);
    FAIL() << "device 99 exists?";
  } catch (const EnvironmentError& e) {
    EXPECT_NE(std::string(e.what()).find("no OpenCL device matches type \"any\", platform \"\", index 99"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace joulebench
