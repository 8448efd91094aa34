// A small convolutional network on Fashion-MNIST, trained with Adam.
//   fashion_mnist_cnn [--epochs 10] [--batch-size 32] [--verbose 1]
#include "ExampleFlags.h"
#include "frontend/Keras.h"

#include <cstdio>
#include <iostream>

using namespace kiln;

int main(int argc, char **argv) try {
  auto flags = examples::parseFlags(argc, argv, /*epochs=*/10, /*batch=*/32,
                                    "Fashion-MNIST CNN\n");
  auto [train, test] = datasets::fashion_mnist::load_data();
  // Images become (n, 28, 28, 1) in [0, 1] (channels_last).
  Tensor X_train_full = (train.x / 255.0).reshape({60000, 28, 28, 1});
  Tensor X_valid = X_train_full.slice(0, 5000), X_train = X_train_full.slice(5000, 60000);
  Tensor y_valid = train.y.slice(0, 5000), y_train = train.y.slice(5000, 60000);
  Tensor X_test = (test.x / 255.0).reshape({10000, 28, 28, 1});

  Sequential model;
  model.add(layers::Conv2D(32, 3, {.activation = "relu", .input_shape = {28, 28, 1}}));
  model.add(layers::MaxPooling2D());
  model.add(layers::Conv2D(64, 3, {.activation = "relu"}));
  model.add(layers::MaxPooling2D());
  model.add(layers::Flatten());
  model.add(layers::Dense(128, {.activation = "relu"}));
  model.add(layers::Dense(10, {.activation = "softmax"}));
  model.summary();

  model.compile({.optimizer = "adam",
                 .loss = "sparse_categorical_crossentropy",
                 .metrics = {"accuracy"}});
  History history = model.fit(X_train, y_train,
            {.epochs = flags.epochs,
             .batch_size = flags.batch_size,
             .verbose = flags.verbose,
             .validation_data = {{X_valid, y_valid}}});
  std::vector<double> scores = model.evaluate(X_test, test.y);
  std::printf("test_loss: %.4f test_accuracy: %.4f\n", scores[0], scores[1]);
  examples::saveAndReload(model, X_test, flags.save);
  examples::drawPictures(model, history, flags.plots, "fashion_mnist_cnn");
  return 0;
} catch (const std::exception &e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
