// Keras's ImageDataGenerator: each transform on small images against
// values worked out by hand from Keras's definitions (a 90-degree rotation,
// shifts with every fill_mode, a zoom, a shear, flips, a channel shift),
// the random draws' ranges, standardization and fit()'s statistics, and
// flow()'s batches (order, shuffling by seed, subsets, targets).
#include "FrontendTestUtil.h"

using namespace kiln;
using namespace kiln::test;
using preprocessing::ImageDataGenerator;
using preprocessing::TransformParameters;

namespace {

/// A (height, width, 1) image from rows of values.
Tensor image(int64_t h, int64_t w, std::vector<float> v) { return f32(std::move(v), {h, w, 1}); }

void expectValues(const Tensor &t, const std::vector<float> &want, float tol = 1e-4f) {
  std::vector<float> got = values(t);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], tol) << "element " << i;
}

} // namespace

// Rotation by 90 degrees about the centre: out(r, c) = in(2 - c, r).
TEST(FrontendImageDataGenerator, RotationByNinetyDegrees) {
  ImageDataGenerator gen;
  Tensor img = image(3, 3, {0, 1, 2, 3, 4, 5, 6, 7, 8});
  expectValues(gen.apply_transform(img, {.theta = 90}), {6, 3, 0, 7, 4, 1, 8, 5, 2});
  expectValues(gen.apply_transform(img, {.theta = -90}), {2, 5, 8, 1, 4, 7, 0, 3, 6});
}

// Shifts of a 1 x 4 image [10 20 30 40]: out(c) = in(c + ty); the points
// beyond the edge as each fill_mode extends the image.
TEST(FrontendImageDataGenerator, ShiftsAndFillModes) {
  Tensor img = image(1, 4, {10, 20, 30, 40});
  struct Case {
    const char *mode;
    std::vector<float> plus2, minus1;
  } cases[] = {{"nearest", {30, 40, 40, 40}, {10, 10, 20, 30}},
               {"reflect", {30, 40, 40, 30}, {10, 10, 20, 30}},
               {"wrap", {30, 40, 10, 20}, {40, 10, 20, 30}},
               {"constant", {30, 40, -1, -1}, {-1, 10, 20, 30}}};
  for (const Case &c : cases) {
    SCOPED_TRACE(c.mode);
    ImageDataGenerator gen({.fill_mode = c.mode, .cval = -1});
    expectValues(gen.apply_transform(img, {.ty = 2}), c.plus2);
    expectValues(gen.apply_transform(img, {.ty = -1}), c.minus1);
  }
  // Along the rows (tx) of a 3 x 1 image, and beyond by two in reflect.
  ImageDataGenerator reflect({.fill_mode = "reflect"});
  expectValues(reflect.apply_transform(image(3, 1, {1, 2, 3}), {.tx = 2}), {3, 3, 2});
  // A half-pixel shift interpolates (bilinear), or rounds (order 0).
  ImageDataGenerator linear, nearest({.interpolation_order = 0});
  expectValues(linear.apply_transform(img, {.ty = 0.5}), {15, 25, 35, 40});
  expectValues(nearest.apply_transform(img, {.ty = 0.4}), {10, 20, 30, 40});
}

// Zoom 2 about the centre of 1 x 5: out(c) = in(2c - 2); a shear of 60
// degrees on one row: columns read at cos(60)(c - 2) + 2 (nearest clamps
// the rows); flips; a channel shift clipped to the image's range.
TEST(FrontendImageDataGenerator, ZoomShearFlipsAndChannelShift) {
  ImageDataGenerator gen;
  Tensor row = image(1, 5, {0, 10, 20, 30, 40});
  expectValues(gen.apply_transform(row, {.zx = 1, .zy = 2}), {0, 0, 20, 40, 40});
  expectValues(gen.apply_transform(row, {.shear = 60}), {10, 15, 20, 25, 30});
  Tensor img = image(2, 3, {1, 2, 3, 4, 5, 6});
  expectValues(gen.apply_transform(img, {.flip_horizontal = true}), {3, 2, 1, 6, 5, 4});
  expectValues(gen.apply_transform(img, {.flip_vertical = true}), {4, 5, 6, 1, 2, 3});
  Tensor two = f32({0, 10, 5, 20}, {1, 2, 2}); // two pixels, two channels
  expectValues(gen.apply_transform(two, {.channel_shift_intensity = 6}), {6, 16, 11, 20});
}

