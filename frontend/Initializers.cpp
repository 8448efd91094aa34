// Keras weight initializers.
#include "frontend/Initializers.h"

#include "runtime/Error.h"

#include <cmath>

namespace kiln {

namespace detail {
std::mt19937_64 &globalRng() {
  static std::mt19937_64 rng{std::random_device{}()};
  return rng;
}
} // namespace detail

void utils::set_random_seed(uint64_t seed) { detail::globalRng().seed(seed); }

namespace {

std::pair<double, double> fans(const Shape &shape) {
  if (shape.empty())
    return {1, 1};
  if (shape.size() == 1)
    return {double(shape[0]), double(shape[0])};
  if (shape.size() == 2)
    return {double(shape[0]), double(shape[1])};
  // Convolution kernels: spatial dims times channels (Keras compute_fans).
  double receptive = 1;
  for (size_t i = 0; i + 2 < shape.size(); ++i)
    receptive *= double(shape[i]);
  return {receptive * double(shape[shape.size() - 2]),
          receptive * double(shape.back())};
}

/// Keras's TruncatedNormal: redraw samples beyond two standard deviations.
template <typename Rng>
float truncatedNormal(Rng &rng, double stddev) {
  std::normal_distribution<double> d(0.0, stddev);
  for (;;) {
    double v = d(rng);
    if (std::abs(v) <= 2 * stddev)
      return float(v);
  }
}

} // namespace

void Initializer::fill(Tensor &t) const {
  float *data = t.data<float>();
  int64_t n = t.size();
  std::mt19937_64 local(seed.value_or(0));
  std::mt19937_64 &rng = seed ? local : detail::globalRng();
  auto [fanIn, fanOut] = fans(t.shape());
  auto uniform = [&](double limit) {
    std::uniform_real_distribution<double> d(-limit, limit);
    for (int64_t i = 0; i < n; ++i)
      data[i] = float(d(rng));
  };
  auto truncated = [&](double stddev) {
    for (int64_t i = 0; i < n; ++i)
      data[i] = truncatedNormal(rng, stddev);
  };
  if (name == "glorot_uniform") {
    uniform(std::sqrt(6.0 / (fanIn + fanOut)));
  } else if (name == "glorot_normal") {
    // Keras scales the truncated normal by 0.879... so its variance is 2/(in+out).
    truncated(std::sqrt(2.0 / (fanIn + fanOut)) / .87962566103423978);
  } else if (name == "he_uniform") {
    uniform(std::sqrt(6.0 / fanIn));
  } else if (name == "he_normal") {
    truncated(std::sqrt(2.0 / fanIn) / .87962566103423978);
  } else if (name == "random_normal" || name == "normal") {
    std::normal_distribution<double> d(mean, stddev);
    for (int64_t i = 0; i < n; ++i)
      data[i] = float(d(rng));
  } else if (name == "random_uniform" || name == "uniform") {
    std::uniform_real_distribution<double> d(minval, maxval);
    for (int64_t i = 0; i < n; ++i)
      data[i] = float(d(rng));
  } else if (name == "zeros" || name == "ones" || name == "constant") {
    float v = name == "zeros" ? 0.f : name == "ones" ? 1.f : float(value);
    for (int64_t i = 0; i < n; ++i)
      data[i] = v;
  } else {
    throwError("unknown initializer '", name,
               "'; expected one of: glorot_uniform, glorot_normal, he_normal, "
               "he_uniform, random_normal, random_uniform, zeros, ones, "
               "constant (Keras 1 names: uniform, normal)");
  }
}

} // namespace kiln
