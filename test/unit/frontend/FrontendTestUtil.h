// Helpers for the frontend tests: small tensors, error capture, summary
// parsing and plain C++ reference forward passes (Dense, Conv2D with Keras's
// 'valid'/'same' padding, MaxPooling2D, activations, losses) that the
// compiled models are checked against.
#ifndef KILN_TEST_UNIT_FRONTEND_FRONTENDTESTUTIL_H
#define KILN_TEST_UNIT_FRONTEND_FRONTENDTESTUTIL_H

#include "frontend/Keras.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace kiln::test {

//===----------------------------------------------------------------------===//
// Tensors
//===----------------------------------------------------------------------===//

inline Tensor f32(std::vector<float> values, Shape shape) {
  return Tensor::fromVector(values, shape);
}

/// The elements of `t` as floats (any dtype).
inline std::vector<float> values(const Tensor &t) {
  Tensor f = t.astype(DType::f32);
  return std::vector<float>(f.data<float>(), f.data<float>() + f.size());
}

/// A file name in the temporary folder, unique to this process:
/// kiln-<tag>-<pid><suffix>.
inline std::string tempModelFile(const std::string &tag, const std::string &suffix) {
  return (std::filesystem::temp_directory_path() /
          ("kiln-" + tag + "-" + std::to_string(::getpid()) + suffix))
      .string();
}

/// A tensor of `shape` with uniform values in [lo, hi) from `rng`.
inline Tensor uniform(std::mt19937 &rng, Shape shape, float lo = -1.f,
                      float hi = 1.f) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(static_cast<size_t>(n));
  for (float &x : v)
    x = u(rng);
  return Tensor::fromVector(v, shape);
}

/// examples/fashion_mnist_mlp.cpp's model (seed 001), compiled as there,
/// for `device` (CompileOptions::device).
inline Sequential exampleMlp(const std::string &device = "") {
  Sequential model;
  model.add(layers::Flatten({.input_shape = {28, 28}}));
  model.add(layers::Dense(300, {.activation = "relu"}));
  model.add(layers::Dense(100, {.activation = "relu"}));
  model.add(layers::Dense(10, {.activation = "softmax"}));
  model.compile({.optimizer = "sgd", .loss = "sparse_categorical_crossentropy",
                 .metrics = {"accuracy"}, .device = device});
  return model;
}

/// examples/fashion_mnist_cnn.cpp's model, compiled as there (Adam).
inline Sequential exampleCnn(const std::string &device = "") {
  Sequential model;
  model.add(layers::Conv2D(32, 3, {.activation = "relu",
                                   .input_shape = {28, 28, 1}}));
  model.add(layers::MaxPooling2D());
  model.add(layers::Conv2D(64, 3, {.activation = "relu"}));
  model.add(layers::MaxPooling2D());
  model.add(layers::Flatten());
  model.add(layers::Dense(128, {.activation = "relu"}));
  model.add(layers::Dense(10, {.activation = "softmax"}));
  model.compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy",
                 .metrics = {"accuracy"}, .device = device});
  return model;
}

/// Replaces every weight of `model` with uniform values in [lo, hi), so
/// tests do not depend on the initializers; returns what was set.
inline std::vector<Tensor> randomizeWeights(Model &model, std::mt19937 &rng,
                                            float lo = -0.5f, float hi = 0.5f) {
  std::vector<Tensor> w;
  for (const Tensor &old : model.get_weights())
    w.push_back(uniform(rng, old.shape(), lo, hi));
  model.set_weights(w);
  return w;
}

inline void expectTensorNear(const Tensor &actual, const Tensor &expected,
                             float tol, const std::string &what = "") {
  ASSERT_EQ(actual.shape(), expected.shape()) << what;
  std::vector<float> a = values(actual), e = values(expected);
  for (size_t i = 0; i < a.size(); ++i)
    ASSERT_NEAR(a[i], e[i], tol) << what << " at flat index " << i;
}

inline void expectWeightsNear(const std::vector<Tensor> &actual,
                              const std::vector<Tensor> &expected, float tol) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i)
    expectTensorNear(actual[i], expected[i], tol,
                     "weight #" + std::to_string(i));
}

inline bool weightsEqual(const std::vector<Tensor> &a,
                         const std::vector<Tensor> &b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].shape() != b[i].shape() || values(a[i]) != values(b[i]))
      return false;
  return true;
}