// The draws stay in their ranges (shifts below 1 are fractions of the
// size), both signs appear, flips only when enabled, and a seed repeats a
// draw.
TEST(FrontendImageDataGenerator, RandomDrawsAndSeeds) {
  ImageDataGenerator gen({.rotation_range = 10, .width_shift_range = 0.1,
                          .height_shift_range = 3, .shear_range = 5,
                          .zoom_range = {0.8, 1.2}, .horizontal_flip = true});
  std::mt19937_64 rng(5);
  int negative = 0, flips = 0;
  for (int i = 0; i < 400; ++i) {
    TransformParameters p = gen.get_random_transform({28, 20, 1}, rng);
    EXPECT_LE(std::abs(p.theta), 10);
    EXPECT_LE(std::abs(p.tx), 3);     // pixels: the range is 3
    EXPECT_LE(std::abs(p.ty), 2.0);   // 0.1 of the width 20
    EXPECT_LE(std::abs(p.shear), 5);
    EXPECT_TRUE(p.zx >= 0.8 && p.zx <= 1.2 && p.zy >= 0.8 && p.zy <= 1.2);
    EXPECT_FALSE(p.flip_vertical);
    EXPECT_FALSE(p.channel_shift_intensity.has_value());
    negative += p.theta < 0;
    flips += p.flip_horizontal;
  }
  EXPECT_GT(negative, 120);
  EXPECT_GT(flips, 120);
  EXPECT_LT(flips, 280);
  TransformParameters a = gen.get_random_transform({28, 20, 1}, uint64_t(9));
  TransformParameters b = gen.get_random_transform({28, 20, 1}, uint64_t(9));
  EXPECT_EQ(a.theta, b.theta);
  EXPECT_EQ(a.ty, b.ty);
}

// rescale, then sample-wise centring and scaling; fit()'s per-channel mean
// and standard deviation (after rescale) and the feature-wise steps.
TEST(FrontendImageDataGenerator, StandardizeAndFit) {
  ImageDataGenerator sample({.samplewise_center = true,
                             .samplewise_std_normalization = true, .rescale = 0.5});
  // [2, 4, 6, 8] * 0.5 = [1, 2, 3, 4]: mean 2.5, std sqrt(1.25)
  double sd = std::sqrt(1.25) + 1e-6;
  expectValues(sample.standardize(image(2, 2, {2, 4, 6, 8})),
               {float(-1.5 / sd), float(-0.5 / sd), float(0.5 / sd), float(1.5 / sd)});

  ImageDataGenerator feature({.featurewise_center = true,
                              .featurewise_std_normalization = true, .rescale = 2});
  // Two samples of one pixel, channels (1, 10) and (3, 30); after rescale
  // the channel means are 4 and 40, the standard deviations 2 and 20.
  feature.fit(f32({1, 10, 3, 30}, {2, 1, 1, 2}));
  expectValues(feature.mean(), {4, 40});
  expectValues(feature.stddev(), {2, 20});
  expectValues(feature.standardize(f32({3, 30}, {1, 1, 2})),
               {float(2 / (2 + 1e-6)), float(20 / (20 + 1e-6))});
  ImageDataGenerator pre({.rescale = 0.5,
                          .preprocessing_function = [](const Tensor &t) { return t * 3.0; }});
  expectValues(pre.standardize(image(1, 2, {2, 4})), {3, 6});
}

