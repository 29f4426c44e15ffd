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
    case DataType::kBool: return "bool";
  }
  return "?";
}

std::size_t DataTypeSize(DataType type) {
  switch (type) {
    case DataType::kFloat32: return 4;
    case DataType::kInt64: return 8;
    case DataType::kBool: return 1;
  }
  return 0;
}

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
std::span<std::uint8_t> Tensor::b8() {
  Expect(DataType::kBool);
  return {reinterpret_cast<std::uint8_t*>(data_.data()), static_cast<std::size_t>(size())};
}
std::span<const std::uint8_t> Tensor::b8() const {
  Expect(DataType::kBool);
  return {reinterpret_cast<const std::uint8_t*>(data_.data()), static_cast<std::size_t>(size())};
}

double Tensor::AsDouble(std::int64_t i) const {
  switch (type_) {
    case DataType::kFloat32: return f32()[i];
    case DataType::kInt64: return static_cast<double>(i64()[i]);
    case DataType::kBool: return b8()[i];
  }
  return 0;
}

std::int64_t Tensor::AsInt(std::int64_t i) const {
  switch (type_) {
    case DataType::kFloat32: return static_cast<std::int64_t>(f32()[i]);
    case DataType::kInt64: return i64()[i];
    case DataType::kBool: return b8()[i];
  }
  return 0;
}

Tensor Tensor::Reshaped(Shape shape) const {
  if (ElementCount(shape) != size()) {
    throw std::invalid_argument("Tensor::Reshaped: " + ShapeToString(shape_) + " to " + ShapeToString(shape));
  }
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

}  // namespace joulebench
