// Seed 002's XOR, compiled and trained by an installed Kiln.
#include <frontend/Keras.h>

#include <cstdio>

using namespace kiln;

int main() try {
  utils::set_random_seed(1);
  Tensor x = Tensor::fromVector<float>({1, 1, 1, 0, 0, 1, 0, 0}, {4, 2});
  Tensor y = Tensor::fromVector<float>({0, 1, 1, 0}, {4, 1});
  Sequential model;
  model.add(layers::Dense(2, {.activation = "sigmoid", .input_dim = 2}));
  model.add(layers::Dense(1, {.activation = "sigmoid"}));
  model.compile({.optimizer = optimizers::SGD{.learning_rate = 0.1},
                 .loss = "mse"});
  History h = model.fit(x, y, {.epochs = 300, .batch_size = 1, .verbose = 0});
  const std::vector<double> &loss = h.history.at("loss");
  std::printf("loss: %.4f -> %.4f\n", loss.front(), loss.back());
  return loss.back() < loss.front() ? 0 : 1;
} catch (const std::exception &e) {
  std::fprintf(stderr, "xor: %s\n", e.what());
  return 1;
}
