// The reference engine against a runtime we did not write: outputs of ONNX Runtime 1.30 (CPU) for each zoo model,
// recorded on the reference GPU machine by harness/scripts/ort_fixtures.py into tests/fixtures/ort/NAME/
// (model.json: zoo parameters and batch; input_0.pb, output_0.pb). The zoo model is regenerated from its seed here.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "engines/builtin_models.h"
#include "engines/compare.h"
#include "engines/onnx/onnx_model.h"
#include "engines/reference/reference_engine.h"
#include "harness/scenario.h"
#include "test_paths.h"

namespace joulebench {
namespace {

namespace fs = std::filesystem;

TEST(ZooVsOnnxRuntime, ReferenceEngineMatchesRecordedOutputs) {
  const fs::path dir = fs::path(testing::kSourceDir) / "tests" / "fixtures" / "ort";
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_directory()) continue;  // README.md
    SCOPED_TRACE(entry.path().string());
    std::ifstream in(entry.path() / "model.json");
    const auto meta = nlohmann::json::parse(in);
    const std::string name = meta.at("model");
    const Graph g = WithInferredShapes(MakeBuiltinModel(name, ResolveModelParams(name, meta.at("params"), "fixture")));
    const std::int64_t batch = meta.at("batch");
    TensorMap inputs{{g.inputs[0].name, LoadTensorProto((entry.path() / "input_0.pb").string())}};
    const Tensor expected = LoadTensorProto((entry.path() / "output_0.pb").string());
    ReferenceEngine e;
    e.Prepare(g, Precision::kFp32, batch);
    e.Stage(inputs);
    e.Infer();
    const TensorDiff d = CompareTensors(e.Outputs().at(g.outputs[0].name), expected);
    EXPECT_TRUE(d.shape_error.empty()) << d.shape_error;
    EXPECT_LT(d.nmse, 1e-9) << name << " max abs " << d.max_abs;
    EXPECT_GT(d.cosine, 0.999999);
    ++checked;
  }
  EXPECT_EQ(checked, 4);
}

}  // namespace
}  // namespace joulebench
