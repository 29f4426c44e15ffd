// Host tensors shared by the graph IR and every engine's Stage()/Outputs():
// a data type, a shape (row-major) and an owned byte buffer with typed views.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace joulebench {

enum class DataType { kFloat32, kInt64, kBool };

const char* DataTypeName(DataType type);
std::size_t DataTypeSize(DataType type);

using Shape = std::vector<std::int64_t>;  // -1 marks a dynamic dimension in TensorInfo only
std::int64_t ElementCount(const Shape& shape);
std::string ShapeToString(const Shape& shape);

class Tensor {
 public:
  Tensor() = default;
  Tensor(DataType type, Shape shape);

  DataType type() const { return type_; }
  const Shape& shape() const { return shape_; }
  std::int64_t size() const { return ElementCount(shape_); }
  std::size_t bytes() const { return data_.size(); }

  std::span<float> f32();
  std::span<const float> f32() const;
  std::span<std::int64_t> i64();
  std::span<const std::int64_t> i64() const;
  std::span<std::uint8_t> b8();  // bool, one byte per element (0 or 1)
  std::span<const std::uint8_t> b8() const;
  // Element i converted to double / int64, whatever the type (for shape tensors and casts).
  double AsDouble(std::int64_t i) const;
  std::int64_t AsInt(std::int64_t i) const;
  Tensor Reshaped(Shape shape) const;  // same data, new shape of equal element count
  std::byte* raw() { return data_.data(); }
  const std::byte* raw() const { return data_.data(); }

 private:
  void Expect(DataType type) const;
  DataType type_ = DataType::kFloat32;
  Shape shape_;
  std::vector<std::byte> data_;
};

using TensorMap = std::map<std::string, Tensor>;

}  // namespace joulebench
