// Keras's ImageDataGenerator (keras.preprocessing.image, Keras 2.x): random
// affine transforms of images (rotation, shifts, shear, zoom, flips,
// channel shifts) with Keras's maths and fill modes, feature-wise and
// sample-wise standardization, and flow(), an iterator of augmented
// batches.
//   preprocessing::ImageDataGenerator gen({.rotation_range = 10,
//       .width_shift_range = 0.1, .height_shift_range = 0.1, .zoom_range = 0.1});
//   auto batches = gen.flow(x_train, y_train, {.batch_size = 64, .seed = 1});
//   auto [x, y] = batches.next();
#ifndef KILN_FRONTEND_IMAGEDATAGENERATOR_H
#define KILN_FRONTEND_IMAGEDATAGENERATOR_H

#include "runtime/Tensor.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace kiln::preprocessing {

/// Keras's zoom_range: z means [1 - z, 1 + z]; or the pair itself.
struct ZoomRange {
  ZoomRange(double z = 0) : lower(1 - z), upper(1 + z) {}
  ZoomRange(double lower, double upper) : lower(lower), upper(upper) {}
  double lower, upper;
};

struct ImageDataGeneratorOptions {
  /// Subtract the data set's per-channel mean (fit() computes it).
  bool featurewise_center = false;
  /// Subtract each image's own mean.
  bool samplewise_center = false;
  /// Divide by the data set's per-channel standard deviation (+ 1e-6).
  bool featurewise_std_normalization = false;
  /// Divide each image by its own standard deviation (+ 1e-6).
  bool samplewise_std_normalization = false;
  /// Degrees: the rotation is uniform in [-range, range].
  double rotation_range = 0;
  /// Below 1: a fraction of the width (height); from 1 on: pixels. The
  /// shift is uniform in [-range, range].
  double width_shift_range = 0;
  double height_shift_range = 0;
  /// Degrees, counter-clockwise: the shear angle is uniform in
  /// [-range, range] (Keras 2.x's definition).
  double shear_range = 0;
  ZoomRange zoom_range = {};
  /// Added to every value of a channel, uniform in [-range, range].
  double channel_shift_range = 0;
  /// Points outside the image: "nearest" (aaaa|abcd|dddd), "constant"
  /// (cval), "reflect" (dcba|abcd|dcba) or "wrap" (abcd|abcd|abcd).
  std::string fill_mode = "nearest";
  double cval = 0;
  bool horizontal_flip = false;
  bool vertical_flip = false;
  /// Multiplies every value (0: none), before the other standardization.
  double rescale = 0;
  /// Runs on each image (height, width, channels) after its transform and
  /// before rescale; returns an image of the same shape.
  std::function<Tensor(const Tensor &)> preprocessing_function = nullptr;
  /// The fraction of flow()'s samples its "validation" subset holds (the
  /// first ones); the "training" subset is the rest.
  double validation_split = 0;
  /// 0: nearest neighbour, 1: bilinear (Keras's default).
  int interpolation_order = 1;
};

/// One image's draw of the random transform (Keras's transform_parameters).
struct TransformParameters {
  double theta = 0;      ///< rotation, degrees
  double tx = 0, ty = 0; ///< shift along rows (height) and columns, pixels
  double shear = 0;      ///< degrees
  double zx = 1, zy = 1; ///< zoom along rows and columns
  bool flip_horizontal = false, flip_vertical = false;
  std::optional<double> channel_shift_intensity;
};

struct FlowOptions {
  int64_t batch_size = 32;
  /// Reshuffles the order every epoch.
  bool shuffle = true;
  /// Seeds the order and the transforms: the same seed gives the same
  /// batches.
  std::optional<uint64_t> seed = std::nullopt;
  /// "training" or "validation" with validation_split; "" for all.
  std::string subset = "";
};

class ImageDataGenerator;

/// flow()'s iterator (Keras's NumpyArrayIterator): batches of augmented,
/// standardized images with their targets, in epochs of size() batches
/// (the last one smaller when the samples do not divide evenly).
class NumpyArrayIterator {
public:
  /// Batches per epoch (Keras's len()).
  int64_t size() const;
  int64_t samples() const { return n_; }
  int64_t batch_size() const { return batchSize_; }
  /// The next batch: images (batch, height, width, channels) and targets
  /// (an empty Tensor when flow had none). Safe to call from several
  /// threads; each call takes the next batch of the epoch.
  std::pair<Tensor, Tensor> next();
  /// Batch `index` of the current epoch's order (Keras's iterator[i]).
  std::pair<Tensor, Tensor> batch(int64_t index) const;
  /// Starts the next epoch: a new order when shuffling.
  void on_epoch_end();

private:
  friend class ImageDataGenerator;
  NumpyArrayIterator(std::shared_ptr<const ImageDataGenerator> gen, Tensor x,
                     Tensor y, const FlowOptions &options);

  std::shared_ptr<const ImageDataGenerator> gen_;
  Tensor x_, y_;
  int64_t n_ = 0, batchSize_ = 0;
  bool shuffle_ = true;
  uint64_t seed_ = 0;
  std::vector<int64_t> order_;
  int64_t epoch_ = 0, nextBatch_ = 0;
  std::unique_ptr<std::mutex> lock_;
};

class ImageDataGenerator {
public:
  explicit ImageDataGenerator(ImageDataGeneratorOptions options = {});

  /// The per-channel mean and standard deviation featurewise_center and
  /// featurewise_std_normalization use, from `x` (samples, height, width,
  /// channels) after rescale; with `augment`, from `rounds` random
  /// transforms of every image.
  void fit(const Tensor &x, bool augment = false, int rounds = 1,
           std::optional<uint64_t> seed = std::nullopt);
  /// fit()'s statistics, shape (channels); empty before fit(). (Keras's
  /// `mean` and `std` attributes.)
  const Tensor &mean() const { return mean_; }
  const Tensor &stddev() const { return std_; }

  /// A random draw for an image of `shape` (height, width, channels).
  TransformParameters get_random_transform(const Shape &shape, std::mt19937_64 &rng) const;
  TransformParameters get_random_transform(const Shape &shape, uint64_t seed) const;
  /// Applies `params` to one image (height, width, channels), f32.
  Tensor apply_transform(const Tensor &image, const TransformParameters &params) const;
  /// preprocessing_function, rescale, then the sample-wise and feature-wise
  /// standardization, on one image.
  Tensor standardize(Tensor image) const;
  /// get_random_transform then apply_transform.
  Tensor random_transform(const Tensor &image, uint64_t seed) const;

  /// Batches of `x` (samples, height, width, channels) and `y` (one row per
  /// sample, or an empty Tensor for none).
  NumpyArrayIterator flow(const Tensor &x, const Tensor &y = Tensor(),
                          FlowOptions options = {}) const;

  const ImageDataGeneratorOptions &options() const { return o_; }

private:
  friend class NumpyArrayIterator;
  /// get_random_transform's draws from any random bit generator.
  template <typename Engine>
  TransformParameters drawTransform(const Shape &shape, Engine &rng) const;
  /// apply_transform from `src` into `dst`, images of `shape` (f32).
  void transformInto(const float *src, const Shape &shape,
                     const TransformParameters &params, float *dst) const;
  /// standardize's arithmetic after preprocessing_function, in place on
  /// the `n` values of an image of `channels` channels.
  void standardizeInPlace(float *values, int64_t n, int64_t channels) const;

  ImageDataGeneratorOptions o_;
  Tensor mean_, std_;
};

} // namespace kiln::preprocessing

#endif // KILN_FRONTEND_IMAGEDATAGENERATOR_H