// flow(): batches in order without shuffling (the last one smaller), the
// targets beside their images and of their dtype, the same batches for
// the same seed and a new order each epoch, and the subsets of
// validation_split (validation first).
TEST(FrontendImageDataGenerator, FlowBatches) {
  std::vector<float> xv;
  std::vector<int32_t> yv;
  for (int i = 0; i < 10; ++i) {
    xv.insert(xv.end(), {float(i), float(i) + 0.5f});
    yv.push_back(i * 10);
  }
  Tensor x = f32(xv, {10, 1, 2, 1});
  Tensor y = Tensor::fromVector<int32_t>(yv, {10});
  ImageDataGenerator plain;
  auto it = plain.flow(x, y, {.batch_size = 4, .shuffle = false});
  EXPECT_EQ(it.size(), 3);
  auto [b0, y0] = it.next();
  EXPECT_EQ(b0.shape(), (Shape{4, 1, 2, 1}));
  expectValues(b0, {0, 0.5f, 1, 1.5f, 2, 2.5f, 3, 3.5f});
  EXPECT_EQ(y0.dtype(), DType::i32);
  EXPECT_EQ(y0.data<int32_t>()[3], 30);
  it.next();
  auto [b2, y2] = it.next();
  EXPECT_EQ(b2.shape()[0], 2);
  EXPECT_EQ(y2.data<int32_t>()[1], 90);
  auto [again, yAgain] = it.next(); // a new epoch starts
  EXPECT_EQ(yAgain.data<int32_t>()[0], 0);

  ImageDataGenerator flip({.horizontal_flip = true});
  auto a = flip.flow(x, y, {.batch_size = 5, .seed = 3});
  auto b = flip.flow(x, y, {.batch_size = 5, .seed = 3});
  std::vector<int32_t> firstEpoch, secondEpoch;
  for (int step = 0; step < 4; ++step) {
    auto [xa, ya] = a.next();
    auto [xb, yb] = b.next();
    EXPECT_EQ(values(xa), values(xb));
    for (int64_t k = 0; k < ya.size(); ++k) {
      (step < 2 ? firstEpoch : secondEpoch).push_back(ya.data<int32_t>()[k]);
      // Each image is its sample's, flipped or not.
      int32_t i = ya.data<int32_t>()[k] / 10;
      float p0 = xa.data<float>()[k * 2], p1 = xa.data<float>()[k * 2 + 1];
      EXPECT_TRUE((p0 == float(i) && p1 == float(i) + 0.5f) ||
                  (p1 == float(i) && p0 == float(i) + 0.5f));
    }
  }
  EXPECT_NE(firstEpoch, secondEpoch);
  std::vector<int32_t> sorted = firstEpoch;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<int32_t>{0, 10, 20, 30, 40, 50, 60, 70, 80, 90}));

  ImageDataGenerator split({.validation_split = 0.3});
  auto val = split.flow(x, y, {.batch_size = 10, .shuffle = false, .subset = "validation"});
  auto train = split.flow(x, y, {.batch_size = 10, .shuffle = false, .subset = "training"});
  EXPECT_EQ(val.samples(), 3);
  EXPECT_EQ(train.samples(), 7);
  EXPECT_EQ(train.next().second.data<int32_t>()[0], 30);
}

TEST(FrontendImageDataGenerator, Errors) {
  auto has = [](const std::function<void()> &f, const char *text) {
    std::string msg = errorOf(f);
    EXPECT_NE(msg.find(text), std::string::npos) << msg;
  };
  has([] { ImageDataGenerator({.fill_mode = "mirror"}); }, "fill_mode must be");
  has([] { ImageDataGenerator({.validation_split = 1}); }, "validation_split must be in [0, 1)");
  has([] { ImageDataGenerator().flow(f32({1, 2}, {1, 2}), Tensor()); },
      "x must have rank 4");
  has([] { ImageDataGenerator().flow(f32({1, 2}, {1, 1, 2, 1}), f32({1, 2}, {2})); },
      "x has 1 samples but y has 2");
  has([] { ImageDataGenerator({.featurewise_center = true}).standardize(image(1, 1, {1})); },
      "need fit(x) first");
  has([] { ImageDataGenerator().flow(f32({1, 2}, {1, 1, 2, 1}), Tensor(), {.subset = "validation"}); },
      "needs the generator's validation_split");
}

