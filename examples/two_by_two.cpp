// Seed 000's first network: Dense(2, sigmoid, input_shape=(2,)) ->
// Dense(2, softmax), rmsprop, categorical cross-entropy with acc and mae,
// 100 epochs with batch_size 3 on two samples (one batch per epoch).
#include "frontend/Keras.h"

#include <cstdio>
#include <iostream>

using namespace kiln;

int main() try {
  Tensor x = Tensor::fromVector<float>({0, 1, 1, 0}, {2, 2});
  Tensor y = Tensor::fromVector<float>({1, 0, 0, 1}, {2, 2});

  Sequential model;
  model.add(layers::Dense(2, {.activation = "sigmoid", .input_shape = {2}}));
  model.add(layers::Dense(2, {.activation = "softmax"}));
  model.compile({.optimizer = "rmsprop",
                 .loss = "categorical_crossentropy",
                 .metrics = {"acc", "mae"}});
  model.summary();
  History hist = model.fit(x, y, {.epochs = 100, .batch_size = 3, .verbose = 2});
  for (const auto &key : hist.keys())
    std::printf("%s: %.4f -> %.4f\n", key.c_str(), hist.history.at(key).front(),
                hist.history.at(key).back());
  std::cout << model.predict(x).toString() << "\n";
  return 0;
} catch (const std::exception &e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
