// Keras's Dropout and BatchNormalization: summary rows and non-trainable
// counts, one training step of BatchNormalization against Keras's
// equations computed here in double precision (batch statistics, the
// gradients of gamma and beta, the moving-average updates), inference with
// the moving statistics, Dropout in training only, Keras configs and
// .keras / .h5 round trips, and the errors.
#include "FrontendTestUtil.h"

#include <cmath>
#include <filesystem>

using namespace kiln;
using namespace kiln::test;

// Tests names, summary rows and the non-trainable moving statistics.
TEST(FrontendNormalizationLayers, NamesAndSummaryRows) {
  backend::clear_session();
  Sequential model;
  model.add(layers::Dense(3, {.input_shape = {4}}));
  model.add(layers::BatchNormalization());
  model.add(layers::Dropout(0.5));
  std::string summary = summaryOf(model);
  EXPECT_EQ(summaryRow(summary, "batch_normalization"),
            (std::vector<std::string>{"batch_normalization (BatchNo",
                                      "(None, 3)", "12"}));
  EXPECT_EQ(summaryRow(summary, "dropout"),
            (std::vector<std::string>{"dropout (Dropout)", "(None, 3)", "0"}));
  EXPECT_NE(summary.find("Trainable params: 21"), std::string::npos) << summary;
  EXPECT_NE(summary.find("Non-trainable params: 6"), std::string::npos) << summary;
  std::vector<Tensor> w = model.get_weights();
  ASSERT_EQ(w.size(), 6u); // kernel, bias, gamma, beta, moving_mean, moving_variance
  EXPECT_EQ(values(w[2]), (std::vector<float>{1, 1, 1}));
  EXPECT_EQ(values(w[5]), (std::vector<float>{1, 1, 1}));
}

// Tests one SGD(1.0) step on a whole batch against the equations: batch
// mean and biased variance, gamma -= sum(dy * xhat), beta -= sum(dy) with
// dy = 2 (y_hat - y) / (N C) (mse), the moving statistics moved by 1 -
// momentum toward the batch's; then predict with the moving statistics.
TEST(FrontendNormalizationLayers, BatchNormalizationTrainingStep) {
  const int64_t n = 5, c = 3;
  const double momentum = 0.9, eps = 1e-3;
  Sequential model;
  model.add(layers::BatchNormalization(
      {.momentum = momentum, .epsilon = eps, .input_shape = {c}}));
  std::mt19937 rng(71);
  Tensor x = uniform(rng, {n, c}, -2.f, 3.f), y = uniform(rng, {n, c});
  std::vector<Tensor> w = {f32({1.5f, 0.5f, 1.f}, {c}), f32({0.1f, -0.2f, 0.3f}, {c}),
                           f32({0.2f, -0.1f, 0.f}, {c}), f32({1.f, 2.f, 0.5f}, {c})};
  model.set_weights(w);
  model.compile({.optimizer = optimizers::SGD{.learning_rate = 1.0}, .loss = "mse"});
  History h = model.fit(x, y, {.epochs = 1, .batch_size = n, .verbose = 0,
                               .shuffle = false});

  std::vector<float> xv = values(x), yv = values(y);
  std::vector<double> g(c), b(c), mm(c), mv(c);
  double loss = 0;
  for (int64_t j = 0; j < c; ++j) {
    double mean = 0, var = 0;
    for (int64_t i = 0; i < n; ++i)
      mean += xv[size_t(i * c + j)] / double(n);
    for (int64_t i = 0; i < n; ++i)
      var += std::pow(xv[size_t(i * c + j)] - mean, 2) / double(n);
    double gamma = values(w[0])[size_t(j)], beta = values(w[1])[size_t(j)];
    double dg = 0, db = 0;
    for (int64_t i = 0; i < n; ++i) {
      double xhat = (xv[size_t(i * c + j)] - mean) / std::sqrt(var + eps);
      double r = gamma * xhat + beta - yv[size_t(i * c + j)];
      loss += r * r / double(n * c);
      dg += 2 * r / double(n * c) * xhat;
      db += 2 * r / double(n * c);
    }
    g[size_t(j)] = gamma - dg;
    b[size_t(j)] = beta - db;
    mm[size_t(j)] = values(w[2])[size_t(j)] * momentum + mean * (1 - momentum);
    mv[size_t(j)] = values(w[3])[size_t(j)] * momentum + var * (1 - momentum);
  }
  EXPECT_NEAR(h.history.at("loss").front(), loss, 1e-5);
  std::vector<Tensor> after = model.get_weights();
  for (int64_t j = 0; j < c; ++j) {
    EXPECT_NEAR(values(after[0])[size_t(j)], g[size_t(j)], 1e-5) << "gamma " << j;
    EXPECT_NEAR(values(after[1])[size_t(j)], b[size_t(j)], 1e-5) << "beta " << j;
    EXPECT_NEAR(values(after[2])[size_t(j)], mm[size_t(j)], 1e-6) << "moving_mean " << j;
    EXPECT_NEAR(values(after[3])[size_t(j)], mv[size_t(j)], 1e-6) << "moving_variance " << j;
  }
  std::vector<float> p = values(model.predict(x));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < c; ++j) {
      double ref = (xv[size_t(i * c + j)] - mm[size_t(j)]) /
                       std::sqrt(mv[size_t(j)] + eps) * g[size_t(j)] + b[size_t(j)];
      EXPECT_NEAR(p[size_t(i * c + j)], ref, 1e-5) << i << "," << j;
    }
  // evaluate() uses the moving statistics too and updates nothing.
  model.evaluate(x, y, {.batch_size = n});
  EXPECT_TRUE(weightsEqual(model.get_weights(), after));
}

