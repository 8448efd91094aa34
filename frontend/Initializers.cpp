// Keras weight initializers.
#include "frontend/Initializers.h"

#include "runtime/Error.h"

#include <algorithm>
#include <cmath>
#include <vector>

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

/// Keras's Orthogonal (gain 1): the shape flattened to (rows, cols) =
/// (prod(shape[:-1]), shape[-1]); the Q factor, with a positive diagonal in
/// R, of a standard normal (max, min) matrix, transposed when rows < cols.
/// Modified Gram-Schmidt in double precision gives that Q.
template <typename Rng>
void orthogonal(const Shape &shape, float *data, Rng &rng) {
  if (shape.size() < 2)
    throwError("initializer 'orthogonal' needs a shape of rank 2 or more, got ",
               shapeToString(shape));
  int64_t cols = shape.back(), rows = 1;
  for (size_t i = 0; i + 1 < shape.size(); ++i)
    rows *= shape[i];
  int64_t big = std::max(rows, cols), small = std::min(rows, cols);
  std::normal_distribution<double> d(0.0, 1.0);
  std::vector<double> a(size_t(big * small)); // (big, small), row-major
  for (double &v : a)
    v = d(rng);
  for (int64_t j = 0; j < small; ++j) {
    for (int64_t k = 0; k < j; ++k) {
      double dot = 0;
      for (int64_t i = 0; i < big; ++i)
        dot += a[i * small + k] * a[i * small + j];
      for (int64_t i = 0; i < big; ++i)
        a[i * small + j] -= dot * a[i * small + k];
    }
    double norm = 0;
    for (int64_t i = 0; i < big; ++i)
      norm += a[i * small + j] * a[i * small + j];
    norm = std::sqrt(norm);
    for (int64_t i = 0; i < big; ++i)
      a[i * small + j] /= norm;
  }
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      data[r * cols + c] =
          float(rows >= cols ? a[r * small + c] : a[c * small + r]);
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
  } else if (name == "orthogonal") {
    orthogonal(t.shape(), data, rng);
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
               "he_uniform, orthogonal, random_normal, random_uniform, zeros, "
               "ones, constant (Keras 1 names: uniform, normal)");
  }
}

} // namespace kiln
