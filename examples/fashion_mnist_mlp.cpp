// Seed 001: a multi-layer perceptron on Fashion-MNIST with the Sequential API.
//   fashion_mnist_mlp [--epochs 30] [--batch-size 32] [--verbose 1]
#include "ExampleFlags.h"
#include "frontend/Keras.h"

#include <cstdio>
#include <iostream>

using namespace kiln;

int main(int argc, char **argv) try {
  auto flags = examples::parseFlags(argc, argv, /*epochs=*/30, /*batch=*/32,
                                    "Fashion-MNIST MLP (Keras seed 001)\n");

  // Keras: (X_train_full, y_train_full), (X_test, y_test) = fashion_mnist.load_data()
  auto [train, test] = datasets::fashion_mnist::load_data();
  // The first 5000 training images validate; pixels are scaled to [0, 1].
  Tensor X_valid = train.x.slice(0, 5000) / 255.0;
  Tensor X_train = train.x.slice(5000, 60000) / 255.0;
  Tensor y_valid = train.y.slice(0, 5000);
  Tensor y_train = train.y.slice(5000, 60000);
  Tensor X_test = test.x / 255.0;

  Sequential model;
  model.add(layers::Flatten({.input_shape = {28, 28}}));
  model.add(layers::Dense(300, {.activation = "relu"}));
  model.add(layers::Dense(100, {.activation = "relu"}));
  model.add(layers::Dense(10, {.activation = "softmax"}));
  model.summary();

  model.compile({.optimizer = "sgd",
                 .loss = "sparse_categorical_crossentropy",
                 .metrics = {"accuracy"}});
  History history = model.fit(X_train, y_train,
                              {.epochs = flags.epochs,
                               .batch_size = flags.batch_size,
                               .verbose = flags.verbose,
                               .validation_data = {{X_valid, y_valid}}});

  std::vector<double> scores = model.evaluate(X_test, test.y);
  // The first three test images, as the tutorial predicts them.
  Tensor probabilities = model.predict(X_test.slice(0, 3));
  Tensor classes = argmax(probabilities);
  std::cout << "predicted classes of the first 3 test images: "
            << classes.toString() << " (labels "
            << test.y.slice(0, 3).toString() << ")\n";
  std::printf("test_loss: %.4f test_accuracy: %.4f\n", scores[0], scores[1]);
  examples::saveAndReload(model, X_test, flags.save);
  examples::drawPictures(model, history, flags.plots, "fashion_mnist_mlp");
  return 0;
} catch (const std::exception &e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
