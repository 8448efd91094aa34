// get_weights / set_weights on models and layers (seed 001: "every layer's
// parameters are reached through get_weights() and set_weights()") and the
// initializers behind fresh weights.
#include "FrontendTestUtil.h"

using namespace kiln;
using namespace kiln::test;

namespace {

Sequential twoLayers() {
  Sequential model;
  model.add(layers::Dense(3, {.activation = "relu", .input_dim = 2}));
  model.add(layers::Dense(2));
  return model;
}

} // namespace

// Tests Keras's defaults: glorot_uniform kernels within
// sqrt(6 / (fan_in + fan_out)), zero biases, Keras shapes (in, out).
TEST(FrontendWeights, DefaultInitializers) {
  utils::set_random_seed(71);
  Sequential model;
  model.add(layers::Dense(300, {.input_dim = 784}));
  std::vector<Tensor> w = model.layers()[0].get_weights();
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].shape(), (Shape{784, 300}));
  float limit = std::sqrt(6.f / (784 + 300));
  std::vector<float> k = values(w[0]);
  float lo = *std::min_element(k.begin(), k.end());
  float hi = *std::max_element(k.begin(), k.end());
  EXPECT_GE(lo, -limit);
  EXPECT_LE(hi, limit);
  EXPECT_LT(lo, -0.9f * limit); // spread over the whole range
  EXPECT_GT(hi, 0.9f * limit);
  for (float v : values(w[1]))
    EXPECT_EQ(v, 0.f);
}

// Tests named and object initializers, and their seeds.
TEST(FrontendWeights, InitializerChoicesAndSeeds) {
  Sequential model;
  model.add(layers::Dense(4, {.kernel_initializer = "ones",
                              .bias_initializer = initializers::Constant(0.25),
                              .input_dim = 3}));
  std::vector<Tensor> w = model.get_weights();
  for (float v : values(w[0]))
    EXPECT_EQ(v, 1.f);
  for (float v : values(w[1]))
    EXPECT_EQ(v, 0.25f);

  auto seeded = [](std::optional<uint64_t> seed) {
    layers::Dense d(5, {.kernel_initializer = initializers::RandomUniform(-0.1, 0.1, seed)});
    d(Input({6}));
    return d.get_weights()[0];
  };
  EXPECT_EQ(values(seeded(3)), values(seeded(3)));
  EXPECT_NE(values(seeded(3)), values(seeded(4)));
  for (float v : values(seeded(5))) {
    EXPECT_GE(v, -0.1f);
    EXPECT_LE(v, 0.1f);
  }
  // set_random_seed makes unseeded initializers reproducible.
  utils::set_random_seed(9);
  Tensor a = seeded(std::nullopt);
  utils::set_random_seed(9);
  Tensor b = seeded(std::nullopt);
  EXPECT_EQ(values(a), values(b));
}

// Tests that get_weights() returns copies: writing to them changes nothing.
TEST(FrontendWeights, GetWeightsReturnsCopies) {
  Sequential model = twoLayers();
  model.compile({.optimizer = "sgd", .loss = "mse"});
  std::vector<Tensor> w = model.get_weights();
  std::vector<Tensor> before;
  for (const Tensor &t : w)
    before.push_back(t.clone());
  w[0].data<float>()[0] += 100.f;
  model.layers()[0].get_weights()[0].data<float>()[0] += 100.f;
  EXPECT_TRUE(weightsEqual(model.get_weights(), before));
}

// Tests model.set_weights before and after compile: predict uses them, and
// layer.get_weights() reflects them.
TEST(FrontendWeights, ModelSetWeightsReachesPredictAndLayers) {
  std::mt19937 rng(72);
  Sequential model = twoLayers();
  std::vector<Tensor> w1 = randomizeWeights(model, rng); // before compile
  model.compile({.optimizer = "sgd", .loss = "mse"});
  Tensor x = uniform(rng, {5, 2});
  auto forward = [&](const std::vector<Tensor> &w) {
    return denseRef(denseRef(x, w[0], w[1], "relu"), w[2], w[3]);
  };
  expectTensorNear(model.predict(x), forward(w1), 1e-5);
  std::vector<Tensor> w2 = randomizeWeights(model, rng); // after compile
  expectTensorNear(model.predict(x), forward(w2), 1e-5);
  EXPECT_TRUE(weightsEqual(model.layers()[1].get_weights(), {w2[2], w2[3]}));
  // Any numeric dtype converts to f32 (NumPy arrays of ints work in Keras).
  std::vector<Tensor> ints = {Tensor::zeros({2, 3}, DType::i32), Tensor::zeros({3}, DType::i64),
                              Tensor::zeros({3, 2}, DType::i32), Tensor::zeros({2}, DType::i32)};
  model.set_weights(ints);
  for (float v : values(model.predict(x)))
    EXPECT_EQ(v, 0.f);
}

// Tests that trained weights reach the layers: after fit, each layer's
// get_weights() equals its slice of model.get_weights().
TEST(FrontendWeights, FitUpdatesLayerWeights) {
  std::mt19937 rng(73);
  Sequential model = twoLayers();
  model.compile({.optimizer = optimizers::SGD{.learning_rate = 0.1}, .loss = "mse"});
  std::vector<Tensor> before = model.get_weights();
  model.fit(uniform(rng, {8, 2}), uniform(rng, {8, 2}), {.epochs = 2, .verbose = 0});
  std::vector<Tensor> after = model.get_weights();
  EXPECT_FALSE(weightsEqual(after, before));
  EXPECT_TRUE(weightsEqual(model.layers()[0].get_weights(), {after[0], after[1]}));
  EXPECT_TRUE(weightsEqual(model.layers()[1].get_weights(), {after[2], after[3]}));
}

// Tests that a layer's set_weights after compile() reaches predict: the
// compiled model trains the layers' own weight tensors.
TEST(FrontendWeights, LayerSetWeightsAfterCompileReachesPredict) {
  std::mt19937 rng(74);
  Sequential model = twoLayers();
  model.compile({.optimizer = "sgd", .loss = "mse"});
  Tensor x = uniform(rng, {4, 2});
  Layer last = model.layers()[1];
  std::vector<Tensor> zeros = {Tensor::zeros({3, 2}), Tensor::zeros({2})};
  last.set_weights(zeros);
  EXPECT_TRUE(weightsEqual(last.get_weights(), zeros));
  std::vector<Tensor> all = model.get_weights();
  EXPECT_TRUE(weightsEqual({all[2], all[3]}, zeros));
  for (float v : values(model.predict(x)))
    EXPECT_EQ(v, 0.f);
}

// Tests that a failed set_weights changes nothing: every shape is checked
// before any weight is written.
TEST(FrontendWeights, FailedSetWeightsChangesNothing) {
  Sequential model = twoLayers();
  model.compile({.optimizer = "sgd", .loss = "mse"});
  std::vector<Tensor> before = model.get_weights();
  std::vector<Tensor> bad = {Tensor::zeros({2, 3}), Tensor::zeros({3}),
                             Tensor::zeros({3, 2}), Tensor::zeros({5})};
  errorOf([&] { model.set_weights(bad); });
  EXPECT_TRUE(weightsEqual(model.get_weights(), before));
  EXPECT_TRUE(weightsEqual(model.layers()[0].get_weights(), {before[0], before[1]}));
}
