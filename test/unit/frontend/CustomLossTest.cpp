// Custom losses and metrics written with kiln::ops (Keras's custom loss
// functions and the backend ops they use): compiled into the step,
// differentiated by the compiler, saved by name and found again on load.
#include "FrontendTestUtil.h"

#include "frontend/Saving.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

using namespace kiln;
using namespace kiln::test;

namespace {

Sequential smallModel(const char *activation) {
  Sequential model;
  model.add(layers::Dense(5, {.activation = "tanh", .input_dim = 4}));
  model.add(layers::Dense(3, {.activation = activation}));
  return model;
}

LossFunction myMse() {
  return {"my_mse", [](ops::Value t, ops::Value p) {
            return ops::mean(ops::square(p - t), {-1});
          }};
}

} // namespace

// The gradient the compiler derives for a loss built from the new ops
// (clip, maximum, minimum, sqrt, a mask from a comparison, a keepdims mean,
// softmax, exp and log) matches central differences of the loss.
TEST(FrontendCustomLoss, GradientMatchesFiniteDifferences) {
  std::mt19937 rng(5);
  Tensor x = uniform(rng, {16, 4}), y = uniform(rng, {16, 3}, 0.f, 1.f);
  Sequential model = smallModel("linear");
  LossFunction loss{"mixed", [](ops::Value t, ops::Value p) {
    ops::Value d = p - t;
    ops::Value huberish = ops::sqrt(ops::square(d) + 0.5);
    ops::Value hinge = ops::maximum(ops::constant(0.0), 1.0 - t * p);
    ops::Value capped = ops::minimum(ops::clip(p, -0.8, 0.9) * 2.0, t + 1.0);
    ops::Value mask = ops::greater(t, ops::constant(0.3));
    ops::Value centred = p - ops::mean(p, {-1}, /*keepdims=*/true);
    ops::Value lse = ops::log(ops::sum(ops::exp(centred), {-1}));
    ops::Value soft = ops::softmax(p) * t;
    return ops::mean(huberish + hinge * mask - capped + ops::abs(d) * 0.5 +
                         soft,
                     {-1}) +
           lse * 0.25;
  }};
  model.compile({.optimizer = optimizers::SGD{.learning_rate = 1.0}, .loss = loss});
  EXPECT_EQ(model.loss(), "mixed");
  std::vector<Tensor> w = randomizeWeights(model, rng, -0.7f, 0.7f);
  expectSgdStepMatchesFiniteDifferences(model, w, x, y, 1e-2, 8);
}

// A custom mean squared error trains exactly as the built-in one; its
// value is the mean over every element of what the function returns.
TEST(FrontendCustomLoss, TrainsAsTheBuiltInLoss) {
  std::mt19937 rng(7);
  Tensor x = uniform(rng, {40, 4}), y = uniform(rng, {40, 3});
  Sequential a = smallModel("linear"), b = smallModel("linear");
  a.compile({.optimizer = optimizers::SGD{.learning_rate = 0.1}, .loss = myMse()});
  b.compile({.optimizer = optimizers::SGD{.learning_rate = 0.1}, .loss = "mse"});
  b.set_weights(randomizeWeights(a, rng));
  History ha = a.fit(x, y, {.epochs = 3, .batch_size = 8, .verbose = 0, .shuffle = false});
  History hb = b.fit(x, y, {.epochs = 3, .batch_size = 8, .verbose = 0, .shuffle = false});
  for (int e = 0; e < 3; ++e)
    EXPECT_NEAR(ha.history["loss"][e], hb.history["loss"][e], 1e-6);
  expectWeightsNear(a.get_weights(), b.get_weights(), 1e-6);
  // A scalar result is taken as it is.
  Sequential c = smallModel("linear");
  c.compile({.loss = LossFunction{"scalar_mse", [](ops::Value t, ops::Value p) {
               return ops::mean(ops::square(p - t));
             }}});
  c.set_weights(a.get_weights());
  EXPECT_NEAR(c.evaluate(x, y)[0], a.evaluate(x, y)[0], 1e-6);
}

