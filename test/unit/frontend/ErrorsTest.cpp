// Mistakes a Keras user makes, each reported as a kiln::Error whose message
// names the problem (and the valid choices) instead of crashing.
#include "FrontendTestUtil.h"

#include <cmath>

using namespace kiln;
using namespace kiln::test;

// A user's own global `data` next to `using namespace kiln;`: Kiln has no
// namespace or function of that name to make it ambiguous (file readers are
// in kiln::io).
static const int data = 7;

namespace {

bool contains(const std::string &s, const std::string &part) {
  return s.find(part) != std::string::npos;
}

Sequential tiny(int64_t in = 4, int64_t classes = 3) {
  Sequential model;
  model.add(layers::Dense(classes, {.activation = "softmax", .input_dim = in}));
  return model;
}

} // namespace

// Tests an unknown loss: compile() names it and lists every valid loss.
TEST(FrontendErrors, UnknownLossListsValidNames) {
  Sequential model = tiny();
  std::string m = errorOf([&] { model.compile({.optimizer = "sgd", .loss = "msee"}); });
  EXPECT_TRUE(contains(m, "unknown loss 'msee'")) << m;
  for (const char *name : {"mse", "mae", "binary_crossentropy",
                           "categorical_crossentropy",
                           "sparse_categorical_crossentropy"})
    EXPECT_TRUE(contains(m, name)) << m;
}

// Tests a missing loss.
TEST(FrontendErrors, MissingLoss) {
  Sequential model = tiny();
  std::string m = errorOf([&] { model.compile({.optimizer = "sgd"}); });
  EXPECT_TRUE(contains(m, "needs a loss")) << m;
}

// Tests an unknown optimizer name: the message lists the known ones.
TEST(FrontendErrors, UnknownOptimizerListsValidNames) {
  Sequential model = tiny();
  std::string m = errorOf([&] {
    model.compile({.optimizer = "nadam", .loss = "mse"});
  });
  EXPECT_TRUE(contains(m, "unknown optimizer 'nadam'")) << m;
  for (const char *name : {"sgd", "rmsprop", "adam", "adagrad"})
    EXPECT_TRUE(contains(m, name)) << m;
}

// Tests an unknown metric: the message lists the known ones.
TEST(FrontendErrors, UnknownMetricListsValidNames) {
  Sequential model = tiny();
  std::string m = errorOf([&] {
    model.compile({.optimizer = "sgd",
                   .loss = "categorical_crossentropy",
                   .metrics = {"accuracy", "f1"}});
  });
  EXPECT_TRUE(contains(m, "unknown metric 'f1'")) << m;
  for (const char *name : {"accuracy", "acc", "mae", "mse",
                           "sparse_categorical_accuracy"})
    EXPECT_TRUE(contains(m, name)) << m;
}

// Tests an unknown activation: the layer's constructor names the layer and
// lists the activations.
TEST(FrontendErrors, UnknownActivationListsValidNames) {
  backend::clear_session();
  std::string m = errorOf([] { layers::Dense(3, {.activation = "relux"}); });
  EXPECT_TRUE(contains(m, "unknown activation 'relux'")) << m;
  EXPECT_TRUE(contains(m, "dense")) << m;
  for (const char *name : {"linear", "relu", "sigmoid", "tanh", "softmax"})
    EXPECT_TRUE(contains(m, name)) << m;
  m = errorOf([] { layers::Conv2D(3, 3, {.activation = "gelu_"}); });
  EXPECT_TRUE(contains(m, "unknown activation 'gelu_'")) << m;
  m = errorOf([] { layers::Activation("swishy"); });
  EXPECT_TRUE(contains(m, "unknown activation 'swishy'")) << m;
}

// Tests an unknown initializer: reported when the layer builds its weights.
TEST(FrontendErrors, UnknownInitializerListsValidNames) {
  std::string m = errorOf([] {
    Sequential model;
    model.add(layers::Dense(3, {.kernel_initializer = "glorot", .input_dim = 2}));
  });
  EXPECT_TRUE(contains(m, "unknown initializer 'glorot'")) << m;
  EXPECT_TRUE(contains(m, "glorot_uniform")) << m;
}

