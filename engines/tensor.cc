// Host tensor implementation: sizes, shape printing and type-checked views.
#include "engines/tensor.h"

#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace joulebench {

const char* DataTypeName(DataType type) {
  switch (type) {
    case DataType::kFloat32: return "float32";
    case DataType::kInt64: return "int64";
  }
  return "?";
}

std::size_t DataTypeSize(DataType type) { return type == DataType::kFloat32 ? 4 : 8; }

std::int64_t ElementCount(const Shape& shape) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::string ShapeToString(const Shape& shape) { return fmt::format("[{}]", fmt::join(shape, ", ")); }

Tensor::Tensor(DataType type, Shape shape) : type_(type), shape_(std::move(shape)) {
  for (auto d : shape_) {
    if (d < 0) throw std::invalid_argument("Tensor: negative dimension in " + ShapeToString(shape_));
  }
  data_.resize(static_cast<std::size_t>(ElementCount(shape_)) * DataTypeSize(type_));
}

void Tensor::Expect(DataType type) const {
  if (type_ != type) {
    throw std::logic_error(fmt::format("Tensor: is {}, accessed as {}", DataTypeName(type_), DataTypeName(type)));
  }
}

std::span<float> Tensor::f32() {
  Expect(DataType::kFloat32);
  return {reinterpret_cast<float*>(data_.data()), static_cast<std::size_t>(size())};
}
std::span<const float> Tensor::f32() const {
  Expect(DataType::kFloat32);
  return {reinterpret_cast<const float*>(data_.data()), static_cast<std::size_t>(size())};
}
std::span<std::int64_t> Tensor::i64() {
  Expect(DataType::kInt64);
  return {reinterpret_cast<std::int64_t*>(data_.data()), static_cast<std::size_t>(size())};
}
std::span<const std::int64_t> Tensor::i64() const {
  Expect(DataType::kInt64);
  return {reinterpret_cast<const std::int64_t*>(data_.data()), static_cast<std::size_t>(size())};
}

}  // namespace joulebench
