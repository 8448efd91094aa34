// Seed 002's examples on random data: binary classification (with the
// tutorial's custom metric mean_pred) and 10-class classification, both
// Dense(32, relu, input_dim=100) -> Dense(...), rmsprop, 10 epochs of 32.
#include "frontend/Keras.h"

#include <cstdio>
#include <iostream>
#include <random>

using namespace kiln;

namespace {
Tensor randomData(std::mt19937 &rng, int64_t n, int64_t d) {
  std::uniform_real_distribution<float> u(0, 1);
  std::vector<float> v(n * d);
  for (float &x : v)
    x = u(rng);
  return Tensor::fromVector(v, {n, d});
}
Tensor randomLabels(std::mt19937 &rng, int64_t n, int classes) {
  std::uniform_int_distribution<int32_t> u(0, classes - 1);
  std::vector<int32_t> v(n);
  for (int32_t &x : v)
    x = u(rng);
  return Tensor::fromVector(v, {n, 1});
}
} // namespace

int main() try {
  std::mt19937 rng(2);

  // For a single-input model with 2 classes (binary classification):
  Sequential binary;
  binary.add(layers::Dense(32, {.activation = "relu", .input_dim = 100}));
  binary.add(layers::Dense(1, {.activation = "sigmoid"}));
  // def mean_pred(y_true, y_pred): return K.mean(y_pred)
  Metric mean_pred("mean_pred", [](ops::Value y_true, ops::Value y_pred) {
    return ops::mean(y_pred);
  });
  binary.compile({.optimizer = "rmsprop",
                  .loss = "binary_crossentropy",
                  .metrics = {"accuracy", mean_pred}});
  Tensor data = randomData(rng, 1000, 100);
  Tensor labels = randomLabels(rng, 1000, 2).astype(DType::f32);
  History h1 = binary.fit(data, labels, {.epochs = 10, .batch_size = 32, .verbose = 2});

  // For a single-input model with 10 classes (categorical classification):
  Sequential multi;
  multi.add(layers::Dense(32, {.activation = "relu", .input_dim = 100}));
  multi.add(layers::Dense(10, {.activation = "softmax"}));
  multi.compile({.optimizer = "rmsprop",
                 .loss = "categorical_crossentropy",
                 .metrics = {"accuracy"}});
  Tensor one_hot_labels = utils::to_categorical(randomLabels(rng, 1000, 10), 10);
  History h2 = multi.fit(data, one_hot_labels, {.epochs = 10, .batch_size = 32, .verbose = 2});

  std::printf("binary: loss %.4f accuracy %.4f mean_pred %.4f\n",
              h1.history.at("loss").back(), h1.history.at("accuracy").back(),
              h1.history.at("mean_pred").back());
  std::printf("10-class: loss %.4f accuracy %.4f\n", h2.history.at("loss").back(),
              h2.history.at("accuracy").back());
  return 0;
} catch (const std::exception &e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
