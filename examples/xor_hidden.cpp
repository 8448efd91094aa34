// Seed 000's XOR with a hidden layer: Dense(2, sigmoid) -> Dense(4) ->
// Dense(2, softmax), rmsprop, categorical cross-entropy, 1000 epochs of
// batch 4; prints the loss curve and the decision regions on a 50x50 grid,
// and draws them as seed 000 does with matplotlib: xor_regions.png (the
// plane coloured by the predicted class, the four samples on top) and
// xor_loss.png (the learning curve). `--out DIR` picks the folder (default:
// the current one).
#include "frontend/Keras.h"

#include <cstdio>
#include <cstring>
#include <iostream>

using namespace kiln;

int main(int argc, char **argv) try {
  std::string out = ".";
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--out") == 0)
      out = argv[i + 1];
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

  utils::plot_decision_regions(model, x, y, out + "/xor_regions.png",
                               {.x_min = -0.1, .x_max = 1.1, .y_min = -0.1,
                                .y_max = 1.1, .title = "XOR: predicted class"});
  utils::plot_history(hist, out + "/xor_loss.png", {.metrics = {"loss"}});
  std::cout << "wrote " << out << "/xor_regions.png and " << out << "/xor_loss.png\n";
  return 0;
} catch (const std::exception &e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
