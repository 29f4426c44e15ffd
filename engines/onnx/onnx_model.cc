// ONNX <-> graph IR conversion with libonnx (protobuf messages, checker, shape inference).
#include "engines/onnx/onnx_model.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "harness/common/errors.h"

namespace joulebench {
namespace {
namespace fs = std::filesystem;

[[noreturn]] void Bad(const std::string& path, const std::string& what) {
  throw InputError(fmt::format("{}: {}", path, what));
}

DataType FromOnnxType(int t, const std::string& path, const std::string& what) {
  switch (t) {
    case onnx::TensorProto::FLOAT: return DataType::kFloat32;
    case onnx::TensorProto::INT64: return DataType::kInt64;
    case onnx::TensorProto::INT32: return DataType::kInt64;  // widened
    case onnx::TensorProto::BOOL: return DataType::kBool;
  }
  Bad(path, fmt::format("{} has ONNX element type {} ({}); joulebench handles float, int32, int64 and bool", what, t,
                        onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(t))));
}

int ToOnnxType(DataType t) {
  switch (t) {
    case DataType::kFloat32: return onnx::TensorProto::FLOAT;
    case DataType::kInt64: return onnx::TensorProto::INT64;
    case DataType::kBool: return onnx::TensorProto::BOOL;
  }
  return 0;
}

Tensor FromProto(const onnx::TensorProto& p, const std::string& path) {
  Shape shape(p.dims().begin(), p.dims().end());
  const DataType type = FromOnnxType(p.data_type(), path, "tensor '" + p.name() + "'");
  Tensor t(type, shape);
  const std::int64_t n = t.size();
  auto size_error = [&](std::int64_t have) {
    Bad(path, fmt::format("tensor '{}' declares {} elements but holds {}", p.name(), n, have));
  };
  if (p.has_raw_data()) {
    const std::string& raw = p.raw_data();
    if (p.data_type() == onnx::TensorProto::INT32) {
      if (static_cast<std::int64_t>(raw.size()) != n * 4) size_error(static_cast<std::int64_t>(raw.size()) / 4);
      for (std::int64_t i = 0; i < n; ++i) {
        std::int32_t v;
        std::memcpy(&v, raw.data() + i * 4, 4);
        t.i64()[i] = v;
      }
    } else {
      if (raw.size() != t.bytes()) size_error(static_cast<std::int64_t>(raw.size() / DataTypeSize(type)));
      std::memcpy(t.raw(), raw.data(), raw.size());
    }
  } else if (type == DataType::kFloat32) {
    if (p.float_data_size() != n) size_error(p.float_data_size());
    std::copy(p.float_data().begin(), p.float_data().end(), t.f32().begin());
  } else if (p.data_type() == onnx::TensorProto::INT64) {
    if (p.int64_data_size() != n) size_error(p.int64_data_size());
    std::copy(p.int64_data().begin(), p.int64_data().end(), t.i64().begin());
  } else {  // int32 and bool live in int32_data
    if (p.int32_data_size() != n) size_error(p.int32_data_size());
    for (std::int64_t i = 0; i < n; ++i) {
      if (type == DataType::kBool) {
        t.b8()[i] = p.int32_data(static_cast<int>(i)) != 0;
      } else {
        t.i64()[i] = p.int32_data(static_cast<int>(i));
      }
    }
  }
  return t;
}

void ToProto(const Tensor& t, const std::string& name, onnx::TensorProto* p) {
  p->set_name(name);
  p->set_data_type(ToOnnxType(t.type()));
  for (auto d : t.shape()) p->add_dims(d);
  p->set_raw_data(std::string(reinterpret_cast<const char*>(t.raw()), t.bytes()));
}

// Moves external data (location/offset/length relative to the model's folder) into raw_data.
void InlineExternalData(onnx::TensorProto* p, const fs::path& dir, const std::string& path) {
  if (p->data_location() != onnx::TensorProto::EXTERNAL) return;
  std::string location;
  std::int64_t offset = 0, length = -1;
  for (const auto& kv : p->external_data()) {
    if (kv.key() == "location") location = kv.value();
    if (kv.key() == "offset") offset = std::stoll(kv.value());
    if (kv.key() == "length") length = std::stoll(kv.value());
  }
  const fs::path file = dir / location;
  std::ifstream in(file, std::ios::binary);
  if (location.empty() || !in) {
    Bad(path, fmt::format("tensor '{}' keeps its data in external file '{}', which cannot be read (it must sit next "
                          "to the model)",
                          p->name(), file.string()));
  }
  in.seekg(0, std::ios::end);
  const std::int64_t file_size = in.tellg();
  if (length < 0) length = file_size - offset;
  if (offset + length > file_size) {
    Bad(path, fmt::format("external data of '{}' ends at byte {} but '{}' has only {} bytes (truncated?)", p->name(),
                          offset + length, file.string(), file_size));
  }
  std::string data(static_cast<std::size_t>(length), '\0');
  in.seekg(offset);
  in.read(data.data(), length);
  p->set_raw_data(std::move(data));
  p->clear_external_data();
  p->set_data_location(onnx::TensorProto::DEFAULT);
}

Shape ShapeOf(const onnx::TypeProto& type) {
  Shape s;
  if (!type.has_tensor_type() || !type.tensor_type().has_shape()) return s;
  for (const auto& d : type.tensor_type().shape().dim()) s.push_back(d.has_dim_value() ? d.dim_value() : -1);
  return s;
}

TensorInfo InfoOf(const onnx::ValueInfoProto& v, const std::string& path) {
  TensorInfo info;
  info.name = v.name();
  info.type = FromOnnxType(v.type().tensor_type().elem_type(), path, "graph input/output '" + v.name() + "'");
  info.shape = ShapeOf(v.type());
  return info;
}

Attribute FromAttribute(const onnx::AttributeProto& a, const std::string& path) {
  switch (a.type()) {
    case onnx::AttributeProto::INT: return a.i();
    case onnx::AttributeProto::FLOAT: return a.f();
    case onnx::AttributeProto::STRING: return a.s();
    case onnx::AttributeProto::INTS: return std::vector<std::int64_t>(a.ints().begin(), a.ints().end());
    case onnx::AttributeProto::FLOATS: return std::vector<float>(a.floats().begin(), a.floats().end());
    case onnx::AttributeProto::TENSOR: return FromProto(a.t(), path);
    default: return std::string("<unsupported attribute type>");
  }
}

void ToAttribute(const std::string& name, const Attribute& v, onnx::AttributeProto* a) {
  a->set_name(name);
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::int64_t>) {
          a->set_type(onnx::AttributeProto::INT);
          a->set_i(x);
        } else if constexpr (std::is_same_v<T, float>) {
          a->set_type(onnx::AttributeProto::FLOAT);
          a->set_f(x);
        } else if constexpr (std::is_same_v<T, std::string>) {
          a->set_type(onnx::AttributeProto::STRING);
          a->set_s(x);
        } else if constexpr (std::is_same_v<T, std::vector<std::int64_t>>) {
          a->set_type(onnx::AttributeProto::INTS);
          for (auto i : x) a->add_ints(i);
        } else if constexpr (std::is_same_v<T, std::vector<float>>) {
          a->set_type(onnx::AttributeProto::FLOATS);
          for (auto f : x) a->add_floats(f);
        } else {
          a->set_type(onnx::AttributeProto::TENSOR);
          ToProto(x, "", a->mutable_t());
        }
      },
      v);
}

}  // namespace