// Tests data whose per-sample shape does not fit the model, in fit,
// evaluate and predict: the message gives both shapes.
TEST(FrontendErrors, WrongInputShape) {
  Sequential model = tiny();
  model.compile({.optimizer = "sgd", .loss = "sparse_categorical_crossentropy"});
  Tensor x = Tensor::zeros({6, 5});
  Tensor y = Tensor::zeros({6}, DType::i32);
  std::string m = errorOf([&] { model.fit(x, y, {.verbose = 0}); });
  EXPECT_TRUE(contains(m, "fit")) << m;
  EXPECT_TRUE(contains(m, "(5,)")) << m;
  EXPECT_TRUE(contains(m, "(4,)")) << m;
  m = errorOf([&] { model.predict(Tensor::zeros({6, 2, 2})); });
  EXPECT_TRUE(contains(m, "predict")) << m;
  EXPECT_TRUE(contains(m, "(4,)")) << m;
  m = errorOf([&] { model.evaluate(x, y); });
  EXPECT_TRUE(contains(m, "evaluate")) << m;
  // A scalar has no sample dimension.
  m = errorOf([&] { model.predict(Tensor::zeros({})); });
  EXPECT_TRUE(contains(m, "scalar")) << m;
}

// Tests x and y with different sample counts.
TEST(FrontendErrors, SampleCountMismatch) {
  Sequential model = tiny();
  model.compile({.optimizer = "sgd", .loss = "categorical_crossentropy"});
  std::string m = errorOf([&] {
    model.fit(Tensor::zeros({6, 4}), Tensor::zeros({5, 3}), {.verbose = 0});
  });
  EXPECT_TRUE(contains(m, "6")) << m;
  EXPECT_TRUE(contains(m, "5")) << m;
  EXPECT_TRUE(contains(m, "samples")) << m;
}

// Tests sparse labels outside [0, classes) and non-integer float labels.
TEST(FrontendErrors, SparseLabelsOutOfRange) {
  Sequential model = tiny(4, 3);
  model.compile({.optimizer = "sgd",
                 .loss = "sparse_categorical_crossentropy",
                 .metrics = {"accuracy"}});
  Tensor x = Tensor::zeros({4, 4});
  std::string m = errorOf([&] {
    model.fit(x, Tensor::fromVector<int32_t>({0, 1, 3, 2}, {4}), {.verbose = 0});
  });
  EXPECT_TRUE(contains(m, "label 3 at index 2")) << m;
  EXPECT_TRUE(contains(m, "3 classes")) << m;
  m = errorOf([&] {
    model.fit(x, Tensor::fromVector<int64_t>({0, -1, 1, 2}, {4}), {.verbose = 0});
  });
  EXPECT_TRUE(contains(m, "label -1 at index 1")) << m;
  m = errorOf([&] { model.evaluate(x, Tensor::fromVector<uint8_t>({0, 1, 2, 9}, {4})); });
  EXPECT_TRUE(contains(m, "label 9")) << m;
  m = errorOf([&] {
    model.fit(x, f32({0, 1.5f, 1, 2}, {4}), {.verbose = 0});
  });
  EXPECT_TRUE(contains(m, "1.5")) << m;
  // Labels shaped (n, 1) are accepted, as Keras does.
  EXPECT_NO_THROW(model.fit(x, Tensor::fromVector<int32_t>({0, 1, 2, 2}, {4, 1}),
                            {.verbose = 0}));
}

// predict before compile(), as Keras allows: the predict step alone, on
// the layers' weights; compile() replaces it with the full steps, and a
// layer added after it is part of the next prediction.
TEST(FrontendErrors, PredictBeforeCompile) {
  Sequential model = tiny();
  model.set_weights({Tensor::fromVector<float>({1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1}, {4, 3}),
                     Tensor::fromVector<float>({0, 0, 0}, {3})});
  Tensor x = Tensor::fromVector<float>({0, 0, 0, 0, 2, 0, 0, 0}, {2, 4});
  Tensor before = model.predict(x);
  // Row 0: softmax(0, 0, 0); row 1: softmax(2, 0, 0).
  double e2 = std::exp(2.0);
  EXPECT_NEAR(before.at<float>({0, 0}), 1.0 / 3, 1e-6);
  EXPECT_NEAR(before.at<float>({1, 0}), e2 / (e2 + 2), 1e-6);
  model.add(layers::Dense(1, {.kernel_initializer = "ones"}));
  Tensor added = model.predict(x);
  ASSERT_EQ(added.shape(), (Shape{2, 1}));
  EXPECT_NEAR(added.at<float>({0, 0}), 1.0, 1e-6); // probabilities sum to 1
  model.compile({.optimizer = "sgd", .loss = "mse"});
  Tensor after = model.predict(x);
  EXPECT_EQ(after.at<float>({1, 0}), added.at<float>({1, 0}));
  std::string m = errorOf([&] { Sequential().predict(x); });
  EXPECT_TRUE(contains(m, "has no layers")) << m;
}

