// The little NumPy the tutorials use on data.
#include "frontend/TensorOps.h"

#include <algorithm>

namespace kiln {

namespace {
template <typename Fn>
Tensor map(const Tensor &t, Fn fn) {
  Tensor out = t.astype(DType::f32);
  float *p = out.data<float>();
  for (int64_t i = 0; i < out.size(); ++i)
    p[i] = fn(p[i]);
  return out;
}
} // namespace

Tensor operator/(const Tensor &t, double s) {
  return map(t, [s](float v) { return float(v / s); });
}
Tensor operator*(const Tensor &t, double s) {
  return map(t, [s](float v) { return float(v * s); });
}
Tensor operator+(const Tensor &t, double s) {
  return map(t, [s](float v) { return float(v + s); });
}
Tensor operator-(const Tensor &t, double s) {
  return map(t, [s](float v) { return float(v - s); });
}

Tensor argmax(const Tensor &t) {
  Tensor f = t.astype(DType::f32);
  int64_t k = t.rank() ? t.shape().back() : 1;
  int64_t n = k ? t.size() / k : 0;
  Shape shape(t.shape().begin(), t.shape().end() - (t.rank() ? 1 : 0));
  Tensor out = Tensor::zeros(shape, DType::i64);
  const float *p = f.data<float>();
  for (int64_t i = 0; i < n; ++i)
    out.data<int64_t>()[i] = std::max_element(p + i * k, p + (i + 1) * k) - (p + i * k);
  return out;
}

} // namespace kiln
