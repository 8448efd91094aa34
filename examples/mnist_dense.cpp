// Seed 003: a two-layer dense network, Sequential form, on Fashion-MNIST
// (MNIST is not packaged in Debian): Dense(32, relu) -> Dense(10, softmax),
// rmsprop, categorical cross-entropy on one-hot labels, 5 epochs of 128.
//   mnist_dense [--epochs 5] [--batch-size 128] [--verbose 1]
#include "ExampleFlags.h"
#include "frontend/Keras.h"

#include <cstdio>
#include <iostream>

using namespace kiln;

int main(int argc, char **argv) try {
  auto flags = examples::parseFlags(argc, argv, /*epochs=*/5, /*batch=*/128,
                                    "Keras seed 003, Sequential form\n");
  auto [train, test] = datasets::fashion_mnist::load_data();
  Tensor train_images = (train.x / 255.0).reshape({60000, 28 * 28});
  Tensor test_images = (test.x / 255.0).reshape({10000, 28 * 28});
  Tensor train_labels = utils::to_categorical(train.y);
  Tensor test_labels = utils::to_categorical(test.y);

  Sequential model;
  model.add(layers::Dense(32, {.activation = "relu", .input_shape = {784}}));
  model.add(layers::Dense(10, {.activation = "softmax"}));
  model.compile({.optimizer = "rmsprop",
                 .loss = "categorical_crossentropy",
                 .metrics = {"accuracy"}});
  model.fit(train_images, train_labels,
            {.epochs = flags.epochs, .batch_size = flags.batch_size,
             .verbose = flags.verbose});
  std::vector<double> scores = model.evaluate(test_images, test_labels);
  std::printf("test_loss: %.4f test_accuracy: %.4f\n", scores[0], scores[1]);
  return 0;
} catch (const std::exception &e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
