// ONNX import/export with real files written by the onnx library: zoo round trips, external data, and the
// refusals (truncated files, wrong opsets, dynamic non-batch dimensions).
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <filesystem>
#include <fstream>

#include "engines/builtin_models.h"
#include "engines/compare.h"
#include "engines/onnx/onnx_model.h"
#include "engines/reference/reference_engine.h"
#include "harness/common/errors.h"
#include "temp_dir.h"

namespace joulebench {
namespace {

using testing::TempDir;

Graph SmallMobilenet() {
  return MakeBuiltinModel("mobilenetv2", {{"image", 32}, {"classes", 10}, {"seed", 4}});
}

onnx::ModelProto ReadProto(const std::string& path) {
  onnx::ModelProto m;
  std::ifstream in(path, std::ios::binary);
  m.ParseFromIstream(&in);
  return m;
}
void WriteProto(const onnx::ModelProto& m, const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  m.SerializeToOstream(&out);
}

std::string ExpectLoadError(const std::string& path) {
  try {
    LoadOnnx(path);
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "loaded " << path;
  return "";
}

TEST(Onnx, ZooModelRoundTripsWithIdenticalOutputs) {
  TempDir tmp;
  const Graph g = SmallMobilenet();
  SaveOnnx(g, tmp / "m.onnx", true, 0);
  const Graph loaded = LoadOnnx(tmp / "m.onnx");
  EXPECT_EQ(loaded.ParameterCount(), g.ParameterCount());
  EXPECT_EQ(loaded.nodes.size(), g.nodes.size());
  EXPECT_EQ(loaded.inputs[0].shape, (Shape{-1, 3, 32, 32}));  // dynamic batch
  EXPECT_EQ(loaded.opset, 17);
  EXPECT_GT(loaded.FlopsPerInference(), 0);
  const TensorMap inputs = MakeRandomInputs(g, 3, 5);
  auto run = [&](const Graph& graph) {
    ReferenceEngine e;
    e.Prepare(graph, Precision::kFp32, 3);
    e.Stage(inputs);
    e.Infer();
    return e.Outputs().at("output");
  };
  const TensorDiff d = CompareTensors(run(loaded), run(g));
  EXPECT_EQ(d.max_abs, 0.0);
  EXPECT_EQ(run(loaded).shape(), (Shape{3, 10}));
}

TEST(Onnx, FixedBatchIsWrittenAndEnforced) {
  TempDir tmp;
  SaveOnnx(SmallMobilenet(), tmp / "b8.onnx", false, 8);
  const Graph g = LoadOnnx(tmp / "b8.onnx");
  EXPECT_EQ(g.inputs[0].shape[0], 8);
  ReferenceEngine e;
  EXPECT_THROW(e.Prepare(g, Precision::kFp32, 4), InputError);
}

TEST(Onnx, ExternalDataIsLoadedAndItsAbsenceExplained) {
  TempDir tmp;
  SaveOnnx(SmallMobilenet(), tmp / "m.onnx", true, 0);
  onnx::ModelProto m = ReadProto(tmp / "m.onnx");
  // Move the classifier weights to an external file, as large models are saved.
  onnx::TensorProto* w = nullptr;
  for (auto& init : *m.mutable_graph()->mutable_initializer()) {
    if (init.name() == "classifier.weight") w = &init;
  }
  ASSERT_NE(w, nullptr);
  const std::string data = w->raw_data();
  std::ofstream(tmp / "weights.bin", std::ios::binary) << std::string(16, '\0') << data;
  w->clear_raw_data();
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto add = [&](const char* k, const std::string& v) {
    auto* e = w->add_external_data();
    e->set_key(k);
    e->set_value(v);
  };
  add("location", "weights.bin");
  add("offset", "16");
  add("length", std::to_string(data.size()));
  WriteProto(m, tmp / "ext.onnx");
  const Graph g = LoadOnnx(tmp / "ext.onnx");
  const Tensor& loaded = g.initializers.at("classifier.weight");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(loaded.raw()), loaded.bytes()), data);
  std::filesystem::remove(tmp / "weights.bin");
  EXPECT_NE(ExpectLoadError(tmp / "ext.onnx").find("external file"), std::string::npos);
}

TEST(Onnx, RefusesBrokenModelsWithTheReason) {
  TempDir tmp;
  SaveOnnx(SmallMobilenet(), tmp / "m.onnx", true, 0);
  std::ifstream in(tmp / "m.onnx", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(tmp / "truncated.onnx", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  EXPECT_NE(ExpectLoadError(tmp / "truncated.onnx").find("does not parse"), std::string::npos);
  std::ofstream(tmp / "text.onnx") << "this is not a protobuf";
  EXPECT_EQ(ExpectLoadError(tmp / "text.onnx").rfind(tmp / "text.onnx", 0), 0u);  // starts with the file's path
  EXPECT_NE(ExpectLoadError(tmp / "absent.onnx").find("cannot read"), std::string::npos);

  onnx::ModelProto old = ReadProto(tmp / "m.onnx");
  old.mutable_opset_import(0)->set_version(9);
  WriteProto(old, tmp / "opset9.onnx");
  EXPECT_NE(ExpectLoadError(tmp / "opset9.onnx").find("uses opset 9; joulebench reads opsets 11 to 17"),
            std::string::npos);

  onnx::ModelProto dyn = ReadProto(tmp / "m.onnx");
  dyn.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(2)
      ->set_dim_param("height");
  WriteProto(dyn, tmp / "dyn.onnx");
  EXPECT_NE(ExpectLoadError(tmp / "dyn.onnx").find("only dimension 0 (batch) may be dynamic"), std::string::npos);

  onnx::ModelProto broken = ReadProto(tmp / "m.onnx");
  broken.mutable_graph()->mutable_node(0)->set_input(0, "no_such_tensor");
  WriteProto(broken, tmp / "broken.onnx");
  EXPECT_NE(ExpectLoadError(tmp / "broken.onnx").find("fails the ONNX checker"), std::string::npos);
}

TEST(Onnx, TensorProtoFilesRoundTrip) {
  TempDir tmp;
  Tensor t(DataType::kInt64, {2, 3});
  for (int i = 0; i < 6; ++i) t.i64()[i] = i * 7 - 3;
  SaveTensorProto(t, "ids", tmp / "input_0.pb");
  std::string name;
  const Tensor back = LoadTensorProto(tmp / "input_0.pb", &name);
  EXPECT_EQ(name, "ids");
  EXPECT_EQ(back.shape(), t.shape());
  EXPECT_EQ(back.i64()[5], 32);
}

TEST(Onnx, ZooSizesMatchTheRealArchitectures) {
  const Graph r50 = WithInferredShapes(MakeBuiltinModel("resnet50", {{"image", 224}, {"classes", 1000}, {"seed", 1}}));
  // torchvision resnet50: 25,557,032 parameters + 53,120 BatchNorm running statistics (initializers in ONNX).
  EXPECT_EQ(r50.ParameterCount(), 25557032 + 53120);
  EXPECT_NEAR(r50.FlopsPerInference() / 2, 4.1e9, 0.05e9);  // ~4.1 GMAC per image
  const Graph bert = WithInferredShapes(MakeBuiltinModel(
      "bert-base", {{"layers", 12}, {"hidden", 768}, {"heads", 12}, {"intermediate", 3072}, {"sequence", 128},
                    {"vocab", 30522}, {"seed", 1}}));
  EXPECT_NEAR(bert.ParameterCount(), 108.9e6, 0.1e6);
  // Per layer 8 S H^2 + 4 S H F + 4 S^2 H FLOPs: 12 layers at S=128 is 22.3 GFLOP.
  EXPECT_NEAR(bert.FlopsPerInference(), 12 * (8.0 * 128 * 768 * 768 + 4.0 * 128 * 768 * 3072 + 4.0 * 128 * 128 * 768),
              0.01e9);
}

}  // namespace
}  // namespace joulebench
