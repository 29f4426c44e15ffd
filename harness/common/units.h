// Typed physical quantities (SI) so joules, watts and seconds cannot be mixed up by accident.
// Only the operations that make physical sense are defined.
#pragma once

#include <chrono>

namespace joulebench {

using Seconds = std::chrono::duration<double>;

struct Joules {
  double value = 0;
  constexpr Joules& operator+=(Joules o) { value += o.value; return *this; }
  friend constexpr Joules operator+(Joules a, Joules b) { return {a.value + b.value}; }
  friend constexpr Joules operator-(Joules a, Joules b) { return {a.value - b.value}; }
  friend constexpr Joules operator*(Joules a, double k) { return {a.value * k}; }
  friend constexpr double operator/(Joules a, Joules b) { return a.value / b.value; }
  friend constexpr auto operator<=>(Joules, Joules) = default;
};

struct Watts {
  double value = 0;
  friend constexpr Watts operator+(Watts a, Watts b) { return {a.value + b.value}; }
  friend constexpr Watts operator*(Watts a, double k) { return {a.value * k}; }
  friend constexpr auto operator<=>(Watts, Watts) = default;
};

constexpr Joules operator*(Watts p, Seconds t) { return {p.value * t.count()}; }
constexpr Joules operator*(Seconds t, Watts p) { return p * t; }
constexpr Watts operator/(Joules e, Seconds t) { return {e.value / t.count()}; }

}  // namespace joulebench
