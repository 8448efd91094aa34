// History from real compiled models: keys under the names the user wrote,
// one value per epoch, epoch indices, params, and metric values checked
// against predict() and hand computations.
#include "FrontendTestUtil.h"

using namespace kiln;
using namespace kiln::test;

namespace {

using Keys = std::vector<std::string>;

/// 12 samples of 4 features and one-hot targets over 3 classes.
struct ThreeClassData {
  Tensor x, y, labels;
};

ThreeClassData threeClassData(uint32_t seed, int64_t n = 12) {
  std::mt19937 rng(seed);
  ThreeClassData d;
  d.x = uniform(rng, {n, 4});
  std::vector<int32_t> labels;
  for (int64_t i = 0; i < n; ++i)
    labels.push_back(int32_t(i % 3));
  d.labels = Tensor::fromVector(labels, {n});
  d.y = utils::to_categorical(d.labels, 3);
  return d;
}

Sequential softmaxModel() {
  Sequential model;
  model.add(layers::Dense(5, {.activation = "tanh", .input_dim = 4}));
  model.add(layers::Dense(3, {.activation = "softmax"}));
  return model;
}

} // namespace

// Tests that "acc" gives the keys acc / val_acc (Keras uses the name the
// user wrote), one value per epoch, and history.epoch / history.params.
TEST(FrontendHistory, AccGivesAccAndValAcc) {
  ThreeClassData d = threeClassData(1), v = threeClassData(2, 6);
  Sequential model = softmaxModel();
  model.compile({.optimizer = "rmsprop",
                 .loss = "categorical_crossentropy",
                 .metrics = {"acc"}});
  EXPECT_EQ(model.metrics_names(), (Keys{"loss", "acc"}));
  History h = model.fit(d.x, d.y, {.epochs = 3, .batch_size = 5, .verbose = 0,
                                   .validation_data = {{v.x, v.y}}});
  EXPECT_EQ(h.keys(), (Keys{"loss", "acc", "val_loss", "val_acc"}));
  for (const std::string &key : h.keys())
    EXPECT_EQ(h.history[key].size(), 3u) << key;
  EXPECT_EQ(h.epoch, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(h.params.epochs, 3);
  EXPECT_EQ(h.params.steps, 3); // ceil(12 / 5)
  EXPECT_EQ(h.params.verbose, 0);
  EXPECT_FALSE(h.history.contains("accuracy"));
  for (double a : h.history["acc"]) {
    // Accuracy over 12 samples is a multiple of 1/12.
    EXPECT_GE(a, 0.0);
    EXPECT_LE(a, 1.0);
    EXPECT_NEAR(a * 12, std::round(a * 12), 1e-4) << a;
  }
}

// Tests "accuracy" with "mae": the keys follow the list, and the last
// epoch's validation values equal evaluate() and hand computations from
// predict() (validation runs with the epoch's final weights).
TEST(FrontendHistory, AccuracyAndMaeKeysAndValues) {
  ThreeClassData d = threeClassData(3), v = threeClassData(4, 9);
  Sequential model = softmaxModel();
  model.compile({.optimizer = "adam",
                 .loss = "categorical_crossentropy",
                 .metrics = {"accuracy", "mae"}});
  History h = model.fit(d.x, d.y, {.epochs = 2, .batch_size = 4, .verbose = 0,
                                   .validation_data = {{v.x, v.y}}});
  EXPECT_EQ(h.keys(), (Keys{"loss", "accuracy", "mae", "val_loss",
                            "val_accuracy", "val_mae"}));
  EXPECT_EQ(h.epoch, (std::vector<int>{0, 1}));

  std::vector<double> scores = model.evaluate(v.x, v.y, {.batch_size = 4});
  ASSERT_EQ(scores.size(), 3u);
  EXPECT_NEAR(h.history["val_loss"].back(), scores[0], 1e-5);
  EXPECT_NEAR(h.history["val_accuracy"].back(), scores[1], 1e-5);
  EXPECT_NEAR(h.history["val_mae"].back(), scores[2], 1e-5);

  Tensor p = model.predict(v.x);
  std::vector<float> pv = values(p), yv = values(v.y);
  double ce = 0, correct = 0, mae = 0;
  for (int64_t i = 0; i < 9; ++i) {
    int64_t best = 0, truth = 0;
    for (int64_t k = 0; k < 3; ++k) {
      if (pv[i * 3 + k] > pv[i * 3 + best])
        best = k;
      if (yv[i * 3 + k] == 1)
        truth = k;
      mae += std::fabs(pv[i * 3 + k] - yv[i * 3 + k]) / 3.0;
    }
    correct += best == truth;
    ce += -std::log(std::clamp<double>(pv[i * 3 + truth], 1e-7, 1 - 1e-7));
  }
  EXPECT_NEAR(scores[0], ce / 9, 1e-5);
  EXPECT_NEAR(scores[1], correct / 9, 1e-5);
  EXPECT_NEAR(scores[2], mae / 9, 1e-5);
}

// Tests that with the weights frozen (SGD, learning rate 0) the epoch's
// loss and accuracy are the sample-weighted means over all batches, the
// last partial one included: they equal evaluate() and the per-sample
// cross-entropy computed from predict().
TEST(FrontendHistory, EpochValuesAreSampleWeightedMeans) {
  ThreeClassData d = threeClassData(5, 10);
  Sequential model = softmaxModel();
  model.compile({.optimizer = optimizers::SGD{.learning_rate = 0.0},
                 .loss = "sparse_categorical_crossentropy",
                 .metrics = {"accuracy"}});
  History h = model.fit(d.x, d.labels, {.epochs = 2, .batch_size = 4,
                                        .verbose = 0, .shuffle = false});
  EXPECT_EQ(h.keys(), (Keys{"loss", "accuracy"}));
  Tensor p = model.predict(d.x, {.batch_size = 1});
  double loss = mean(sparseCrossentropyRef(p, d.labels));
  EXPECT_NEAR(h.history["loss"][0], loss, 1e-5);
  EXPECT_NEAR(h.history["loss"][1], loss, 1e-5);
  double correct = 0;
  Tensor classes = model.predict_classes(d.x);
  for (int64_t i = 0; i < 10; ++i)
    correct += classes.at<int64_t>({i}) == d.labels.at<int32_t>({i});
  EXPECT_NEAR(h.history["accuracy"][0], correct / 10, 1e-5);
  EXPECT_NEAR(model.evaluate(d.x, d.labels, {.batch_size = 3})[0], loss, 1e-5);
}

// Tests "accuracy" with a single sigmoid output and binary cross-entropy:
// binary accuracy (threshold 0.5), checked against predict().
TEST(FrontendHistory, AccuracyIsBinaryForOneSigmoidOutput) {
  std::mt19937 rng(11);
  Tensor x = uniform(rng, {16, 3});
  std::vector<float> yv;
  for (int64_t i = 0; i < 16; ++i)
    yv.push_back(float(i % 2));
  Tensor y = f32(yv, {16, 1});
  Sequential model;
  model.add(layers::Dense(1, {.activation = "sigmoid", .input_dim = 3}));
  model.compile({.optimizer = optimizers::SGD{.learning_rate = 0.0},
                 .loss = "binary_crossentropy",
                 .metrics = {"accuracy"}});
  randomizeWeights(model, rng, -1, 1);
  History h = model.fit(x, y, {.epochs = 1, .batch_size = 5, .verbose = 0});
  std::vector<float> p = values(model.predict(x));
  double correct = 0, bce = 0;
  for (int64_t i = 0; i < 16; ++i) {
    correct += (p[i] > 0.5f) == (yv[i] == 1);
    double q = std::clamp<double>(p[i], 1e-7, 1 - 1e-7);
    bce += -(yv[i] * std::log(q) + (1 - yv[i]) * std::log(1 - q));
  }
  EXPECT_NEAR(h.history["accuracy"][0], correct / 16, 1e-5);
  // Keras clips to [1e-7, 1 - 1e-7] (and adds 1e-7 inside the logs): the
  // tolerance covers either form for these moderate probabilities.
  EXPECT_NEAR(h.history["loss"][0], bce / 16, 2e-4);
}

// Tests seed 002's custom metric mean_pred = mean(y_pred): it appears under
// its name in History and evaluate(), and its value is the mean of
// predict() over all samples (partial last batch included).
TEST(FrontendHistory, CustomMetricMeanPred) {
  std::mt19937 rng(13);
  Tensor x = uniform(rng, {10, 3});
  Tensor y = f32({0, 1, 1, 0, 1, 0, 0, 1, 1, 1}, {10, 1});
  Sequential model;
  model.add(layers::Dense(4, {.activation = "relu", .input_dim = 3}));
  model.add(layers::Dense(1, {.activation = "sigmoid"}));
  Metric mean_pred("mean_pred", [](ops::Value, ops::Value y_pred) {
    return ops::mean(y_pred);
  });
  Metric my_mae("my_mae", [](ops::Value y_true, ops::Value y_pred) {
    return ops::mean(ops::abs(y_true - y_pred), {1});
  });
  model.compile({.optimizer = optimizers::SGD{.learning_rate = 0.0},
                 .loss = "binary_crossentropy",
                 .metrics = {"accuracy", mean_pred, "mae", my_mae}});
  randomizeWeights(model, rng, -1, 1);
  EXPECT_EQ(model.metrics_names(),
            (Keys{"loss", "accuracy", "mean_pred", "mae", "my_mae"}));
  History h = model.fit(x, y, {.epochs = 1, .batch_size = 4, .verbose = 0,
                               .validation_split = 0.2});
  EXPECT_EQ(h.keys(), (Keys{"loss", "accuracy", "mean_pred", "mae", "my_mae",
                            "val_loss", "val_accuracy", "val_mean_pred",
                            "val_mae", "val_my_mae"}));

  std::vector<float> p = values(model.predict(x)), yv = values(y);
  auto meanOf = [&](int64_t begin, int64_t end, bool absErr) {
    double s = 0;
    for (int64_t i = begin; i < end; ++i)
      s += absErr ? std::fabs(p[i] - yv[i]) : p[i];
    return s / double(end - begin);
  };
  // Weights are frozen: training means cover rows 0..7, validation 8..9.
  EXPECT_NEAR(h.history["mean_pred"][0], meanOf(0, 8, false), 1e-5);
  EXPECT_NEAR(h.history["val_mean_pred"][0], meanOf(8, 10, false), 1e-5);
  EXPECT_NEAR(h.history["my_mae"][0], meanOf(0, 8, true), 1e-5);
  EXPECT_NEAR(h.history["mae"][0], h.history["my_mae"][0], 1e-5);
  std::vector<double> scores = model.evaluate(x, y, {.batch_size = 3});
  ASSERT_EQ(scores.size(), 5u);
  EXPECT_NEAR(scores[2], meanOf(0, 10, false), 1e-5);
  EXPECT_NEAR(scores[4], meanOf(0, 10, true), 1e-5);
  // Not a constant: the metric follows the weights.
  EXPECT_GT(std::fabs(meanOf(0, 10, false) - 0.5), 1e-4);
}

// Tests that initial_epoch starts the epoch count there, as in Keras:
// epochs = 5 with initial_epoch = 3 runs epochs 3 and 4.
TEST(FrontendHistory, InitialEpochOffsetsHistoryEpoch) {
  ThreeClassData d = threeClassData(6);
  Sequential model = softmaxModel();
  model.compile({.optimizer = "sgd", .loss = "categorical_crossentropy"});
  History h = model.fit(d.x, d.y, {.epochs = 5, .verbose = 0, .initial_epoch = 3});
  EXPECT_EQ(h.epoch, (std::vector<int>{3, 4}));
  EXPECT_EQ(h.history["loss"].size(), 2u);
  EXPECT_EQ(h.keys(), (Keys{"loss"}));
}

// Tests that a second fit() continues from the trained weights and returns
// a fresh History.
TEST(FrontendHistory, SecondFitContinuesTraining) {
  ThreeClassData d = threeClassData(8);
  Sequential model = softmaxModel();
  model.compile({.optimizer = optimizers::Adam{.learning_rate = 0.05},
                 .loss = "categorical_crossentropy"});
  History first = model.fit(d.x, d.y, {.epochs = 10, .verbose = 0, .shuffle = false});
  History second = model.fit(d.x, d.y, {.epochs = 10, .verbose = 0, .shuffle = false});
  EXPECT_EQ(second.history["loss"].size(), 10u);
  EXPECT_LT(first.history["loss"].back(), first.history["loss"].front());
  EXPECT_LT(second.history["loss"].front(), first.history["loss"].front());
  EXPECT_NEAR(second.history["loss"].front(), first.history["loss"].back(), 0.1);
}