namespace {

/// Images (n, 4, 4, 1) whose class is which half is brighter.
struct Images {
  Tensor x, y;
  explicit Images(int64_t n) {
    std::mt19937 rng(12);
    std::uniform_real_distribution<float> u(0.f, 1.f);
    std::vector<float> xv;
    std::vector<int32_t> yv;
    for (int64_t i = 0; i < n; ++i) {
      int32_t label = int32_t(i % 2);
      for (int r = 0; r < 4; ++r)
        for (int c = 0; c < 4; ++c)
          xv.push_back(u(rng) * 0.5f + ((c < 2) == (label == 0) ? 0.5f : 0.f));
      yv.push_back(label);
    }
    x = f32(xv, {n, 4, 4, 1});
    y = Tensor::fromVector<int32_t>(yv, {n});
  }
};

Sequential smallCnn() {
  Sequential model;
  model.add(layers::Conv2D(3, 2, {.activation = "relu", .input_shape = {4, 4, 1}}));
  model.add(layers::Flatten());
  model.add(layers::Dense(2, {.activation = "softmax"}));
  model.compile({.optimizer = optimizers::SGD{.learning_rate = 0.1},
                 .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
  return model;
}

} // namespace

// fit on an iterator without augmentation and without shuffling trains
// exactly as fit on the arrays does (same batches, same order, the same
// weights bit for bit), steps_per_epoch counts batches across passes, and
// with augmentation the model still learns; validation_data applies.
TEST(FrontendImageDataGenerator, FitOnTheIterator) {
  Images data(40);
  Sequential a = smallCnn(), b = smallCnn();
  b.set_weights(a.get_weights());
  History ha = a.fit(data.x, data.y, {.epochs = 2, .batch_size = 8, .verbose = 0,
                                      .shuffle = false});
  // The same batches whether a producer thread or fit's thread makes them.
  ImageDataGenerator plain;
  std::vector<Tensor> start = b.get_weights();
  for (int workers : {0, 1}) {
    SCOPED_TRACE("workers " + std::to_string(workers));
    b.set_weights(start);
    auto batches = plain.flow(data.x, data.y, {.batch_size = 8, .shuffle = false});
    History hb = b.fit(batches, {.epochs = 2, .verbose = 0, .max_queue_size = 2,
                                 .workers = workers});
    EXPECT_TRUE(weightsEqual(a.get_weights(), b.get_weights()));
    EXPECT_EQ(ha.history["loss"], hb.history["loss"]);
    EXPECT_EQ(hb.params.steps, 5);
  }

  // Seeded weights and transforms, and enough steps that the rule is
  // learnt whatever the transforms' last bits are.
  utils::set_random_seed(6);
  Sequential c = smallCnn();
  c.compile({.optimizer = optimizers::Adam{.learning_rate = 0.02},
             .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
  ImageDataGenerator aug({.width_shift_range = 0.1, .zoom_range = 0.1});
  auto augmented = aug.flow(data.x, data.y, {.batch_size = 8, .seed = 4});
  History hc = c.fit(augmented, {.epochs = 20, .verbose = 0,
                                 .validation_data = {{data.x, data.y}},
                                 .steps_per_epoch = 3});
  EXPECT_EQ(hc.params.steps, 3);
  EXPECT_LT(hc.history["loss"].back(), hc.history["loss"].front());
  EXPECT_GT(hc.history["val_accuracy"].back(), 0.8);
}

// A generator that fails ends fit with its error; a validation_split is
// refused.
TEST(FrontendImageDataGenerator, FitErrors) {
  Images data(16);
  Sequential model = smallCnn();
  int calls = 0;
  ImageDataGenerator failing({.preprocessing_function = nullptr});
  ImageDataGenerator bad({.rescale = 1, .preprocessing_function = [&](const Tensor &t) {
                            if (++calls > 20)
                              throwError("broken image");
                            return t;
                          }});
  auto batches = bad.flow(data.x, data.y, {.batch_size = 4, .seed = 1});
  std::string msg;
  for (int workers : {0, 1}) {
    calls = 0;
    msg = errorOf([&] {
      model.fit(batches, {.epochs = 10, .verbose = 0, .workers = workers});
    });
    EXPECT_NE(msg.find("broken image"), std::string::npos) << msg;
  }
  auto plain = failing.flow(data.x, data.y, {.batch_size = 4});
  msg = errorOf([&] { model.fit(plain, {.verbose = 0, .validation_split = 0.2}); });
  EXPECT_NE(msg.find("validation_split is not supported with a generator"), std::string::npos)
      << msg;
  msg = errorOf([&] { model.fit(plain, {.verbose = 0, .workers = 2}); });
  EXPECT_NE(msg.find("workers must be 0 (batches made on fit's thread) or 1"),
            std::string::npos) << msg;
  msg = errorOf([&] { model.fit(plain, {.verbose = 0, .max_queue_size = 0}); });
  EXPECT_NE(msg.find("max_queue_size must be positive, got 0"), std::string::npos) << msg;
}
