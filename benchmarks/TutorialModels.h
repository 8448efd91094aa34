// The examples' Fashion-MNIST models, compiled as the examples compile them:
// the MLP (SGD) of examples/fashion_mnist_mlp.cpp and the CNN (Adam) of
// examples/fashion_mnist_cnn.cpp, each with sparse categorical accuracy.
// Shared by the benchmarks that measure them (kiln-bench, kiln-compile-time).
#ifndef KILN_BENCHMARKS_TUTORIALMODELS_H
#define KILN_BENCHMARKS_TUTORIALMODELS_H

#include "frontend/Keras.h"

namespace kiln::bench {

inline Sequential mlp() {
  Sequential model("mlp");
  model.add(layers::Flatten({.input_shape = {28, 28}}));
  model.add(layers::Dense(300, {.activation = "relu"}));
  model.add(layers::Dense(100, {.activation = "relu"}));
  model.add(layers::Dense(10, {.activation = "softmax"}));
  model.compile({.optimizer = "sgd",
                 .loss = "sparse_categorical_crossentropy",
                 .metrics = {"accuracy"}});
  return model;
}

inline Sequential cnn() {
  Sequential model("cnn");
  model.add(layers::Conv2D(
      32, 3, {.activation = "relu", .input_shape = {28, 28, 1}}));
  model.add(layers::MaxPooling2D());
  model.add(layers::Conv2D(64, 3, {.activation = "relu"}));
  model.add(layers::MaxPooling2D());
  model.add(layers::Flatten());
  model.add(layers::Dense(128, {.activation = "relu"}));
  model.add(layers::Dense(10, {.activation = "softmax"}));
  model.compile({.optimizer = "adam",
                 .loss = "sparse_categorical_crossentropy",
                 .metrics = {"accuracy"}});
  return model;
}

} // namespace kiln::bench

#endif // KILN_BENCHMARKS_TUTORIALMODELS_H