/// Checks a model's gradient: one SGD step (learning rate 1, the whole
/// batch) moves each weight by its gradient, which central differences of
/// evaluate()'s loss with step `h` reproduce, for the first `perWeight`
/// elements of every weight. `model` is compiled with SGD(1.0) and holds
/// `w`; it holds the last perturbed weights afterwards.
/// `x` holds one array per model input.
inline void expectSgdStepMatchesFiniteDifferences(
    Model &model, const std::vector<Tensor> &w, const std::vector<Tensor> &x,
    const Tensor &y, double h = 1e-2, int64_t perWeight = 6,
    const std::function<void()> &beforeEachCall = nullptr) {
  int64_t batch = x.front().shape()[0];
  auto lossAt = [&](const std::vector<Tensor> &weights) {
    model.set_weights(weights);
    if (beforeEachCall)
      beforeEachCall();
    return model.evaluate(x, y, {.batch_size = batch})[0];
  };
  if (beforeEachCall)
    beforeEachCall();
  model.fit(x, y, {.epochs = 1, .batch_size = batch, .verbose = 0,
                   .shuffle = false});
  std::vector<Tensor> stepped = model.get_weights();
  for (size_t t = 0; t < w.size(); ++t)
    for (int64_t i = 0; i < std::min<int64_t>(w[t].size(), perWeight); ++i) {
      std::vector<Tensor> plus, minus;
      for (const Tensor &v : w) {
        plus.push_back(v.clone());
        minus.push_back(v.clone());
      }
      plus[t].data<float>()[i] += float(h);
      minus[t].data<float>()[i] -= float(h);
      double numeric = (lossAt(plus) - lossAt(minus)) / (2 * h);
      double analytic = w[t].data<float>()[i] - stepped[t].data<float>()[i];
      EXPECT_NEAR(analytic, numeric, 2e-3 + 1e-2 * std::abs(numeric))
          << "weight #" << t << " element " << i;
    }
}

inline void expectSgdStepMatchesFiniteDifferences(
    Model &model, const std::vector<Tensor> &w, const Tensor &x,
    const Tensor &y, double h = 1e-2, int64_t perWeight = 6,
    const std::function<void()> &beforeEachCall = nullptr) {
  expectSgdStepMatchesFiniteDifferences(model, w, std::vector<Tensor>{x}, y, h,
                                        perWeight, beforeEachCall);
}

//===----------------------------------------------------------------------===//
// Errors and summaries
//===----------------------------------------------------------------------===//

/// Runs `fn`, which must throw kiln::Error, and returns the message; any
/// other outcome fails the test.
inline std::string errorOf(const std::function<void()> &fn) {
  try {
    fn();
  } catch (const Error &e) {
    return e.what();
  } catch (const std::exception &e) {
    ADD_FAILURE() << "threw a non-kiln exception: " << e.what();
    return "";
  }
  ADD_FAILURE() << "did not throw";
  return "";
}

inline std::string summaryOf(Model &model) {
  std::ostringstream os;
  model.summary(os);
  return os.str();
}

inline std::vector<std::string> lines(const std::string &text) {
  std::vector<std::string> out;
  std::istringstream is(text);
  for (std::string line; std::getline(is, line);)
    out.push_back(line);
  return out;
}

/// Splits a summary row into its fields: runs of two or more spaces
/// separate them ("dense (Dense)", "(None, 10)", "1010").
inline std::vector<std::string> rowFields(const std::string &row) {
  std::vector<std::string> fields;
  std::string cur;
  size_t spaces = 0;
  for (char c : row) {
    if (c == ' ') {
      ++spaces;
      continue;
    }
    if (spaces >= 2 && !cur.empty()) {
      fields.push_back(cur);
      cur.clear();
    } else if (spaces == 1 && !cur.empty()) {
      cur += ' ';
    }
    spaces = 0;
    cur += c;
  }
  if (!cur.empty())
    fields.push_back(cur);
  return fields;
}