// Keras's classic custom accuracy, mean(equal(argmax(t), argmax(p))),
// equals the built-in categorical accuracy; the comparisons' 0/1 values
// count the rest.
TEST(FrontendCustomLoss, MetricsFromComparisonsAndArgmax) {
  std::mt19937 rng(9);
  Tensor x = uniform(rng, {30, 4});
  std::vector<float> onehot(30 * 3, 0.f);
  for (int i = 0; i < 30; ++i)
    onehot[i * 3 + rng() % 3] = 1.f;
  Tensor y = f32(onehot, {30, 3});
  Sequential model = smallModel("softmax");
  Metric myAcc("my_acc", [](ops::Value t, ops::Value p) {
    return ops::mean(ops::equal(ops::argmax(t, -1), ops::argmax(p, -1)));
  });
  Metric confident("confident", [](ops::Value, ops::Value p) {
    return ops::mean(ops::greater_equal(ops::max(p, {-1}), ops::constant(0.4)));
  });
  model.compile({.loss = "categorical_crossentropy",
                 .metrics = {"categorical_accuracy", myAcc, confident}});
  randomizeWeights(model, rng, -2, 2);
  std::vector<double> r = model.evaluate(x, y, {.batch_size = 7});
  EXPECT_NEAR(r[2], r[1], 1e-6);
  std::vector<float> p = values(model.predict(x));
  double count = 0;
  for (int i = 0; i < 30; ++i)
    count += std::max({p[i * 3], p[i * 3 + 1], p[i * 3 + 2]}) >= 0.4f;
  EXPECT_NEAR(r[3], count / 30, 1e-6);
}

// The file names the loss; load_model compiles it again when the function
// is given (Keras's custom_objects) and leaves the model uncompiled, with a
// warning naming the loss, when it is not.
TEST(FrontendCustomLoss, SavedByNameAndFoundOnLoad) {
  std::mt19937 rng(11);
  Tensor x = uniform(rng, {20, 4}), y = uniform(rng, {20, 3});
  Sequential model = smallModel("linear");
  model.compile({.optimizer = "adam", .loss = myMse()});
  randomizeWeights(model, rng);
  model.fit(x, y, {.epochs = 1, .batch_size = 5, .verbose = 0});
  double before = model.evaluate(x, y)[0];
  for (const char *suffix : {".keras", ".h5"}) {
    std::string path = tempModelFile("custom_loss", suffix);
    model.save(path);
    Model loaded = load_model(path, {.custom_losses = {myMse()}});
    EXPECT_EQ(loaded.loss(), "my_mse") << suffix;
    EXPECT_NEAR(loaded.evaluate(x, y)[0], before, 1e-6) << suffix;
    loaded.fit(x, y, {.epochs = 1, .batch_size = 5, .verbose = 0});
    testing::internal::CaptureStderr();
    Model bare = load_model(path);
    std::string warning = testing::internal::GetCapturedStderr();
    EXPECT_NE(warning.find("unknown loss 'my_mse'"), std::string::npos) << warning;
    EXPECT_EQ(bare.loss(), "") << suffix;
    std::filesystem::remove(path);
  }
}

TEST(FrontendCustomLoss, Errors) {
  Sequential model = smallModel("linear");
  Sequential seq;
  seq.add(layers::Dense(3, {.input_shape = Shape{2, 4}}));
  std::string e = errorOf([&] {
    seq.compile({.loss = LossFunction{"bad", [](ops::Value, ops::Value p) {
                   return ops::argmax(p, 1) - ops::sum(p, {2});
                 }}});
  });
  EXPECT_NE(e.find("'-': shapes (None, 3) and (None, 2) do not broadcast"),
            std::string::npos) << e;
  EXPECT_EQ(seq.loss(), "");
  e = errorOf([&] {
    model.compile({.loss = LossFunction{"axis", [](ops::Value t, ops::Value p) {
                     return ops::argmax(p - t, 2);
                   }}});
  });
  EXPECT_NE(e.find("argmax: axis 2 is out of range for shape (None, 3)"),
            std::string::npos) << e;
  e = errorOf([&] {
    model.compile({.loss = LossFunction{"clip", [](ops::Value t, ops::Value p) {
                     return ops::clip(p - t, 1.0, -1.0);
                   }}});
  });
  EXPECT_NE(e.find("clip: min_value 1 is greater than max_value -1"),
            std::string::npos) << e;
  e = errorOf([&] { model.compile({.loss = LossFunction{"empty", nullptr}}); });
  EXPECT_NE(e.find("the custom loss 'empty' has no function"), std::string::npos) << e;
  e = errorOf([&] { model.compile({.loss = "my_mse"}); });
  EXPECT_NE(e.find("unknown loss 'my_mse'"), std::string::npos) << e;
}
