// Reference data-movement and shape ops: Reshape, Flatten, Transpose, Concat, Split, Slice, Squeeze, Unsqueeze,
// Gather, Shape, Constant, ConstantOfShape, Identity, Dropout, Pad. Any element type (float32, int64, bool).
#include <algorithm>
#include <cstring>
#include <limits>

#include "engines/reference/ref_util.h"
#include "engines/reference/reference_ops.h"

namespace joulebench {
namespace {

using ref::Fail;
using ref::In;

Tensor ShapeTensor(const std::vector<std::int64_t>& v) {
  Tensor t(DataType::kInt64, {static_cast<std::int64_t>(v.size())});
  std::copy(v.begin(), v.end(), t.i64().begin());
  return t;
}

std::vector<Tensor> Reshape(const Node& n, const std::vector<const Tensor*>& in, int) {
  const Tensor& x = In(n, in, 0);
  auto shape = ref::Ints(In(n, in, 1));
  const bool allowzero = n.IntAttr("allowzero", 0) != 0;
  std::int64_t known = 1, infer = -1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0 && !allowzero) {
      if (i >= x.shape().size()) Fail(n, "0 in shape refers to a missing input dimension");
      shape[i] = x.shape()[i];
    }
    if (shape[i] == -1) {
      if (infer >= 0) Fail(n, "more than one -1 in shape");
      infer = static_cast<std::int64_t>(i);
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || x.size() % known != 0) Fail(n, fmt::format("cannot infer -1 reshaping {}", ShapeToString(x.shape())));
    shape[static_cast<std::size_t>(infer)] = x.size() / known;
  }
  if (ElementCount(shape) != x.size()) {
    Fail(n, fmt::format("cannot reshape {} into {}", ShapeToString(x.shape()), ShapeToString(shape)));
  }
  return {x.Reshaped(shape)};
}

std::vector<Tensor> Flatten(const Node& n, const std::vector<const Tensor*>& in, int) {
  const Tensor& x = In(n, in, 0);
  const std::int64_t rank = static_cast<std::int64_t>(x.shape().size());
  std::int64_t axis = n.IntAttr("axis", 1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis > rank) Fail(n, "axis out of range");
  std::int64_t outer = 1;
  for (std::int64_t d = 0; d < axis; ++d) outer *= x.shape()[d];
  return {x.Reshaped({outer, x.size() / std::max<std::int64_t>(outer, 1)})};
}

std::vector<Tensor> Transpose(const Node& n, const std::vector<const Tensor*>& in, int) {
  const Tensor& x = In(n, in, 0);
  const std::size_t rank = x.shape().size();
  std::vector<std::int64_t> perm = n.IntsAttr("perm");
  if (perm.empty()) {
    for (std::size_t i = 0; i < rank; ++i) perm.push_back(static_cast<std::int64_t>(rank - 1 - i));
  }
  if (perm.size() != rank) Fail(n, "perm length differs from the input rank");
  Shape out(rank);
  for (std::size_t i = 0; i < rank; ++i) out[i] = x.shape()[static_cast<std::size_t>(perm[i])];
  Tensor y(x.type(), out);
  const auto in_st = ref::Strides(x.shape());
  const std::size_t es = DataTypeSize(x.type());
  std::vector<std::int64_t> idx(rank, 0);
  for (std::int64_t e = 0; e < y.size(); ++e) {
    std::int64_t src = 0;
    for (std::size_t d = 0; d < rank; ++d) src += idx[d] * in_st[static_cast<std::size_t>(perm[d])];
    std::memcpy(y.raw() + e * es, x.raw() + src * es, es);
    for (std::int64_t d = static_cast<std::int64_t>(rank) - 1; d >= 0; --d) {
      if (++idx[d] < out[d]) break;
      idx[d] = 0;
    }
  }
  return {std::move(y)};
}

