// Seed 000's XOR with a hidden layer: Dense(2, sigmoid) -> Dense(4) ->
// Dense(2, softmax), rmsprop, categorical cross-entropy, 1000 epochs of
// batch 4; prints the loss curve and the decision regions on a 50x50 grid.
#include "frontend/Keras.h"

#include <cstdio>
#include <iostream>

using namespace kiln;

int main() try {
  utils::set_random_seed(3);
  Tensor x = Tensor::fromVector<float>({0, 0, 0, 1, 1, 0, 1, 1}, {4, 2});
  Tensor y = Tensor::fromVector<float>({1, 0, 0, 1, 0, 1, 1, 0}, {4, 2});

  Sequential model;
  model.add(layers::Dense(2, {.activation = "sigmoid", .input_shape = {2}}));
  model.add(layers::Dense(4));
  model.add(layers::Dense(2, {.activation = "softmax"}));
  model.compile({.optimizer = "rmsprop",
                 .loss = "categorical_crossentropy",
                 .metrics = {"acc"}});
  History hist = model.fit(x, y, {.epochs = 1000, .batch_size = 4, .verbose = 0});

  const auto &loss = hist.history.at("loss");
  std::cout << "loss curve (every 100 epochs):";
  for (size_t e = 0; e < loss.size(); e += 100)
    std::printf(" %.3f", loss[e]);
  std::printf(" ... %.3f\nfinal acc: %.2f\n", loss.back(), hist.history.at("acc").back());

  // Decision regions: class 1 ('#') or 0 ('.') over [0, 1] x [0, 1].
  const int n = 50;
  std::vector<float> grid;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      grid.push_back(float(j) / (n - 1));
      grid.push_back(float(n - 1 - i) / (n - 1));
    }
  Tensor classes = model.predict_classes(Tensor::fromVector(grid, {n * n, 2}));
  for (int i = 0; i < n; i += 2) {
    for (int j = 0; j < n; ++j)
      std::putchar(classes.at<int64_t>({i * n + j}) ? '#' : '.');
    std::putchar('\n');
  }
  Tensor corners = model.predict_classes(x);
  std::cout << "predicted classes of [0,0] [0,1] [1,0] [1,1]: " << corners.toString() << "\n";
  return 0;
} catch (const std::exception &e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
