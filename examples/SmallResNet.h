// The small ResNet-style CNN of examples/fashion_mnist_resnet and of the
// ResNet row of benchmarks/compare: Conv2D + BatchNormalization + ReLU,
// MaxPooling2D, two residual blocks joined by Add, GlobalAveragePooling2D,
// Dense(128), Dropout(0.3), Dense(10, softmax), on 28x28x1 images.
#ifndef KILN_EXAMPLES_SMALLRESNET_H
#define KILN_EXAMPLES_SMALLRESNET_H

#include "frontend/Keras.h"

namespace examples {

/// BatchNormalization with momentum 0.9 (PyTorch's default, 0.1 there):
/// Keras's 0.99 averages over ~100 steps, which lag behind Adam's early
/// updates, so the validation figures of the first epochs swing.
inline kiln::Layer resnetBatchNorm() {
  return kiln::layers::BatchNormalization({.momentum = 0.9});
}

/// Conv2D (3x3, same, no bias: BatchNormalization's beta is the bias) ->
/// BatchNormalization -> ReLU.
inline kiln::KerasTensor convBnRelu(kiln::KerasTensor x, int64_t filters) {
  x = kiln::layers::Conv2D(filters, 3, {.padding = "same", .use_bias = false})(x);
  x = resnetBatchNorm()(x);
  return kiln::layers::ReLU()(x);
}

/// Two 3x3 convolutions with BatchNormalization and the identity shortcut:
/// relu(x + bn(conv(relu(bn(conv(x)))))).
inline kiln::KerasTensor residualBlock(kiln::KerasTensor x, int64_t filters) {
  kiln::KerasTensor y = convBnRelu(x, filters);
  y = kiln::layers::Conv2D(filters, 3, {.padding = "same", .use_bias = false})(y);
  y = resnetBatchNorm()(y);
  return kiln::layers::ReLU()(kiln::layers::Add()({x, y}));
}

inline kiln::Model smallResNet() {
  kiln::KerasTensor inputs = kiln::Input({28, 28, 1});
  kiln::KerasTensor x = convBnRelu(inputs, 32);               // 28x28x32
  x = kiln::layers::MaxPooling2D()(x);                        // 14x14x32
  x = residualBlock(x, 32);
  x = kiln::layers::MaxPooling2D()(x);                        // 7x7x32
  x = convBnRelu(x, 96);                                      // 7x7x96
  x = residualBlock(x, 96);
  x = kiln::layers::GlobalAveragePooling2D()(x);              // 96
  x = kiln::layers::Dense(128, {.activation = "relu"})(x);
  x = kiln::layers::Dropout(0.3)(x);
  kiln::KerasTensor outputs = kiln::layers::Dense(10, {.activation = "softmax"})(x);
  return kiln::Model(inputs, outputs, "fashion_mnist_resnet");
}

} // namespace examples

#endif // KILN_EXAMPLES_SMALLRESNET_H