std::vector<Tensor> Concat(const Node& n, const std::vector<const Tensor*>& in, int) {
  const Tensor& first = In(n, in, 0);
  const std::int64_t rank = static_cast<std::int64_t>(first.shape().size());
  const std::int64_t axis = ref::Axis(n, n.IntAttr("axis", 0), rank);
  Shape out = first.shape();
  out[axis] = 0;
  for (const Tensor* t : in) {
    if (!t) continue;
    if (t->type() != first.type() || static_cast<std::int64_t>(t->shape().size()) != rank) {
      Fail(n, "inputs differ in type or rank");
    }
    out[axis] += t->shape()[axis];
  }
  Tensor y(first.type(), out);
  std::int64_t outer = 1;
  for (std::int64_t d = 0; d < axis; ++d) outer *= out[d];
  const std::size_t es = DataTypeSize(first.type());
  const std::int64_t out_row = y.size() / std::max<std::int64_t>(outer, 1);
  std::int64_t col = 0;
  for (const Tensor* t : in) {
    if (!t) continue;
    const std::int64_t row = t->size() / std::max<std::int64_t>(outer, 1);
    for (std::int64_t o = 0; o < outer; ++o) {
      std::memcpy(y.raw() + (o * out_row + col) * es, t->raw() + o * row * es, row * es);
    }
    col += row;
  }
  return {std::move(y)};
}

// Copies the slab [begin, begin + len) of `axis` with step `step` (len elements) out of x.
Tensor SliceAxis(const Tensor& x, std::int64_t axis, std::int64_t begin, std::int64_t len, std::int64_t step) {
  Shape out = x.shape();
  out[axis] = len;
  Tensor y(x.type(), out);
  std::int64_t outer = 1, inner = 1;
  for (std::int64_t d = 0; d < axis; ++d) outer *= x.shape()[d];
  for (std::size_t d = static_cast<std::size_t>(axis) + 1; d < x.shape().size(); ++d) inner *= x.shape()[d];
  const std::size_t es = DataTypeSize(x.type());
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::int64_t i = 0; i < len; ++i) {
      const std::int64_t src = (o * x.shape()[axis] + begin + i * step) * inner;
      std::memcpy(y.raw() + (o * len + i) * inner * es, x.raw() + src * es, inner * es);
    }
  }
  return y;
}

std::vector<Tensor> Split(const Node& n, const std::vector<const Tensor*>& in, int opset) {
  const Tensor& x = In(n, in, 0);
  const std::int64_t axis = ref::Axis(n, n.IntAttr("axis", 0), static_cast<std::int64_t>(x.shape().size()));
  std::vector<std::int64_t> sizes = opset >= 13 ? (ref::Opt(in, 1) ? ref::Ints(*in[1]) : std::vector<std::int64_t>{})
                                                : n.IntsAttr("split");
  const std::int64_t parts = static_cast<std::int64_t>(n.outputs.size());
  if (sizes.empty()) {
    if (x.shape()[axis] % parts != 0) Fail(n, fmt::format("dimension {} does not split into {} equal parts", x.shape()[axis], parts));
    sizes.assign(static_cast<std::size_t>(parts), x.shape()[axis] / parts);
  }
  std::vector<Tensor> out;
  std::int64_t begin = 0;
  for (auto s : sizes) {
    out.push_back(SliceAxis(x, axis, begin, s, 1));
    begin += s;
  }
  if (begin != x.shape()[axis]) Fail(n, "split sizes do not add up to the dimension");
  return out;
}

std::vector<Tensor> Slice(const Node& n, const std::vector<const Tensor*>& in, int) {
  Tensor x = In(n, in, 0);
  const auto starts = ref::Ints(In(n, in, 1)), ends = ref::Ints(In(n, in, 2));
  const std::int64_t rank = static_cast<std::int64_t>(x.shape().size());
  std::vector<std::int64_t> axes, steps;
  if (const Tensor* a = ref::Opt(in, 3)) axes = ref::Ints(*a);
  if (const Tensor* s = ref::Opt(in, 4)) steps = ref::Ints(*s);
  if (axes.empty()) {
    for (std::size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<std::int64_t>(i));
  }
  if (steps.empty()) steps.assign(starts.size(), 1);
  for (std::size_t i = 0; i < starts.size(); ++i) {
    const std::int64_t axis = ref::Axis(n, axes[i], rank), dim = x.shape()[axis], step = steps[i];
    if (step == 0) Fail(n, "step 0");
    auto clamp = [&](std::int64_t v, bool is_end) {
      if (v < 0) v += dim;
      return step > 0 ? std::clamp<std::int64_t>(v, 0, dim) : std::clamp<std::int64_t>(v, -1, dim - 1);
      (void)is_end;
    };
    const std::int64_t s = clamp(starts[i], false), e = clamp(ends[i], true);
    const std::int64_t len = step > 0 ? std::max<std::int64_t>(0, (e - s + step - 1) / step)
                                      : std::max<std::int64_t>(0, (s - e + (-step) - 1) / (-step));
    x = SliceAxis(x, axis, s, len, step);
  }
  return {std::move(x)};
}

