// Seed 002's XOR: Dense(2, sigmoid, input_dim=2) -> Dense(1, sigmoid), SGD
// with learning rate 0.1 on mean squared error, 3000 epochs of batch 1.
#include "frontend/Keras.h"

#include <cstdio>
#include <iostream>

using namespace kiln;

int main() try {
  utils::set_random_seed(1);
  Tensor x = Tensor::fromVector<float>({1, 1, 1, 0, 0, 1, 0, 0}, {4, 2});
  Tensor y = Tensor::fromVector<float>({0, 1, 1, 0}, {4, 1});

  Sequential model;
  model.add(layers::Dense(2, {.activation = "sigmoid", .input_dim = 2}));
  model.add(layers::Dense(1, {.activation = "sigmoid"}));
  model.compile({.optimizer = optimizers::SGD{.learning_rate = 0.1}, .loss = "mse"});
  model.summary();

  History history = model.fit(x, y, {.epochs = 3000, .batch_size = 1, .verbose = 0});
  std::printf("loss after %zu epochs: %.4f\n", history.history.at("loss").size(),
              history.history.at("loss").back());

  for (const Tensor &weight : model.get_weights())
    std::cout << weight.toString() << "\n";

  std::vector<double> loss = model.evaluate(x, y, {.batch_size = 1});
  std::printf("evaluate: loss %.4f\n", loss[0]);

  std::cout << "====================================\n" << x.toString() << "\n";
  Tensor p = model.predict(x);
  std::cout << p.toString() << "\n====================================\n";
  Tensor classes = model.predict_classes(x);
  std::printf("xor_accuracy: %.2f\n",
              (classes.at<int64_t>({0}) == 0) * 0.25 + (classes.at<int64_t>({1}) == 1) * 0.25 +
                  (classes.at<int64_t>({2}) == 1) * 0.25 + (classes.at<int64_t>({3}) == 0) * 0.25);
  return 0;
} catch (const std::exception &e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
