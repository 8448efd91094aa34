// Keras's activation layers Softmax, ReLU and LeakyReLU: names and
// defaults, summary rows, forward values, gradients against finite
// differences, options Kiln lacks, and their Keras configs.
#include "FrontendTestUtil.h"

#include <filesystem>

using namespace kiln;
using namespace kiln::test;

namespace {

Sequential withLayers(bool activationLayers) {
  Sequential model;
  model.add(layers::Dense(5, {.input_dim = 4}));
  model.add(activationLayers ? Layer(layers::ReLU()) : Layer(layers::Activation("relu")));
  model.add(layers::Dense(3));
  model.add(activationLayers ? Layer(layers::Softmax()) : Layer(layers::Activation("softmax")));
  return model;
}

} // namespace

// Tests Keras's automatic names, class names and summary rows.
TEST(FrontendActivationLayers, NamesAndSummaryRows) {
  backend::clear_session();
  layers::Softmax s0, s1;
  layers::ReLU r0;
  EXPECT_EQ(s0.name(), "softmax");
  EXPECT_EQ(s1.name(), "softmax_1");
  EXPECT_EQ(r0.name(), "re_lu");
  EXPECT_EQ(s0.class_name(), "Softmax");
  EXPECT_EQ(r0.class_name(), "ReLU");
  backend::clear_session();
  Sequential model = withLayers(true);
  std::string summary = summaryOf(model);
  EXPECT_EQ(summaryRow(summary, "re_lu"),
            (std::vector<std::string>{"re_lu (ReLU)", "(None, 5)", "0"}));
  EXPECT_EQ(summaryRow(summary, "softmax"),
            (std::vector<std::string>{"softmax (Softmax)", "(None, 3)", "0"}));
}

// Tests that the layers compute what Activation("relu") / ("softmax") do.
TEST(FrontendActivationLayers, ForwardMatchesActivation) {
  std::mt19937 rng(4);
  Sequential a = withLayers(true), b = withLayers(false);
  std::vector<Tensor> w = randomizeWeights(a, rng);
  b.set_weights(w);
  for (Model *m : {(Model *)&a, (Model *)&b})
    m->compile({.optimizer = "sgd", .loss = "categorical_crossentropy"});
  Tensor x = uniform(rng, {7, 4});
  expectTensorNear(a.predict(x), b.predict(x), 1e-6f);
}

// Tests the gradient through ReLU and Softmax layers: one SGD step with
// learning rate 1 over the whole batch moves each weight by its gradient,
// which central differences of evaluate()'s loss must reproduce.
TEST(FrontendActivationLayers, GradientMatchesFiniteDifferences) {
  std::mt19937 rng(8);
  Sequential model = withLayers(true);
  std::vector<Tensor> w = randomizeWeights(model, rng);
  model.compile({.optimizer = optimizers::SGD{.learning_rate = 1.0},
                 .loss = "categorical_crossentropy"});
  Tensor x = uniform(rng, {6, 4});
  std::vector<float> yv(18, 0.f);
  for (int i = 0; i < 6; ++i)
    yv[size_t(i * 3 + i % 3)] = 1.f;
  Tensor y = f32(yv, {6, 3});
  expectSgdStepMatchesFiniteDifferences(model, w, x, y, 1e-2, 6);
}

// Tests that options Kiln cannot compute are refused, naming the layer.
TEST(FrontendActivationLayers, UnsupportedOptions) {
  EXPECT_NE(errorOf([] { layers::ReLU({.max_value = 6.0}); }).find("max_value"),
            std::string::npos);
  layers::Softmax s({.axis = 1});
  KerasTensor x = Input({3, 4});
  EXPECT_NE(errorOf([&] { s(x); }).find("axis 1"), std::string::npos);
}

// Tests the Keras configs: Softmax's axis and ReLU's three options, and a
// .keras round trip.
TEST(FrontendActivationLayers, KerasConfigRoundTrip) {
  Sequential model = withLayers(true);
  std::string json = model.to_json();
  EXPECT_NE(json.find("\"class_name\": \"Softmax\", \"config\": {\"name\": "), std::string::npos);
  EXPECT_NE(json.find("\"axis\": -1}"), std::string::npos);
  EXPECT_NE(json.find("\"max_value\": null, \"negative_slope\": 0.0, \"threshold\": 0.0}"),
            std::string::npos)
      << json;
  std::string file = (std::filesystem::temp_directory_path() /
                      ("kiln-act-" + std::to_string(::getpid()) + ".keras"))
                         .string();
  model.save(file);
  Model back = load_model(file);
  std::filesystem::remove(file);
  EXPECT_EQ(summaryOf(back), summaryOf(model));
  EXPECT_TRUE(weightsEqual(back.get_weights(), model.get_weights()));
}

