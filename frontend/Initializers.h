// Keras weight initializers: glorot_uniform, glorot_normal, he_normal,
// he_uniform, orthogonal, random_normal, random_uniform, zeros, ones (and Keras 1's
// "uniform" and "normal"), each with an optional seed.
#ifndef KILN_FRONTEND_INITIALIZERS_H
#define KILN_FRONTEND_INITIALIZERS_H

#include "runtime/Tensor.h"

#include <cstdint>
#include <optional>
#include <random>
#include <string>

namespace kiln {

struct Initializer {
  std::string name = "glorot_uniform";
  /// random_normal: mean, stddev; random_uniform: minval, maxval (Keras
  /// defaults 0/0.05 and -0.05/0.05); constant: value.
  double mean = 0.0, stddev = 0.05, minval = -0.05, maxval = 0.05, value = 0.0;
  std::optional<uint64_t> seed;

  Initializer() = default;
  Initializer(const char *n) : name(n) {}
  Initializer(std::string n) : name(std::move(n)) {}

  /// Fills `t` (f32). fan_in/fan_out follow Keras: for a Dense kernel
  /// (in, out); for a Conv2D kernel (kh, kw, cin, cout) fan_in = kh*kw*cin
  /// and fan_out = kh*kw*cout. Throws kiln::Error for an unknown name,
  /// listing the known ones.
  void fill(Tensor &t) const;
};

namespace initializers {
inline Initializer GlorotUniform(std::optional<uint64_t> seed = {}) {
  Initializer i("glorot_uniform");
  i.seed = seed;
  return i;
}
inline Initializer RandomNormal(double mean = 0.0, double stddev = 0.05,
                                std::optional<uint64_t> seed = {}) {
  Initializer i("random_normal");
  i.mean = mean, i.stddev = stddev, i.seed = seed;
  return i;
}
inline Initializer RandomUniform(double minval = -0.05, double maxval = 0.05,
                                 std::optional<uint64_t> seed = {}) {
  Initializer i("random_uniform");
  i.minval = minval, i.maxval = maxval, i.seed = seed;
  return i;
}
inline Initializer Constant(double value) {
  Initializer i("constant");
  i.value = value;
  return i;
}
} // namespace initializers

namespace utils {
/// Seeds every unseeded initializer (and shuffling) from now on, like
/// keras.utils.set_random_seed.
void set_random_seed(uint64_t seed);
} // namespace utils

namespace detail {
/// The process-wide generator behind unseeded initializers.
std::mt19937_64 &globalRng();
} // namespace detail

} // namespace kiln

#endif // KILN_FRONTEND_INITIALIZERS_H
