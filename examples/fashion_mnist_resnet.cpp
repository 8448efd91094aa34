// A small ResNet-style network on Fashion-MNIST: convolutions with
// BatchNormalization, two residual blocks joined by Add, global average
// pooling, and a dense layer with Dropout before the classifier (Functional
// API, Adam with a step-decay schedule).
//   fashion_mnist_resnet [--epochs 5] [--batch-size 64] [--verbose 1]
#include "ExampleFlags.h"
#include "frontend/Keras.h"

#include <cstdio>
#include <iostream>

using namespace kiln;

namespace {

/// BatchNormalization with momentum 0.9 (PyTorch's default, 0.1 there):
/// Keras's 0.99 averages over ~100 steps, which lag behind Adam's early
/// updates, so the validation figures of the first epochs swing.
Layer batchNorm() { return layers::BatchNormalization({.momentum = 0.9}); }

/// Conv2D (3x3, same, no bias: BatchNormalization's beta is the bias) ->
/// BatchNormalization -> ReLU.
KerasTensor convBnRelu(KerasTensor x, int64_t filters) {
  x = layers::Conv2D(filters, 3, {.padding = "same", .use_bias = false})(x);
  x = batchNorm()(x);
  return layers::ReLU()(x);
}

/// Two 3x3 convolutions with BatchNormalization and the identity shortcut:
/// relu(x + bn(conv(relu(bn(conv(x)))))).
KerasTensor residualBlock(KerasTensor x, int64_t filters) {
  KerasTensor y = convBnRelu(x, filters);
  y = layers::Conv2D(filters, 3, {.padding = "same", .use_bias = false})(y);
  y = batchNorm()(y);
  return layers::ReLU()(layers::Add()({x, y}));
}

} // namespace

int main(int argc, char **argv) try {
  auto flags = examples::parseFlags(argc, argv, /*epochs=*/5, /*batch=*/64,
                                    "Fashion-MNIST ResNet-style CNN\n");
  auto [train, test] = datasets::fashion_mnist::load_data();
  Tensor X_train_full = (train.x / 255.0).reshape({60000, 28, 28, 1});
  Tensor X_valid = X_train_full.slice(0, 5000), X_train = X_train_full.slice(5000, 60000);
  Tensor y_valid = train.y.slice(0, 5000), y_train = train.y.slice(5000, 60000);
  Tensor X_test = (test.x / 255.0).reshape({10000, 28, 28, 1});

  KerasTensor inputs = Input({28, 28, 1});
  KerasTensor x = convBnRelu(inputs, 32);            // 28x28x32
  x = layers::MaxPooling2D()(x);                     // 14x14x32
  x = residualBlock(x, 32);
  x = layers::MaxPooling2D()(x);                     // 7x7x32
  x = convBnRelu(x, 96);                             // 7x7x96
  x = residualBlock(x, 96);
  x = layers::GlobalAveragePooling2D()(x);           // 96
  x = layers::Dense(128, {.activation = "relu"})(x);
  x = layers::Dropout(0.3)(x);
  KerasTensor outputs = layers::Dense(10, {.activation = "softmax"})(x);
  Model model(inputs, outputs, "fashion_mnist_resnet");
  model.summary();

  model.compile({.optimizer = "adam",
                 .loss = "sparse_categorical_crossentropy",
                 .metrics = {"accuracy"}});
  // Halving the rate after the second epoch settles the last epochs, whose
  // validation figures swing with the batch statistics at Adam's full rate.
  auto schedule = callbacks::LearningRateScheduler(
      [](int epoch, double lr) { return epoch < 2 ? lr : lr * 0.5; });
  model.fit(X_train, y_train,
            {.epochs = flags.epochs,
             .batch_size = flags.batch_size,
             .verbose = flags.verbose,
             .callbacks = {schedule},
             .validation_data = {{X_valid, y_valid}}});
  std::vector<double> scores = model.evaluate(X_test, test.y);
  std::printf("test_loss: %.4f test_accuracy: %.4f\n", scores[0], scores[1]);
  examples::saveAndReload(model, X_test, flags.save);
  return 0;
} catch (const std::exception &e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
