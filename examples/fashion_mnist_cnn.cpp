// A small convolutional network on Fashion-MNIST, trained with Adam.
//   fashion_mnist_cnn [--epochs 10] [--batch-size 32] [--verbose 1] [--augment]
// --augment trains on ImageDataGenerator batches (rotation 10, shifts 0.1,
// zoom 0.1), as seed 004 augments images: on a producer thread while the
// train step runs when a core is free for it, else just before each step.
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
  FitOptions options = {.epochs = flags.epochs,
                        .batch_size = flags.batch_size,
                        .verbose = flags.verbose,
                        .validation_data = {{X_valid, y_valid}}};
  History history;
  if (flags.augment) {
    preprocessing::ImageDataGenerator datagen({.rotation_range = 10,
                                               .width_shift_range = 0.1,
                                               .height_shift_range = 0.1,
                                               .zoom_range = 0.1});
    auto batches = datagen.flow(X_train, y_train, {.batch_size = flags.batch_size});
    history = model.fit(batches, options);
  } else {
    history = model.fit(X_train, y_train, options);
  }
  std::vector<double> scores = model.evaluate(X_test, test.y);
  std::printf("test_loss: %.4f test_accuracy: %.4f\n", scores[0], scores[1]);
  examples::saveAndReload(model, X_test, flags.save);
  examples::drawPictures(model, history, flags.plots, "fashion_mnist_cnn");
  return 0;
} catch (const std::exception &e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