inline std::string trim(const std::string &s) {
  size_t b = s.find_first_not_of(' '), e = s.find_last_not_of(' ');
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

/// The fields of the summary row whose first field starts with
/// `name + " ("`, cut at Keras's column ends (29, 55, 65 for the 65-wide
/// table; 32, 53, 65, 98 for the 98-wide one) and trimmed.
inline std::vector<std::string> summaryRow(const std::string &summary,
                                           const std::string &name) {
  std::vector<std::string> ls = lines(summary);
  bool wide = ls.size() > 1 && ls[1].size() == 98;
  std::vector<size_t> ends = wide ? std::vector<size_t>{32, 53, 65, 98}
                                  : std::vector<size_t>{29, 55, 65};
  for (const std::string &line : ls) {
    if (line.rfind(name + " (", 0) != 0)
      continue;
    std::vector<std::string> fields;
    size_t begin = 0;
    for (size_t end : ends) {
      fields.push_back(begin < line.size() ? trim(line.substr(begin, end - begin)) : "");
      begin = end;
    }
    while (!fields.empty() && fields.back().empty())
      fields.pop_back();
    return fields;
  }
  ADD_FAILURE() << "no row for layer '" << name << "' in\n" << summary;
  return {};
}

/// Saves `model` as .keras and as .h5, loads each file back and checks that
/// the copy has the same summary and weights; `check` then looks at each
/// copy (its predictions, say).
inline void expectSavedAndReloaded(Model &model, const std::string &tag,
                                   const std::function<void(Model &)> &check = nullptr) {
  for (const char *suffix : {".keras", ".h5"}) {
    SCOPED_TRACE(suffix);
    std::string file = tempModelFile(tag, suffix);
    model.save(file);
    Model back = load_model(file);
    std::filesystem::remove(file);
    EXPECT_EQ(summaryOf(back), summaryOf(model));
    EXPECT_TRUE(weightsEqual(back.get_weights(), model.get_weights()));
    if (check)
      check(back);
  }
}

//===----------------------------------------------------------------------===//
// Reference computations (plain C++, row-major, channels_last)
//===----------------------------------------------------------------------===//

inline float sigmoidRef(float v) { return 1.f / (1.f + std::exp(-v)); }

/// Applies a Keras activation in place to rows of `width` values.
inline void activateRef(std::vector<float> &v, int64_t width,
                        const std::string &activation) {
  if (activation == "linear")
    return;
  if (activation == "softmax") {
    for (size_t r = 0; r < v.size(); r += static_cast<size_t>(width)) {
      float m = *std::max_element(v.begin() + r, v.begin() + r + width);
      float s = 0;
      for (int64_t k = 0; k < width; ++k)
        s += (v[r + k] = std::exp(v[r + k] - m));
      for (int64_t k = 0; k < width; ++k)
        v[r + k] /= s;
    }
    return;
  }
  for (float &x : v) {
    if (activation == "relu")
      x = std::max(x, 0.f);
    else if (activation == "sigmoid")
      x = sigmoidRef(x);
    else if (activation == "tanh")
      x = std::tanh(x);
    else if (activation == "exponential")
      x = std::exp(x);
    else
      ADD_FAILURE() << "activateRef: unknown activation " << activation;
  }
}

/// Keras Dense on (n, in) rows: activation(x · kernel + bias).
inline Tensor denseRef(const Tensor &x, const Tensor &kernel, const Tensor &bias,
                       const std::string &activation = "linear") {
  int64_t n = x.shape()[0], in = kernel.shape()[0], units = kernel.shape()[1];
  EXPECT_EQ(x.size(), n * in);
  std::vector<float> xv = values(x), k = values(kernel), b = values(bias);
  std::vector<float> out(static_cast<size_t>(n * units));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t u = 0; u < units; ++u) {
      double s = b.empty() ? 0.0 : b[u];
      for (int64_t j = 0; j < in; ++j)
        s += double(xv[i * in + j]) * k[j * units + u];
      out[i * units + u] = float(s);
    }
  activateRef(out, units, activation);
  return f32(out, {n, units});
}

/// TensorFlow's padding before the first element for 'same' windows.
inline int64_t samePadBefore(int64_t in, int64_t window, int64_t stride) {
  int64_t out = (in + stride - 1) / stride;
  int64_t total = std::max<int64_t>((out - 1) * stride + window - in, 0);
  return total / 2;
}

inline int64_t windowOut(int64_t in, int64_t window, int64_t stride,
                         bool same) {
  return same ? (in + stride - 1) / stride : (in - window) / stride + 1;
}

