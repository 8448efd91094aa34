// The Keras layers Kiln provides. Options follow each Keras constructor's
// keyword arguments, in Keras's order, so C++20 designated initializers read
// like the Python call:
//   layers::Dense(300, {.activation = "relu"})
//   layers::Conv2D(32, {5, 5}, {.padding = "same", .activation = "relu",
//                               .input_shape = {28, 28, 1}})
#ifndef KILN_FRONTEND_LAYERS_H
#define KILN_FRONTEND_LAYERS_H

#include "frontend/Layer.h"

#include <optional>

namespace kiln::layers {

struct DenseOptions {
  std::string activation = "linear";
  bool use_bias = true;
  Initializer kernel_initializer = "glorot_uniform";
  Initializer bias_initializer = "zeros";
  /// Only on the first layer of a Sequential model: the per-sample shape.
  Shape input_shape = {};
  int64_t input_dim = 0;
  std::string name = "";
};
/// Keras `Dense`: activation(input · kernel + bias), kernel (in, units).
class Dense : public Layer {
public:
  explicit Dense(int64_t units, DenseOptions options = {});
};

struct FlattenOptions {
  Shape input_shape = {};
  std::string name = "";
};
/// Keras `Flatten`: (batch, d1, d2, ...) -> (batch, d1 * d2 * ...).
class Flatten : public Layer {
public:
  explicit Flatten(FlattenOptions options = {});
};

struct ActivationOptions {
  Shape input_shape = {};
  std::string name = "";
};
/// Keras `Activation`: applies a named activation.
class Activation : public Layer {
public:
  explicit Activation(std::string activation, ActivationOptions options = {});
};

struct SoftmaxOptions {
  /// Kiln normalizes over the last axis only (Keras's default, -1).
  int64_t axis = -1;
  Shape input_shape = {};
  std::string name = "";
};
/// Keras `Softmax` as a layer: softmax over the last axis.
class Softmax : public Layer {
public:
  explicit Softmax(SoftmaxOptions options = {});
};

struct ReLUOptions {
  /// Keras's max_value (None), negative_slope and threshold; Kiln supports
  /// negative_slope, and max_value and threshold at their defaults.
  std::optional<double> max_value = std::nullopt;
  double negative_slope = 0.0;
  double threshold = 0.0;
  Shape input_shape = {};
  std::string name = "";
};
struct LeakyReLUOptions {
  /// Keras 3's negative_slope (Keras 2's alpha).
  double negative_slope = 0.3;
  Shape input_shape = {};
  std::string name = "";
};
/// Keras `LeakyReLU`: x for x >= 0, negative_slope * x below.
class LeakyReLU : public Layer {
public:
  explicit LeakyReLU(LeakyReLUOptions options = {});
};

/// Keras `ReLU` as a layer: max(x, 0) + negative_slope * min(x, 0).
class ReLU : public Layer {
public:
  explicit ReLU(ReLUOptions options = {});
};

struct Conv2DOptions {
  std::vector<int64_t> strides = {1, 1};
  std::string padding = "valid";
  std::string data_format = "channels_last";
  std::string activation = "linear";
  bool use_bias = true;
  Initializer kernel_initializer = "glorot_uniform";
  Initializer bias_initializer = "zeros";
  Shape input_shape = {};
  std::string name = "";
};
/// Keras `Conv2D` (channels_last): kernel (kh, kw, in_channels, filters).
class Conv2D : public Layer {
public:
  Conv2D(int64_t filters, std::vector<int64_t> kernel_size,
         Conv2DOptions options = {});
  Conv2D(int64_t filters, int64_t kernel_size, Conv2DOptions options = {})
      : Conv2D(filters, std::vector<int64_t>{kernel_size, kernel_size},
               std::move(options)) {}
};

struct MaxPooling2DOptions {
  /// Empty strides mean "same as pool_size", Keras's default.
  std::vector<int64_t> strides = {};
  std::string padding = "valid";
  std::string data_format = "channels_last";
  Shape input_shape = {};
  std::string name = "";
};
/// Keras `MaxPooling2D` (channels_last).
class MaxPooling2D : public Layer {
public:
  explicit MaxPooling2D(std::vector<int64_t> pool_size = {2, 2},
                        MaxPooling2DOptions options = {});
  explicit MaxPooling2D(MaxPooling2DOptions options)
      : MaxPooling2D({2, 2}, std::move(options)) {}
};

/// Keras `AveragePooling2D` (channels_last): the mean of each window.
/// Kiln averages whole, non-overlapping windows: strides equal to
/// pool_size (Keras's default), valid padding (a remainder row or column is
/// dropped, as Keras does) or same padding on sizes the pool divides.
using AveragePooling2DOptions = MaxPooling2DOptions;
class AveragePooling2D : public Layer {
public:
  explicit AveragePooling2D(std::vector<int64_t> pool_size = {2, 2},
                            AveragePooling2DOptions options = {});
  explicit AveragePooling2D(AveragePooling2DOptions options)
      : AveragePooling2D({2, 2}, std::move(options)) {}
};

struct GlobalPooling2DOptions {
  /// Keep the pooled height and width as 1: (batch, 1, 1, channels).
  bool keepdims = false;
  std::string data_format = "channels_last";
  Shape input_shape = {};
  std::string name = "";
};
/// Keras `GlobalAveragePooling2D`: (batch, h, w, c) -> (batch, c), the mean
/// over each channel's h x w values.
class GlobalAveragePooling2D : public Layer {
public:
  explicit GlobalAveragePooling2D(GlobalPooling2DOptions options = {});
};
/// Keras `GlobalMaxPooling2D`: (batch, h, w, c) -> (batch, c), the maximum
/// (its gradient goes to the position of the maximum).
class GlobalMaxPooling2D : public Layer {
public:
  explicit GlobalMaxPooling2D(GlobalPooling2DOptions options = {});
};

struct ReshapeOptions {
  Shape input_shape = {};
  std::string name = "";
};
/// Keras `Reshape`: (batch, ...) -> (batch, *target_shape), the elements in
/// row-major order; one entry of target_shape may be -1 (inferred).
class Reshape : public Layer {
public:
  explicit Reshape(Shape target_shape, ReshapeOptions options = {});
};

struct DropoutOptions {
  /// Keras's noise_shape is not supported (the mask covers every element).
  /// Without a seed, one is drawn from the global generator
  /// (utils::set_random_seed makes it reproducible).
  std::optional<int64_t> seed = std::nullopt;
  Shape input_shape = {};
  std::string name = "";
};
/// Keras `Dropout`: in training, each element is zeroed with probability
/// `rate` and the rest scaled by 1 / (1 - rate); evaluate and predict pass
/// the input through. A new mask per training step.
class Dropout : public Layer {
public:
  explicit Dropout(double rate, DropoutOptions options = {});
};

struct BatchNormalizationOptions {
  /// Kiln normalizes over the last axis (channels_last; Keras's default).
  int64_t axis = -1;
  double momentum = 0.99;
  double epsilon = 1e-3;
  bool center = true;
  bool scale = true;
  Initializer beta_initializer = "zeros";
  Initializer gamma_initializer = "ones";
  Initializer moving_mean_initializer = "zeros";
  Initializer moving_variance_initializer = "ones";
  Shape input_shape = {};
  std::string name = "";
};
/// Keras `BatchNormalization`: gamma * (x - mean) / sqrt(var + epsilon) +
/// beta per feature of the last axis. Training normalizes with the batch's
/// statistics (over all other axes) and moves the non-trainable
/// moving_mean / moving_variance toward them by `momentum`, inside the
/// compiled train step; evaluate and predict use the moving statistics.
/// Weights in Keras's order: gamma, beta, moving_mean, moving_variance.
class BatchNormalization : public Layer {
public:
  explicit BatchNormalization(BatchNormalizationOptions options = {});
};

/// Keras `Add`: elementwise sum of two or more tensors of one shape.
class Add : public Layer {
public:
  explicit Add(std::string name = "");
};

/// Keras `Concatenate` along `axis` (default the last).
class Concatenate : public Layer {
public:
  explicit Concatenate(int64_t axis = -1, std::string name = "");
};

} // namespace kiln::layers

#endif // KILN_FRONTEND_LAYERS_H
