// Helpers shared by the reference ops: errors naming the node, axis normalisation, numpy-style broadcasting.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "engines/graph.h"
#include "harness/common/errors.h"

namespace joulebench::ref {

[[noreturn]] inline void Fail(const Node& node, const std::string& what) {
  throw InputError(fmt::format("{} node '{}': {}", node.op_type, node.name, what));
}

inline const Tensor& In(const Node& node, const std::vector<const Tensor*>& in, std::size_t i) {
  if (i >= in.size() || !in[i]) Fail(node, fmt::format("input {} is required", i));
  return *in[i];
}

inline const Tensor* Opt(const std::vector<const Tensor*>& in, std::size_t i) {
  return i < in.size() ? in[i] : nullptr;
}

inline std::int64_t Axis(const Node& node, std::int64_t axis, std::int64_t rank) {
  const std::int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) Fail(node, fmt::format("axis {} out of range for rank {}", axis, rank));
  return a;
}

inline std::vector<std::int64_t> Ints(const Tensor& t) {
  std::vector<std::int64_t> v;
  for (std::int64_t i = 0; i < t.size(); ++i) v.push_back(t.AsInt(i));
  return v;
}

inline std::vector<std::int64_t> Strides(const Shape& s) {
  std::vector<std::int64_t> st(s.size(), 1);
  for (std::int64_t i = static_cast<std::int64_t>(s.size()) - 2; i >= 0; --i) st[i] = st[i + 1] * s[i + 1];
  return st;
}

inline Shape Broadcast(const Node& node, const std::vector<Shape>& shapes) {
  std::size_t rank = 0;
  for (const auto& s : shapes) rank = std::max(rank, s.size());
  Shape out(rank, 1);
  for (const auto& s : shapes) {
    for (std::size_t i = 0; i < s.size(); ++i) {
      const std::size_t o = rank - s.size() + i;
      if (s[i] == out[o] || s[i] == 1) continue;
      if (out[o] == 1) {
        out[o] = s[i];
        continue;
      }
      Fail(node, fmt::format("shapes do not broadcast ({} against {})", ShapeToString(s), ShapeToString(out)));
    }
  }
  return out;
}

// For each input, the element offset for every output element (broadcast strides are 0).
inline std::vector<std::vector<std::int64_t>> BroadcastOffsets(const Shape& out, const std::vector<Shape>& ins) {
  const std::int64_t n = ElementCount(out);
  std::vector<std::vector<std::int64_t>> offsets(ins.size(), std::vector<std::int64_t>(static_cast<std::size_t>(n)));
  const std::size_t rank = out.size();
  for (std::size_t k = 0; k < ins.size(); ++k) {
    std::vector<std::int64_t> st(rank, 0);
    const auto in_st = Strides(ins[k]);
    for (std::size_t i = 0; i < ins[k].size(); ++i) {
      const std::size_t o = rank - ins[k].size() + i;
      st[o] = ins[k][i] == 1 ? 0 : in_st[i];
    }
    std::vector<std::int64_t> idx(rank, 0);
    std::int64_t off = 0;
    for (std::int64_t e = 0; e < n; ++e) {
      offsets[k][static_cast<std::size_t>(e)] = off;
      for (std::int64_t d = static_cast<std::int64_t>(rank) - 1; d >= 0; --d) {
        if (++idx[d] < out[d]) {
          off += st[d];
          break;
        }
        off -= st[d] * (out[d] - 1);
        idx[d] = 0;
      }
    }
  }
  return offsets;
}

}  // namespace joulebench::ref