/// Keras Conv2D, NHWC input, HWIO kernel; zero padding for 'same'.
inline Tensor conv2dRef(const Tensor &x, const Tensor &kernel,
                        const Tensor &bias, std::vector<int64_t> strides,
                        bool same, const std::string &activation = "linear") {
  int64_t n = x.shape()[0], h = x.shape()[1], w = x.shape()[2],
          c = x.shape()[3];
  int64_t kh = kernel.shape()[0], kw = kernel.shape()[1],
          f = kernel.shape()[3];
  int64_t oh = windowOut(h, kh, strides[0], same),
          ow = windowOut(w, kw, strides[1], same);
  int64_t ph = same ? samePadBefore(h, kh, strides[0]) : 0,
          pw = same ? samePadBefore(w, kw, strides[1]) : 0;
  std::vector<float> xv = values(x), k = values(kernel), b = values(bias);
  std::vector<float> out(static_cast<size_t>(n * oh * ow * f));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t r = 0; r < oh; ++r)
      for (int64_t s = 0; s < ow; ++s)
        for (int64_t o = 0; o < f; ++o) {
          double acc = b.empty() ? 0.0 : b[o];
          for (int64_t dr = 0; dr < kh; ++dr)
            for (int64_t ds = 0; ds < kw; ++ds) {
              int64_t y = r * strides[0] + dr - ph, z = s * strides[1] + ds - pw;
              if (y < 0 || y >= h || z < 0 || z >= w)
                continue;
              for (int64_t ci = 0; ci < c; ++ci)
                acc += double(xv[((i * h + y) * w + z) * c + ci]) *
                       k[((dr * kw + ds) * c + ci) * f + o];
            }
          out[((i * oh + r) * ow + s) * f + o] = float(acc);
        }
  activateRef(out, f, activation);
  return f32(out, {n, oh, ow, f});
}

/// Keras MaxPooling2D, NHWC; padded positions never win for 'same'.
inline Tensor maxPoolRef(const Tensor &x, std::vector<int64_t> pool,
                         std::vector<int64_t> strides, bool same) {
  int64_t n = x.shape()[0], h = x.shape()[1], w = x.shape()[2],
          c = x.shape()[3];
  int64_t oh = windowOut(h, pool[0], strides[0], same),
          ow = windowOut(w, pool[1], strides[1], same);
  int64_t ph = same ? samePadBefore(h, pool[0], strides[0]) : 0,
          pw = same ? samePadBefore(w, pool[1], strides[1]) : 0;
  std::vector<float> xv = values(x);
  std::vector<float> out(static_cast<size_t>(n * oh * ow * c));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t r = 0; r < oh; ++r)
      for (int64_t s = 0; s < ow; ++s)
        for (int64_t ci = 0; ci < c; ++ci) {
          float m = -std::numeric_limits<float>::infinity();
          for (int64_t dr = 0; dr < pool[0]; ++dr)
            for (int64_t ds = 0; ds < pool[1]; ++ds) {
              int64_t y = r * strides[0] + dr - ph, z = s * strides[1] + ds - pw;
              if (y >= 0 && y < h && z >= 0 && z < w)
                m = std::max(m, xv[((i * h + y) * w + z) * c + ci]);
            }
          out[((i * oh + r) * ow + s) * c + ci] = m;
        }
  return f32(out, {n, oh, ow, c});
}

/// Keras's sparse categorical cross-entropy per sample, probabilities
/// clipped to [1e-7, 1 - 1e-7].
inline std::vector<double> sparseCrossentropyRef(const Tensor &probs,
                                                 const Tensor &labels) {
  int64_t n = probs.shape()[0], k = probs.shape()[1];
  std::vector<float> p = values(probs), y = values(labels);
  std::vector<double> out;
  for (int64_t i = 0; i < n; ++i) {
    double q = std::clamp<double>(p[i * k + int64_t(y[i])], 1e-7, 1 - 1e-7);
    out.push_back(-std::log(q));
  }
  return out;
}

inline double mean(const std::vector<double> &v, size_t begin = 0,
                   size_t end = std::numeric_limits<size_t>::max()) {
  end = std::min(end, v.size());
  double s = 0;
  for (size_t i = begin; i < end; ++i)
    s += v[i];
  return s / double(end - begin);
}

/// Per-sample mean squared error between rows of `a` and `b`.
inline std::vector<double> mseRef(const Tensor &a, const Tensor &b) {
  int64_t n = a.shape()[0], k = a.size() / std::max<int64_t>(n, 1);
  std::vector<float> av = values(a), bv = values(b);
  std::vector<double> out;
  for (int64_t i = 0; i < n; ++i) {
    double s = 0;
    for (int64_t j = 0; j < k; ++j) {
      double d = double(av[i * k + j]) - bv[i * k + j];
      s += d * d;
    }
    out.push_back(s / double(k));
  }
  return out;
}

} // namespace kiln::test

#endif // KILN_TEST_UNIT_FRONTEND_FRONTENDTESTUTIL_H