// Tests fit / evaluate before compile(): the message says what to call.
TEST(FrontendErrors, FitBeforeCompile) {
  Sequential model = tiny();
  Tensor x = Tensor::zeros({2, 4}), y = Tensor::zeros({2, 3});
  std::string m = errorOf([&] { model.fit(x, y, {.verbose = 0}); });
  EXPECT_TRUE(contains(m, "call compile() before fit()")) << m;
  m = errorOf([&] { model.evaluate(x, y); });
  EXPECT_TRUE(contains(m, "call compile() before evaluate()")) << m;
  // to_mlir needs no compile: the forward function alone, for kilnc.
  std::string ir = model.to_mlir();
  EXPECT_TRUE(contains(ir, "func.func @forward")) << ir;
  EXPECT_FALSE(contains(ir, "@loss")) << ir;
  EXPECT_FALSE(contains(ir, "kiln.optimizer")) << ir;
  // Without an input shape there is nothing to emit yet.
  Sequential unbuilt;
  unbuilt.add(layers::Dense(3));
  m = errorOf([&] { unbuilt.to_mlir(); });
  EXPECT_TRUE(contains(m, "input shape")) << m;
}

// Tests fit() options out of range.
TEST(FrontendErrors, BadFitOptions) {
  Sequential model = tiny();
  model.compile({.optimizer = "sgd", .loss = "categorical_crossentropy"});
  Tensor x = Tensor::zeros({3, 4}), y = Tensor::zeros({3, 3});
  std::string m = errorOf([&] { model.fit(x, y, {.batch_size = 0, .verbose = 0}); });
  EXPECT_TRUE(contains(m, "batch_size")) << m;
  m = errorOf([&] { model.fit(x, y, {.verbose = 0, .validation_split = 1.0}); });
  EXPECT_TRUE(contains(m, "validation_split")) << m;
  // One sample cannot be split: floor(1 * 0.5) leaves no training row.
  m = errorOf([&] {
    model.fit(x.slice(0, 1), y.slice(0, 1), {.verbose = 0, .validation_split = 0.5});
  });
  EXPECT_TRUE(contains(m, "not sufficient")) << m;
}

// Tests set_weights with the wrong count or shapes.
TEST(FrontendErrors, SetWeightsMismatch) {
  Sequential model = tiny(4, 3);
  std::string m = errorOf([&] { model.set_weights({Tensor::zeros({4, 3})}); });
  EXPECT_TRUE(contains(m, "expects 2 arrays, got 1")) << m;
  m = errorOf([&] {
    model.set_weights({Tensor::zeros({3, 4}), Tensor::zeros({3})});
  });
  EXPECT_TRUE(contains(m, "(4, 3)")) << m;
  EXPECT_TRUE(contains(m, "(3, 4)")) << m;
  // After compile too, and a failed call leaves the weights alone.
  model.compile({.optimizer = "sgd", .loss = "mse"});
  std::vector<Tensor> before = model.get_weights();
  errorOf([&] { model.set_weights({Tensor::zeros({4, 3})}); });
  EXPECT_TRUE(weightsEqual(model.get_weights(), before));
}

// Tests graph construction errors: merging mismatched shapes, a Conv2D on
// a flat input, a model whose output does not come from its input, and an
// Add with one input.
TEST(FrontendErrors, GraphConstruction) {
  backend::clear_session();
  KerasTensor a = Input({4}), b = Input({5});
  std::string m = errorOf([&] { layers::Add()({a, b}); });
  EXPECT_TRUE(contains(m, "add")) << m;
  EXPECT_TRUE(contains(m, "(None, 4)") || contains(m, "(-1, 4)")) << m;
  m = errorOf([&] { layers::Add()({a}); });
  EXPECT_TRUE(contains(m, "at least 2")) << m;
  m = errorOf([&] { layers::Conv2D(2, 3)(a); });
  EXPECT_TRUE(contains(m, "4-D")) << m;
  KerasTensor h = layers::Dense(2)(a);
  m = errorOf([&] { Model(b, h); });
  EXPECT_TRUE(contains(m, "not one of the model's inputs")) << m;
  m = errorOf([&] { Model(h, layers::Dense(1)(h)); });
  EXPECT_TRUE(contains(m, "Input")) << m;
  // A Dense already built for 4 features cannot take 5.
  layers::Dense d(3);
  d(a);
  m = errorOf([&] { d(b); });
  EXPECT_TRUE(contains(m, "already built")) << m;
}