// Tests that a convolution's BatchNormalization takes its statistics over
// batch, height and width: after one step the moving mean moved toward the
// per-channel mean of all positions.
TEST(FrontendNormalizationLayers, BatchNormalizationPerChannelOfImages) {
  Sequential model;
  model.add(layers::BatchNormalization({.momentum = 0.0, .input_shape = {2, 3, 2}}));
  model.compile({.optimizer = "sgd", .loss = "mse"});
  std::mt19937 rng(72);
  Tensor x = uniform(rng, {4, 2, 3, 2}, 0.f, 4.f);
  model.fit(x, uniform(rng, {4, 2, 3, 2}), {.epochs = 1, .batch_size = 4,
                                            .verbose = 0, .shuffle = false});
  std::vector<float> xv = values(x);
  for (int ch = 0; ch < 2; ++ch) {
    double mean = 0;
    for (size_t i = size_t(ch); i < xv.size(); i += 2)
      mean += xv[i] / 24.0;
    EXPECT_NEAR(values(model.get_weights()[2])[size_t(ch)], mean, 1e-5);
  }
}

// Tests that Dropout changes training only: predict is the identity, the
// training loss differs from the loss at the same weights, seeded runs
// repeat exactly, and a different seed drops other units.
TEST(FrontendNormalizationLayers, DropoutInTrainingOnly) {
  auto build = [](int64_t seed) {
    Sequential model;
    model.add(layers::Dense(64, {.activation = "relu", .input_shape = {8}}));
    model.add(layers::Dropout(0.5, {.seed = seed}));
    model.add(layers::Dense(2));
    return model;
  };
  std::mt19937 rng(73);
  Tensor x = uniform(rng, {32, 8}), y = uniform(rng, {32, 2});
  Sequential a = build(1), b = build(1), c = build(2);
  std::vector<Tensor> w = randomizeWeights(a, rng);
  b.set_weights(w);
  c.set_weights(w);
  for (Model *m : {(Model *)&a, (Model *)&b, (Model *)&c})
    m->compile({.optimizer = optimizers::SGD{.learning_rate = 0.1}, .loss = "mse"});

  Sequential plain;
  plain.add(layers::Dense(64, {.activation = "relu", .input_shape = {8}}));
  plain.add(layers::Dense(2));
  plain.set_weights(w);
  plain.compile({.optimizer = "sgd", .loss = "mse"});
  expectTensorNear(a.predict(x), plain.predict(x), 0.f);
  double evalLoss = a.evaluate(x, y, {.batch_size = 32})[0];

  FitOptions once = {.epochs = 1, .batch_size = 32, .verbose = 0, .shuffle = false};
  double trainLoss = a.fit(x, y, once).history.at("loss").front();
  EXPECT_NE(trainLoss, evalLoss);
  b.fit(x, y, once);
  c.fit(x, y, once);
  EXPECT_TRUE(weightsEqual(a.get_weights(), b.get_weights()));
  EXPECT_FALSE(weightsEqual(a.get_weights(), c.get_weights()));
}