namespace {

void ReadInterface(const onnx::GraphProto& gp, const std::string& path, Graph& g);

// Checks the model and infers shapes (with data propagation); a failure names `path`.
void CheckAndInfer(onnx::ModelProto& model, const std::string& path) {
  try {
    onnx::checker::check_model(model);
    // Data propagation lets shapes flow through exporter-style shape subgraphs (Shape -> Gather -> Concat).
    onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), onnx::ShapeInferenceOptions(false, 0, true));
  } catch (const std::exception& e) {
    Bad(path, fmt::format("fails the ONNX checker: {}", e.what()));
  }
}

Graph ModelToGraph(onnx::ModelProto& model, const std::string& path) {
  int opset = -1;
  for (const auto& o : model.opset_import()) {
    if (o.domain().empty() || o.domain() == "ai.onnx") opset = static_cast<int>(o.version());
  }
  if (opset < kMinOpset || opset > kMaxOpset) {
    Bad(path, fmt::format("uses opset {}; joulebench reads opsets {} to {} (convert it with "
                          "onnx.version_converter.convert_version)",
                          opset, kMinOpset, kMaxOpset));
  }
  CheckAndInfer(model, path);
  const onnx::GraphProto& gp = model.graph();
  Graph g;
  g.name = gp.name().empty() ? fs::path(path).stem().string() : gp.name();
  g.source = path;
  g.opset = opset;
  for (const auto& init : gp.initializer()) g.initializers.emplace(init.name(), FromProto(init, path));
  ReadInterface(gp, path, g);
  int index = 0;
  for (const auto& np : gp.node()) {
    Node n;
    n.op_type = np.domain().empty() || np.domain() == "ai.onnx" ? np.op_type() : np.domain() + "::" + np.op_type();
    n.name = np.name().empty() ? fmt::format("{}_{}", np.op_type(), index) : np.name();
    n.inputs.assign(np.input().begin(), np.input().end());
    n.outputs.assign(np.output().begin(), np.output().end());
    for (const auto& a : np.attribute()) n.attributes[a.name()] = FromAttribute(a, path);
    g.nodes.push_back(std::move(n));
    ++index;
  }
  return g;
}

