// Fashion-MNIST as sequences: each image is 28 time steps of 28 pixels (its
// rows), read by an LSTM(128) (fashion_mnist_lstm) or a GRU(128)
// (fashion_mnist_gru, built from this file with KILN_EXAMPLE_GRU) whose last
// state feeds a softmax layer.
//   fashion_mnist_lstm [--epochs 5] [--batch-size 64] [--verbose 1]
//   fashion_mnist_gru  [--epochs 5] [--batch-size 64] [--verbose 1]
#include "ExampleFlags.h"
#include "frontend/Keras.h"

#include <cstdio>
#include <iostream>

#ifdef KILN_EXAMPLE_GRU
#define KILN_CELL_NAME "GRU"
#else
#define KILN_CELL_NAME "LSTM"
#endif

using namespace kiln;

int main(int argc, char **argv) try {
  auto flags = examples::parseFlags(argc, argv, /*epochs=*/5, /*batch=*/64,
                                    "Fashion-MNIST " KILN_CELL_NAME "\n");
  auto [train, test] = datasets::fashion_mnist::load_data();
  // Images become (n, 28, 28) in [0, 1]: 28 steps of 28 features.
  Tensor X_train_full = train.x / 255.0;
  Tensor X_valid = X_train_full.slice(0, 5000), X_train = X_train_full.slice(5000, 60000);
  Tensor y_valid = train.y.slice(0, 5000), y_train = train.y.slice(5000, 60000);
  Tensor X_test = test.x / 255.0;

  Sequential model;
#ifdef KILN_EXAMPLE_GRU
  model.add(layers::GRU(128, {.input_shape = {28, 28}}));
#else
  model.add(layers::LSTM(128, {.input_shape = {28, 28}}));
#endif
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
  examples::drawPictures(model, history, flags.plots,
                         std::string("fashion_mnist_") + (KILN_CELL_NAME[0] == 'G' ? "gru" : "lstm"));
  return 0;
} catch (const std::exception &e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