// Tests the configs both ways and the moving statistics in saved files.
TEST(FrontendNormalizationLayers, KerasConfigRoundTrip) {
  Sequential model;
  model.add(layers::Conv2D(3, 2, {.use_bias = false, .input_shape = {4, 4, 1}}));
  model.add(layers::BatchNormalization({.momentum = 0.8, .center = false}));
  model.add(layers::Flatten());
  model.add(layers::Dropout(0.25, {.seed = 9}));
  model.add(layers::Dense(2));
  std::string json = model.to_json();
  EXPECT_NE(json.find("\"momentum\": 0.8"), std::string::npos) << json;
  EXPECT_NE(json.find("\"center\": false"), std::string::npos) << json;
  EXPECT_NE(json.find("\"rate\": 0.25"), std::string::npos) << json;
  EXPECT_NE(json.find("\"seed\": 9"), std::string::npos) << json;
  model.compile({.optimizer = "adam", .loss = "mse"});
  std::mt19937 rng(74);
  Tensor x = uniform(rng, {6, 4, 4, 1});
  model.fit(x, uniform(rng, {6, 2}), {.epochs = 2, .batch_size = 3, .verbose = 0});
  Tensor y = model.predict(x);
  expectSavedAndReloaded(model, "bn", [&](Model &back) {
    expectTensorNear(back.predict(x), y, 0.f);
  });
  // Keras 2's BatchNormalization and Dropout configs as tf.keras writes them.
  Model fromKeras = model_from_json(R"({"class_name": "Sequential",
    "config": {"name": "s", "layers": [
      {"class_name": "Dropout", "config": {"name": "d", "trainable": true,
       "batch_input_shape": [null, 5], "dtype": "float32", "rate": 0.2,
       "noise_shape": null, "seed": null}},
      {"class_name": "BatchNormalization", "config": {"name": "bn",
       "trainable": true, "dtype": "float32", "axis": [1], "momentum": 0.99,
       "epsilon": 0.001, "center": true, "scale": true,
       "beta_initializer": {"class_name": "Zeros", "config": {}},
       "gamma_initializer": {"class_name": "Ones", "config": {}},
       "moving_mean_initializer": {"class_name": "Zeros", "config": {}},
       "moving_variance_initializer": {"class_name": "Ones", "config": {}},
       "beta_regularizer": null, "gamma_regularizer": null,
       "beta_constraint": null, "gamma_constraint": null}}]},
    "keras_version": "2.9.0", "backend": "tensorflow"})");
  EXPECT_EQ(fromKeras.output_shape(), (Shape{-1, 5}));
  EXPECT_EQ(fromKeras.get_weights().size(), 4u);
}

// Tests what the layers refuse, naming the layer and the reason.
TEST(FrontendNormalizationLayers, BadArguments) {
  EXPECT_NE(errorOf([] { layers::Dropout(1.0); }).find("rate must be in [0, 1)"),
            std::string::npos);
  EXPECT_NE(errorOf([] { layers::BatchNormalization({.epsilon = 0}); })
                .find("epsilon must be positive"),
            std::string::npos);
  std::string axis = errorOf([] {
    Sequential m;
    m.add(layers::BatchNormalization({.axis = 1, .input_shape = {4, 4, 2}}));
  });
  EXPECT_NE(axis.find("batch_normalization"), std::string::npos) << axis;
  EXPECT_NE(axis.find("last axis only"), std::string::npos) << axis;
  std::string noise = errorOf([] {
    model_from_json(R"({"class_name": "Sequential", "config": {"name": "s",
      "layers": [{"class_name": "Dropout", "config": {"name": "d",
      "batch_input_shape": [null, 5], "rate": 0.2, "noise_shape": [null, 1]}}]}})");
  });
  EXPECT_NE(noise.find("noise_shape"), std::string::npos) << noise;
}

// Tests that inference with the moving statistics reproduces training when
// they are the batch's own (momentum 0, learning rate 0): a stack of
// convolutions, BatchNormalizations and a residual Add gives the same loss
// in evaluate() as in the training step on the same batch.
TEST(FrontendNormalizationLayers, MovingStatisticsOfOneBatchReproduceTraining) {
  KerasTensor in = Input({6, 6, 2});
  KerasTensor a = layers::Conv2D(4, 3, {.padding = "same", .use_bias = false})(in);
  a = layers::ReLU()(layers::BatchNormalization({.momentum = 0.0})(a));
  KerasTensor b = layers::Conv2D(4, 3, {.padding = "same"})(a);
  b = layers::BatchNormalization({.momentum = 0.0})(b);
  KerasTensor out = layers::GlobalAveragePooling2D()(layers::Add()({a, b}));
  out = layers::Dense(3, {.activation = "softmax"})(out);
  Model model(in, out);
  model.compile({.optimizer = optimizers::SGD{.learning_rate = 0.0},
                 .loss = "categorical_crossentropy"});
  std::mt19937 rng(75);
  Tensor x = uniform(rng, {16, 6, 6, 2}, 0.f, 2.f);
  std::vector<float> yv(48, 0.f);
  for (int i = 0; i < 16; ++i)
    yv[size_t(i * 3 + i % 3)] = 1.f;
  Tensor y = f32(yv, {16, 3});
  double trained = model.fit(x, y, {.epochs = 1, .batch_size = 16, .verbose = 0,
                                    .shuffle = false})
                       .history.at("loss")
                       .front();
  double evaluated = model.evaluate(x, y, {.batch_size = 16})[0];
  EXPECT_NEAR(evaluated, trained, 1e-5);
}