// Tests LeakyReLU (and ReLU's negative_slope): values by hand, the gradient
// of the leak against finite differences, Keras 2's alpha and Keras 3's
// negative_slope in configs, a negative slope refused.
TEST(FrontendActivationLayers, LeakyReLU) {
  backend::clear_session();
  layers::LeakyReLU l0;
  EXPECT_EQ(l0.name(), "leaky_re_lu");
  EXPECT_EQ(l0.class_name(), "LeakyReLU");
  Tensor x = f32({-2.f, -0.5f, 0.f, 3.f}, {1, 4});
  for (bool asReLU : {false, true}) {
    Sequential m;
    if (asReLU)
      m.add(layers::ReLU({.negative_slope = 0.1, .input_shape = {4}}));
    else
      m.add(layers::LeakyReLU({.negative_slope = 0.1, .input_shape = {4}}));
    m.compile({.optimizer = "sgd", .loss = "mse"});
    expectTensorNear(m.predict(x, {.verbose = 0}),
                     f32({-0.2f, -0.05f, 0.f, 3.f}, {1, 4}), 1e-7f);
  }

  // Gradient: Dense -> LeakyReLU(0.3 by default) -> Dense -> softmax.
  std::mt19937 rng(12);
  Sequential model;
  model.add(layers::Dense(5, {.input_dim = 4}));
  model.add(layers::LeakyReLU());
  model.add(layers::Dense(3, {.activation = "softmax"}));
  std::vector<Tensor> w = randomizeWeights(model, rng);
  model.compile({.optimizer = optimizers::SGD{.learning_rate = 1.0},
                 .loss = "categorical_crossentropy"});
  Tensor xs = uniform(rng, {6, 4});
  std::vector<float> yv(18, 0.f);
  for (int i = 0; i < 6; ++i)
    yv[size_t(i * 3 + (i + 1) % 3)] = 1.f;
  Tensor y = f32(yv, {6, 3});
  // A pre-activation of this seed lies within 1e-2 of the kink at 0, where
  // a wider step averages the two slopes.
  expectSgdStepMatchesFiniteDifferences(model, w, xs, y, 1e-3, 6);

  // Configs: Kiln writes negative_slope; Keras 2 wrote alpha.
  std::string json = model.to_json();
  EXPECT_NE(json.find("\"class_name\": \"LeakyReLU\""), std::string::npos);
  EXPECT_NE(json.find("\"negative_slope\": 0.3"), std::string::npos) << json;
  Model back = model_from_json(json);
  EXPECT_EQ(summaryOf(back), summaryOf(model));
  Model keras2 = model_from_json(R"({"class_name": "Sequential",
    "config": {"name": "s", "layers": [
      {"class_name": "LeakyReLU", "config": {"name": "lr", "alpha": 0.2,
       "batch_input_shape": [null, 4]}}]},
    "keras_version": "2.4.0", "backend": "tensorflow"})");
  keras2.compile({.optimizer = "sgd", .loss = "mse"});
  expectTensorNear(keras2.predict(x, {.verbose = 0}),
                   f32({-0.4f, -0.1f, 0.f, 3.f}, {1, 4}), 1e-7f);
  EXPECT_NE(errorOf([] { layers::LeakyReLU({.negative_slope = -1.0}); })
                .find("negative_slope must be 0 or more"),
            std::string::npos);
}

// Tests hard_sigmoid in both of Keras's formulas: Keras 3's (slope 1/6, the
// name's meaning in Kiln's API and in Keras 3 files) and Keras 1/2's (slope
// 0.2, what their files' "hard_sigmoid" loads as), against the formulas on
// values across both clipped regions; and a Keras 2 LSTM config with it.
TEST(FrontendActivationLayers, HardSigmoidBothKerasFormulas) {
  std::vector<float> xs = {-7.f, -3.5f, -2.f, -0.5f, 0.f, 0.7f, 2.2f, 2.8f, 4.f, 9.f};
  Tensor x = f32(xs, {10, 1});
  for (const char *name : {"hard_sigmoid", "hard_sigmoid_keras2"}) {
    SCOPED_TRACE(name);
    double slope = std::string(name) == "hard_sigmoid" ? 1.0 / 6.0 : 0.2;
    Sequential model;
    model.add(layers::Activation(name, {.input_shape = {1}}));
    model.compile({.optimizer = "sgd", .loss = "mse"});
    std::vector<float> y = values(model.predict(x));
    for (size_t i = 0; i < xs.size(); ++i)
      EXPECT_NEAR(y[i], std::clamp(slope * xs[i] + 0.5, 0.0, 1.0), 1e-6) << xs[i];
  }
  auto config = [](const char *version) {
    return std::string(R"({"class_name": "Sequential", "config": {"name": "s", "layers": [
      {"class_name": "Activation", "config": {"name": "a", "batch_input_shape": [null, 1],
       "activation": "hard_sigmoid"}}]}, "keras_version": ")") + version + "\"}";
  };
  Model keras2 = model_from_json(config("2.2.4"));
  Model keras3 = model_from_json(config("3.4.1"));
  for (Model *m : {&keras2, &keras3})
    m->compile({.optimizer = "sgd", .loss = "mse"});
  EXPECT_NEAR(values(keras2.predict(f32({1.f}, {1, 1})))[0], 0.7, 1e-6);
  EXPECT_NEAR(values(keras3.predict(f32({1.f}, {1, 1})))[0], 0.5 + 1.0 / 6.0, 1e-6);
  // Saved by Kiln, Keras 2's formula keeps its own name.
  EXPECT_NE(keras2.to_json().find("\"hard_sigmoid_keras2\""), std::string::npos);
  Model back = model_from_json(keras2.to_json());
  back.compile({.optimizer = "sgd", .loss = "mse"});
  EXPECT_NEAR(values(back.predict(f32({1.f}, {1, 1})))[0], 0.7, 1e-6);
}