// Tests that a model with two outputs needs a loss for each: a map that
// leaves one out is refused by compile(), naming it, and so are
// loss_weights of the wrong count.
TEST(FrontendErrors, TwoOutputsNeedALossEach) {
  KerasTensor x = Input({3});
  KerasTensor a = layers::Dense(1, {.name = "a"})(x), b = layers::Dense(2, {.name = "b"})(x);
  Model model({x}, {a, b});
  std::string m = errorOf([&] {
    model.compile({.optimizer = "sgd", .loss = {{"a", "mse"}}});
  });
  EXPECT_TRUE(contains(m, "the loss map has no entry for output 'b'")) << m;
  m = errorOf([&] {
    model.compile({.optimizer = "sgd", .loss = "mse", .loss_weights = {1.0, 2.0, 3.0}});
  });
  EXPECT_TRUE(contains(m, "loss_weights has 3 entries")) << m;
}

// Tests metrics that cannot apply to the loss's targets.
TEST(FrontendErrors, MetricIncompatibleWithSparseLabels) {
  Sequential model = tiny();
  std::string m = errorOf([&] {
    model.compile({.optimizer = "sgd",
                   .loss = "sparse_categorical_crossentropy",
                   .metrics = {"mae"}});
  });
  EXPECT_TRUE(contains(m, "mae")) << m;
  m = errorOf([&] {
    model.compile({.optimizer = "sgd",
                   .loss = "categorical_crossentropy",
                   .metrics = {"sparse_categorical_accuracy"}});
  });
  EXPECT_TRUE(contains(m, "integer labels")) << m;
}

// Tests that kiln::ops outside a compiling metric is refused.
TEST(FrontendErrors, OpsOutsideAMetric) {
  std::string m = errorOf([] { ops::exp(ops::Value(Sym{})); });
  EXPECT_TRUE(contains(m, "custom metric")) << m;
}

// Tests that an empty KerasTensor as a model output is an error naming the
// output, not a crash in the graph walk.
TEST(FrontendErrors, EmptyOutputTensor) {
  KerasTensor x = Input({3});
  std::string m = errorOf([&] { Model model(x, KerasTensor()); });
  EXPECT_TRUE(contains(m, "output #0 is an empty KerasTensor")) << m;
  m = errorOf([&] { Model model({x}, {layers::Dense(2)(x), KerasTensor()}); });
  EXPECT_TRUE(contains(m, "output #1 is an empty KerasTensor")) << m;
}

// Tests that every use of a moved-from model is an error, not a crash.
TEST(FrontendErrors, MovedFromModel) {
  Sequential model = tiny();
  Sequential other = std::move(model);
  EXPECT_EQ(other.layers().size(), 1u);
  Tensor x = Tensor::zeros({2, 4});
  std::vector<std::function<void()>> uses = {
      [&] { model.compile({.optimizer = "sgd", .loss = "mse"}); },
      [&] { model.fit(x, x); },
      [&] { model.predict(x); },
      [&] { model.evaluate(x, x); },
      [&] { model.add(layers::Dense(1)); },
      [&] { model.get_weights(); },
      [&] { model.layers(); },
      [&] { model.name(); },
      [&] { std::ostringstream os; model.summary(os); },
      [&] { model.input_shape(); },
      [&] { model.to_json(); },
      [&] { model.save_weights(testing::TempDir() + "moved.weights.h5"); },
  };
  for (auto &use : uses) {
    std::string m = errorOf(use);
    EXPECT_TRUE(contains(m, "moved-from model")) << m;
  }
}

// Tests that `data` above names the user's variable: with a kiln::data
// namespace this file would not compile ("reference to 'data' is ambiguous").
TEST(FrontendErrors, UsingNamespaceKilnLeavesTheNameDataFree) {
  EXPECT_EQ(data, 7);
  std::string path = testing::TempDir() + "kiln_io_round_trip.npy";
  io::writeNpy(path, Tensor::fromVector<float>({1, 2}, {2}));
  EXPECT_EQ(io::readNpy(path).shape(), (Shape{2}));
  std::remove(path.c_str());
}