std::vector<Tensor> Squeeze(const Node& n, const std::vector<const Tensor*>& in, int opset) {
  const Tensor& x = In(n, in, 0);
  const std::int64_t rank = static_cast<std::int64_t>(x.shape().size());
  std::vector<std::int64_t> axes = opset >= 13 ? (ref::Opt(in, 1) ? ref::Ints(*in[1]) : std::vector<std::int64_t>{})
                                                : n.IntsAttr("axes");
  std::vector<bool> drop(static_cast<std::size_t>(rank), false);
  for (auto a : axes) {
    const auto d = ref::Axis(n, a, rank);
    if (x.shape()[d] != 1) Fail(n, fmt::format("cannot squeeze axis {} of size {}", a, x.shape()[d]));
    drop[static_cast<std::size_t>(d)] = true;
  }
  Shape out;
  for (std::int64_t d = 0; d < rank; ++d) {
    if (axes.empty() ? x.shape()[d] != 1 : !drop[static_cast<std::size_t>(d)]) out.push_back(x.shape()[d]);
  }
  return {x.Reshaped(out)};
}

std::vector<Tensor> Unsqueeze(const Node& n, const std::vector<const Tensor*>& in, int opset) {
  const Tensor& x = In(n, in, 0);
  const std::vector<std::int64_t> axes = opset >= 13 ? ref::Ints(In(n, in, 1)) : n.IntsAttr("axes");
  const std::int64_t rank = static_cast<std::int64_t>(x.shape().size() + axes.size());
  std::vector<bool> add(static_cast<std::size_t>(rank), false);
  for (auto a : axes) add[static_cast<std::size_t>(ref::Axis(n, a, rank))] = true;
  Shape out;
  std::size_t src = 0;
  for (std::int64_t d = 0; d < rank; ++d) out.push_back(add[static_cast<std::size_t>(d)] ? 1 : x.shape()[src++]);
  return {x.Reshaped(out)};
}

std::vector<Tensor> Gather(const Node& n, const std::vector<const Tensor*>& in, int) {
  const Tensor& x = In(n, in, 0);
  const Tensor& idx = In(n, in, 1);
  const std::int64_t rank = static_cast<std::int64_t>(x.shape().size());
  const std::int64_t axis = ref::Axis(n, n.IntAttr("axis", 0), rank);
  Shape out(x.shape().begin(), x.shape().begin() + axis);
  out.insert(out.end(), idx.shape().begin(), idx.shape().end());
  out.insert(out.end(), x.shape().begin() + axis + 1, x.shape().end());
  Tensor y(x.type(), out);
  std::int64_t outer = 1, inner = 1;
  for (std::int64_t d = 0; d < axis; ++d) outer *= x.shape()[d];
  for (std::int64_t d = axis + 1; d < rank; ++d) inner *= x.shape()[d];
  const std::int64_t dim = x.shape()[axis], ni = idx.size();
  const std::size_t es = DataTypeSize(x.type());
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::int64_t i = 0; i < ni; ++i) {
      std::int64_t k = idx.AsInt(i);
      if (k < 0) k += dim;
      if (k < 0 || k >= dim) Fail(n, fmt::format("index {} out of range [0, {})", idx.AsInt(i), dim));
      std::memcpy(y.raw() + ((o * ni + i) * inner) * es, x.raw() + ((o * dim + k) * inner) * es, inner * es);
    }
  }
  return {std::move(y)};
}

std::vector<Tensor> ShapeOp(const Node& n, const std::vector<const Tensor*>& in, int) {
  const Tensor& x = In(n, in, 0);
  const std::int64_t rank = static_cast<std::int64_t>(x.shape().size());
  std::int64_t start = n.IntAttr("start", 0), end = n.IntAttr("end", rank);
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<std::int64_t>(start, 0, rank);
  end = std::clamp<std::int64_t>(end, start, rank);
  return {ShapeTensor(std::vector<std::int64_t>(x.shape().begin() + start, x.shape().begin() + end))};
}

std::vector<Tensor> Constant(const Node& n, const std::vector<const Tensor*>&, int) {
  if (const Tensor* t = n.TensorAttr("value")) return {*t};
  if (n.Has("value_float")) {
    Tensor t(DataType::kFloat32, {});
    t.f32()[0] = n.FloatAttr("value_float", 0);
    return {t};
  }
  if (n.Has("value_int")) {
    Tensor t(DataType::kInt64, {});
    t.i64()[0] = n.IntAttr("value_int", 0);
    return {t};
  }
  if (n.Has("value_ints")) return {ShapeTensor(n.IntsAttr("value_ints"))};
  Fail(n, "needs a value, value_float, value_int or value_ints attribute");
}

