// Keras's GlobalAveragePooling2D, GlobalMaxPooling2D and Reshape: names and
// summary rows, forward values against hand-computed ones, gradients against
// finite differences, Keras configs (.keras and .h5 round trips, a config
// as Keras writes it) and the errors for what they cannot do.
#include "FrontendTestUtil.h"

#include <filesystem>

using namespace kiln;
using namespace kiln::test;

namespace {

/// Conv2D -> a global pooling -> Reshape(2, 2) -> Flatten -> Dense.
Sequential pooled(bool average) {
  Sequential model("pooled");
  model.add(layers::Conv2D(4, 2, {.activation = "relu",
                                  .input_shape = {5, 5, 2}}));
  if (average)
    model.add(layers::GlobalAveragePooling2D());
  else
    model.add(layers::GlobalMaxPooling2D());
  model.add(layers::Reshape({2, -1}));
  model.add(layers::Flatten());
  model.add(layers::Dense(3, {.activation = "softmax"}));
  return model;
}

} // namespace

// Tests Keras's automatic names, class names and summary rows.
TEST(FrontendPoolingReshapeLayers, NamesAndSummaryRows) {
  backend::clear_session();
  layers::GlobalAveragePooling2D a;
  layers::GlobalMaxPooling2D m;
  layers::Reshape r({3, 4});
  EXPECT_EQ(a.name(), "global_average_pooling2d");
  EXPECT_EQ(m.name(), "global_max_pooling2d");
  EXPECT_EQ(r.name(), "reshape");
  EXPECT_EQ(a.class_name(), "GlobalAveragePooling2D");
  backend::clear_session();
  Sequential model = pooled(true);
  std::string summary = summaryOf(model);
  EXPECT_EQ(summaryRow(summary, "global_average_pooling2d"),
            (std::vector<std::string>{"global_average_pooling2d (Gl",
                                      "(None, 4)", "0"})); // Keras 2 cuts it too
  EXPECT_EQ(summaryRow(summary, "reshape"),
            (std::vector<std::string>{"reshape (Reshape)", "(None, 2, 2)",
                                      "0"}));
  Sequential keep;
  keep.add(layers::GlobalMaxPooling2D({.keepdims = true,
                                       .input_shape = {3, 3, 5}}));
  EXPECT_EQ(keep.output_shape(), (Shape{-1, 1, 1, 5}));
}

// Tests the values: the mean and the maximum of each channel over height
// and width, and Reshape's row-major order, against numbers by hand.
TEST(FrontendPoolingReshapeLayers, ForwardValues) {
  // One sample, 2 x 2 pixels, 3 channels: channel c of pixel p is p * 3 + c,
  // except one large value.
  std::vector<float> v(12);
  for (int i = 0; i < 12; ++i)
    v[size_t(i)] = float(i);
  v[4] = 40.f; // pixel 1, channel 1
  Tensor x = f32(v, {1, 2, 2, 3});
  for (bool average : {true, false}) {
    Sequential model;
    if (average)
      model.add(layers::GlobalAveragePooling2D({.input_shape = {2, 2, 3}}));
    else
      model.add(layers::GlobalMaxPooling2D({.input_shape = {2, 2, 3}}));
    model.compile({.optimizer = "sgd", .loss = "mse"});
    Tensor y = model.predict(x, {.verbose = 0});
    // Channel 0: 0, 3, 6, 9; channel 1: 1, 40, 7, 10; channel 2: 2, 5, 8, 11.
    std::vector<float> want = average ? std::vector<float>{4.5f, 14.5f, 6.5f}
                                      : std::vector<float>{9.f, 40.f, 11.f};
    expectTensorNear(y, f32(want, {1, 3}), 1e-6f);
  }
  Sequential model;
  model.add(layers::Reshape({3, -1}, {.input_shape = {2, 2, 3}}));
  model.compile({.optimizer = "sgd", .loss = "mse"});
  EXPECT_EQ(model.output_shape(), (Shape{-1, 3, 4}));
  expectTensorNear(model.predict(x, {.verbose = 0}), f32(v, {1, 3, 4}), 0.f);
}

// Tests the gradient through both poolings and Reshape: one SGD step with
// learning rate 1 over the batch moves each weight by its gradient, which
// central differences of evaluate()'s loss reproduce.
TEST(FrontendPoolingReshapeLayers, GradientMatchesFiniteDifferences) {
  for (bool average : {true, false}) {
    SCOPED_TRACE(average ? "average" : "max");
    std::mt19937 rng(average ? 3 : 4);
    Sequential model = pooled(average);
    std::vector<Tensor> w = randomizeWeights(model, rng);
    model.compile({.optimizer = optimizers::SGD{.learning_rate = 1.0},
                   .loss = "categorical_crossentropy"});
    Tensor x = uniform(rng, {4, 5, 5, 2});
    std::vector<float> yv(12, 0.f);
    for (int i = 0; i < 4; ++i)
      yv[size_t(i * 3 + i % 3)] = 1.f;
    Tensor y = f32(yv, {4, 3});
    expectSgdStepMatchesFiniteDifferences(model, w, x, y, 1e-2, 5);
  }
}