// Inputs (those that are not initializers), outputs and inferred value shapes of `gp` into `g`.
void ReadInterface(const onnx::GraphProto& gp, const std::string& path, Graph& g) {
  g.inputs.clear();
  g.outputs.clear();
  g.value_shapes.clear();
  for (const auto& v : gp.input()) {
    if (g.initializers.count(v.name())) continue;
    TensorInfo info = InfoOf(v, path);
    for (std::size_t d = 1; d < info.shape.size(); ++d) {
      if (info.shape[d] < 0) {
        Bad(path, fmt::format("input '{}' has a dynamic dimension {} ({}); only dimension 0 (batch) may be dynamic: "
                              "export it with fixed sizes, e.g. sequence length",
                              v.name(), d, ShapeToString(info.shape)));
      }
    }
    g.inputs.push_back(info);
  }
  for (const auto& v : gp.output()) g.outputs.push_back(InfoOf(v, path));
  for (const auto& v : gp.value_info()) g.value_shapes[v.name()] = ShapeOf(v.type());
  for (const auto& v : gp.output()) g.value_shapes[v.name()] = ShapeOf(v.type());
}

// With `weights` false, float initializers of more than kShapeOnlyElements elements enter the model as graph inputs
// of their shape (no data): enough for checking and shape inference, which read only small tensors' values.
constexpr std::int64_t kShapeOnlyElements = 1024;

onnx::ModelProto GraphToModel(const Graph& g, bool dynamic_batch, std::int64_t batch, bool weights = true) {
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("joulebench");
  auto* op = model.add_opset_import();
  op->set_domain("");
  op->set_version(g.opset);
  onnx::GraphProto* gp = model.mutable_graph();
  gp->set_name(g.name);
  auto add_info = [&](const TensorInfo& info, onnx::ValueInfoProto* v) {
    v->set_name(info.name);
    auto* tt = v->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(ToOnnxType(info.type));
    auto* shape = tt->mutable_shape();
    for (auto d : info.shape) {
      auto* dim = shape->add_dim();
      if (d >= 0) {
        dim->set_dim_value(d);
      } else if (dynamic_batch) {
        dim->set_dim_param("batch");
      } else {
        dim->set_dim_value(batch);
      }
    }
  };
  for (const auto& in : g.inputs) add_info(in, gp->add_input());
  for (const auto& out : g.outputs) add_info(out, gp->add_output());
  for (const auto& [name, t] : g.initializers) {
    if (weights || t.type() != DataType::kFloat32 || t.size() <= kShapeOnlyElements) {
      ToProto(t, name, gp->add_initializer());
    } else {
      add_info(TensorInfo{name, t.type(), t.shape()}, gp->add_input());
    }
  }
  for (const auto& n : g.nodes) {
    auto* np = gp->add_node();
    np->set_op_type(n.op_type);
    np->set_name(n.name);
    for (const auto& i : n.inputs) np->add_input(i);
    for (const auto& o : n.outputs) np->add_output(o);
    for (const auto& [k, v] : n.attributes) ToAttribute(k, v, np->add_attribute());
  }
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    throw std::logic_error(fmt::format("SaveOnnx: generated model '{}' fails the checker: {}", g.name, e.what()));
  }
  return model;
}

}  // namespace

Graph LoadOnnx(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Bad(path, "cannot read the model file");
  onnx::ModelProto model;
  if (!model.ParseFromIstream(&in)) {
    Bad(path, "not a valid ONNX model (the protobuf does not parse: truncated or not ONNX); re-export it, or check "
              "it with python -c 'import onnx; onnx.checker.check_model(\"FILE\")'");
  }
  if (!model.has_graph()) Bad(path, "the model has no graph (not an ONNX model?)");
  const fs::path dir = fs::path(path).parent_path();
  for (auto& init : *model.mutable_graph()->mutable_initializer()) InlineExternalData(&init, dir, path);
  return ModelToGraph(model, path);
}

Graph WithInferredShapes(const Graph& graph, std::int64_t batch) {
  // The weights stay out of the protobuf round trip (shapes only): on ResNet-50 that saves copying 100 MB into the
  // model and back on every Prepare, a third of a plan-cache hit.
  onnx::ModelProto model = GraphToModel(graph, batch <= 0, batch, /*weights=*/false);
  CheckAndInfer(model, graph.source);
  Graph g = graph;
  ReadInterface(model.graph(), graph.source, g);
  return g;
}

void SaveOnnx(const Graph& g, const std::string& path, bool dynamic_batch, std::int64_t batch) {
  const onnx::ModelProto model = GraphToModel(g, dynamic_batch, batch);
  std::ofstream out(path, std::ios::binary);
  if (!out || !model.SerializeToOstream(&out)) throw InputError(fmt::format("{}: cannot write the model", path));
}

Tensor LoadTensorProto(const std::string& path, std::string* name) {
  std::ifstream in(path, std::ios::binary);
  onnx::TensorProto p;
  if (!in || !p.ParseFromIstream(&in)) Bad(path, "not a readable ONNX TensorProto (.pb) file");
  if (name) *name = p.name();
  return FromProto(p, path);
}

void SaveTensorProto(const Tensor& tensor, const std::string& name, const std::string& path) {
  onnx::TensorProto p;
  ToProto(tensor, name, &p);
  std::ofstream out(path, std::ios::binary);
  if (!out || !p.SerializeToOstream(&out)) throw InputError(fmt::format("{}: cannot write", path));
}

}  // namespace joulebench