std::vector<Tensor> ConstantOfShape(const Node& n, const std::vector<const Tensor*>& in, int) {
  const auto shape = ref::Ints(In(n, in, 0));
  const Tensor* value = n.TensorAttr("value");
  Tensor y(value ? value->type() : DataType::kFloat32, shape);
  const std::size_t es = DataTypeSize(y.type());
  for (std::int64_t i = 0; value && i < y.size(); ++i) std::memcpy(y.raw() + i * es, value->raw(), es);
  return {std::move(y)};
}

std::vector<Tensor> Identity(const Node& n, const std::vector<const Tensor*>& in, int) {
  std::vector<Tensor> out{In(n, in, 0)};
  if (n.op_type == "Dropout" && n.outputs.size() > 1) {  // inference: mask of ones
    Tensor mask(DataType::kBool, in[0]->shape());
    std::fill(mask.b8().begin(), mask.b8().end(), 1);
    out.push_back(std::move(mask));
  }
  return out;
}

std::vector<Tensor> Pad(const Node& n, const std::vector<const Tensor*>& in, int opset) {
  const Tensor& x = In(n, in, 0);
  const std::int64_t rank = static_cast<std::int64_t>(x.shape().size());
  const auto pads = opset >= 11 ? ref::Ints(In(n, in, 1)) : n.IntsAttr("pads");
  if (static_cast<std::int64_t>(pads.size()) != 2 * rank) Fail(n, "pads must have 2 x rank entries");
  double value = opset >= 11 ? (ref::Opt(in, 2) ? in[2]->AsDouble(0) : 0.0) : n.FloatAttr("value", 0);
  const std::string mode = n.StringAttr("mode", "constant");
  if (mode != "constant" && mode != "edge" && mode != "reflect") Fail(n, "unknown mode " + mode);
  Shape out(static_cast<std::size_t>(rank));
  for (std::int64_t d = 0; d < rank; ++d) out[d] = x.shape()[d] + pads[d] + pads[d + rank];
  Tensor y(x.type(), out);
  const auto in_st = ref::Strides(x.shape());
  const std::size_t es = DataTypeSize(x.type());
  std::vector<std::int64_t> idx(static_cast<std::size_t>(rank), 0);
  for (std::int64_t e = 0; e < y.size(); ++e) {
    std::int64_t src = 0;
    bool outside = false;
    for (std::int64_t d = 0; d < rank; ++d) {
      std::int64_t i = idx[d] - pads[d];
      const std::int64_t dim = x.shape()[d];
      if (i < 0 || i >= dim) {
        if (mode == "constant") {
          outside = true;
        } else if (mode == "edge") {
          i = std::clamp<std::int64_t>(i, 0, dim - 1);
        } else {
          if (dim == 1) i = 0;
          while (i < 0 || i >= dim) i = i < 0 ? -i : 2 * (dim - 1) - i;
        }
      }
      src += i * in_st[d];
    }
    if (outside) {
      if (y.type() == DataType::kFloat32) y.f32()[e] = static_cast<float>(value);
      if (y.type() == DataType::kInt64) y.i64()[e] = static_cast<std::int64_t>(value);
      if (y.type() == DataType::kBool) y.b8()[e] = value != 0;
    } else {
      std::memcpy(y.raw() + e * es, x.raw() + src * es, es);
    }
    for (std::int64_t d = rank - 1; d >= 0; --d) {
      if (++idx[d] < out[d]) break;
      idx[d] = 0;
    }
  }
  return {std::move(y)};
}

}  // namespace

void RegisterShapeOps(ReferenceOpTable& t) {
  t["Reshape"] = &Reshape;
  t["Flatten"] = &Flatten;
  t["Transpose"] = &Transpose;
  t["Concat"] = &Concat;
  t["Split"] = &Split;
  t["Slice"] = &Slice;
  t["Squeeze"] = &Squeeze;
  t["Unsqueeze"] = &Unsqueeze;
  t["Gather"] = &Gather;
  t["Shape"] = &ShapeOp;
  t["Constant"] = &Constant;
  t["ConstantOfShape"] = &ConstantOfShape;
  t["Identity"] = &Identity;
  t["Dropout"] = &Identity;
  t["Pad"] = &Pad;
}

}  // namespace joulebench
