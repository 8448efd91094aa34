// A small ResNet-style network on Fashion-MNIST: convolutions with
// BatchNormalization, two residual blocks joined by Add, global average
// pooling, and a dense layer with Dropout before the classifier (Functional
// API, Adam with a step-decay schedule).
//   fashion_mnist_resnet [--epochs 5] [--batch-size 64] [--verbose 1]
#include "ExampleFlags.h"
#include "SmallResNet.h"
#include "frontend/Keras.h"

#include <cstdio>
#include <iostream>

using namespace kiln;

int main(int argc, char **argv) try {
  auto flags = examples::parseFlags(argc, argv, /*epochs=*/5, /*batch=*/64,
                                    "Fashion-MNIST ResNet-style CNN\n");
  auto [train, test] = datasets::fashion_mnist::load_data();
  Tensor X_train_full = (train.x / 255.0).reshape({60000, 28, 28, 1});
  Tensor X_valid = X_train_full.slice(0, 5000), X_train = X_train_full.slice(5000, 60000);
  Tensor y_valid = train.y.slice(0, 5000), y_train = train.y.slice(5000, 60000);
  Tensor X_test = (test.x / 255.0).reshape({10000, 28, 28, 1});

  Model model = examples::smallResNet();
  model.summary();

  model.compile({.optimizer = "adam",
                 .loss = "sparse_categorical_crossentropy",
                 .metrics = {"accuracy"}});
  // Halving the rate after the second epoch settles the last epochs, whose
  // validation figures swing with the batch statistics at Adam's full rate.
  auto schedule = callbacks::LearningRateScheduler(
      [](int epoch, double lr) { return epoch < 2 ? lr : lr * 0.5; });
  History history = model.fit(X_train, y_train,
            {.epochs = flags.epochs,
             .batch_size = flags.batch_size,
             .verbose = flags.verbose,
             .callbacks = {schedule},
             .validation_data = {{X_valid, y_valid}}});
  std::vector<double> scores = model.evaluate(X_test, test.y);
  std::printf("test_loss: %.4f test_accuracy: %.4f\n", scores[0], scores[1]);
  examples::saveAndReload(model, X_test, flags.save);
  examples::drawPictures(model, history, flags.plots, "fashion_mnist_resnet");
  return 0;
} catch (const std::exception &e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