// Tests the configs Kiln writes, a config as Keras writes it, and the
// .keras and .h5 round trips.
TEST(FrontendPoolingReshapeLayers, KerasConfigRoundTrip) {
  Sequential model = pooled(false);
  std::string json = model.to_json();
  EXPECT_NE(json.find("\"class_name\": \"GlobalMaxPooling2D\""),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"data_format\": \"channels_last\", \"keepdims\": "
                      "false}"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"target_shape\": [2, -1]"), std::string::npos)
      << json;
  model.compile({.optimizer = "adam", .loss = "categorical_crossentropy"});
  expectSavedAndReloaded(model, "pool");
  // Keras 2's spelling: the GlobalAvgPool2D alias, keepdims absent.
  Model fromKeras = model_from_json(R"({"class_name": "Sequential",
    "config": {"name": "s", "layers": [
      {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 4, 4, 3],
       "dtype": "float32", "name": "in"}},
      {"class_name": "GlobalAvgPool2D", "config": {"name": "gap",
       "data_format": "channels_last"}},
      {"class_name": "Reshape", "config": {"name": "r", "target_shape": [3, 1]}}]},
    "keras_version": "2.9.0", "backend": "tensorflow"})");
  EXPECT_EQ(fromKeras.output_shape(), (Shape{-1, 3, 1}));
}

// Tests what the layers refuse, naming the layer and the reason.
TEST(FrontendPoolingReshapeLayers, BadArguments) {
  EXPECT_NE(errorOf([] { layers::Reshape({-1, -1}); }).find("more than one -1"),
            std::string::npos);
  EXPECT_NE(errorOf([] { layers::Reshape({0, 3}); }).find("below 1"),
            std::string::npos);
  EXPECT_NE(errorOf([] {
              layers::Reshape({int64_t(1) << 40, int64_t(1) << 40, -1});
            }).find("is too large"),
            std::string::npos);
  EXPECT_NE(errorOf([] {
              model_from_json(R"({"class_name": "Sequential", "config": {
                "name": "s", "layers": [{"class_name": "Reshape", "config": {
                "name": "r", "target_shape": [18446744073709551615, 1],
                "batch_input_shape": [null, 4]}}]}})");
            }).find("target_shape must be a list of integers"),
            std::string::npos);
  EXPECT_NE(errorOf([] {
              layers::GlobalAveragePooling2D({.data_format = "channels_first"});
            }).find("channels_first"),
            std::string::npos);
  Sequential wrongSize;
  std::string msg = errorOf([&] {
    wrongSize.add(layers::Reshape({5, -1}, {.input_shape = {2, 3}}));
  });
  EXPECT_NE(msg.find("cannot reshape (-1, 2, 3) (6 values per sample) to target_shape (5, -1)"),
            std::string::npos)
      << "[" << msg << "]";
  Sequential rank3;
  msg = errorOf([&] {
    rank3.add(layers::GlobalMaxPooling2D({.input_shape = {4, 4}}));
  });
  EXPECT_NE(msg.find("expects a (batch, height, width, channels) input"),
            std::string::npos)
      << msg;
}

// Tests AveragePooling2D: the mean of each 2x2 window by hand, the dropped
// remainder row and column of valid padding, its summary row and config,
// its gradient, and what it refuses.
TEST(FrontendPoolingReshapeLayers, AveragePooling2D) {
  backend::clear_session();
  // One 5x5 single-channel image: pixel (r, c) = r * 5 + c.
  std::vector<float> v(25);
  for (int i = 0; i < 25; ++i)
    v[size_t(i)] = float(i);
  Sequential model;
  model.add(layers::AveragePooling2D(layers::AveragePooling2DOptions{.input_shape = {5, 5, 1}}));
  EXPECT_EQ(summaryRow(summaryOf(model), "average_pooling2d"),
            (std::vector<std::string>{"average_pooling2d (AveragePo", "(None, 2, 2, 1)", "0"}));
  model.compile({.optimizer = "sgd", .loss = "mse"});
  // Windows rows 0-1 / 2-3, columns 0-1 / 2-3 (row 4 and column 4 dropped).
  expectTensorNear(model.predict(f32(v, {1, 5, 5, 1}), {.verbose = 0}),
                   f32({3.f, 5.f, 13.f, 15.f}, {1, 2, 2, 1}), 1e-6f);
  std::string json = model.to_json();
  EXPECT_NE(json.find("\"class_name\": \"AveragePooling2D\""), std::string::npos) << json;

  std::mt19937 rng(6);
  Sequential net;
  net.add(layers::Conv2D(3, 2, {.input_shape = {7, 7, 2}}));
  net.add(layers::AveragePooling2D({3, 3}));
  net.add(layers::Flatten());
  net.add(layers::Dense(2, {.activation = "softmax"}));
  std::vector<Tensor> w = randomizeWeights(net, rng);
  net.compile({.optimizer = optimizers::SGD{.learning_rate = 1.0},
               .loss = "categorical_crossentropy"});
  expectSgdStepMatchesFiniteDifferences(net, w, uniform(rng, {3, 7, 7, 2}),
                                        f32({1, 0, 0, 1, 1, 0}, {3, 2}), 1e-2, 5);

  EXPECT_NE(errorOf([] { layers::AveragePooling2D({2, 2}, {.strides = {1, 1}}); })
                .find("other than pool_size"),
            std::string::npos);
  Sequential same;
  EXPECT_NE(errorOf([&] {
              same.add(layers::AveragePooling2D(layers::AveragePooling2DOptions{.padding = "same", .input_shape = {5, 4, 1}}));
            }).find("pool_size divides"),
            std::string::npos);
}
