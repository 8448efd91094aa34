// predict() of compiled models against plain C++ forward passes, with
// weights chosen by set_weights: Dense with every activation, Conv2D
// ('valid' and 'same', strides), MaxPooling2D, Flatten and a small CNN.
#include "FrontendTestUtil.h"

using namespace kiln;
using namespace kiln::test;

namespace {

Tensor predictWith(Model &model, const std::vector<Tensor> &w, const Tensor &x,
                   int64_t batch = 3) {
  model.compile({.optimizer = "sgd", .loss = "mse"});
  model.set_weights(w);
  return model.predict(x, {.batch_size = batch});
}

} // namespace

// Tests Dense(4) with each Keras activation against x · kernel + bias.
TEST(FrontendNumerics, DenseEveryActivation) {
  std::mt19937 rng(51);
  Tensor x = uniform(rng, {7, 5});
  for (std::string act : {"linear", "relu", "sigmoid", "tanh", "softmax", "exponential"}) {
    Sequential model;
    model.add(layers::Dense(4, {.activation = act, .input_dim = 5}));
    std::vector<Tensor> w = {uniform(rng, {5, 4}), uniform(rng, {4})};
    expectTensorNear(predictWith(model, w, x), denseRef(x, w[0], w[1], act), 1e-5,
                     act);
  }
}

// Tests a Dense without bias and an Activation layer after it.
TEST(FrontendNumerics, DenseWithoutBiasThenActivationLayer) {
  std::mt19937 rng(52);
  Sequential model;
  model.add(layers::Dense(3, {.use_bias = false, .input_shape = {6}}));
  model.add(layers::Activation("tanh"));
  std::vector<Tensor> w = {uniform(rng, {6, 3})};
  ASSERT_EQ(model.get_weights().size(), 1u);
  Tensor x = uniform(rng, {4, 6});
  expectTensorNear(predictWith(model, w, x), denseRef(x, w[0], Tensor(), "tanh"),
                   1e-5);
}

// Tests Dense on a rank-3 input: it applies to the last axis, like Keras.
TEST(FrontendNumerics, DenseOnTheLastAxisOfRank3Input) {
  std::mt19937 rng(53);
  Sequential model;
  model.add(layers::Dense(2, {.input_shape = {3, 4}}));
  std::vector<Tensor> w = {uniform(rng, {4, 2}), uniform(rng, {2})};
  Tensor x = uniform(rng, {5, 3, 4});
  Tensor p = predictWith(model, w, x);
  ASSERT_EQ(p.shape(), (Shape{5, 3, 2}));
  Tensor expected = denseRef(x.reshape({15, 4}), w[0], w[1]).reshape({5, 3, 2});
  expectTensorNear(p, expected, 1e-5);
}

// Tests Conv2D 'valid' with a non-square kernel and 2 input channels.
TEST(FrontendNumerics, Conv2DValid) {
  std::mt19937 rng(54);
  Sequential model;
  model.add(layers::Conv2D(3, {3, 2}, {.activation = "relu", .input_shape = {6, 7, 2}}));
  std::vector<Tensor> w = {uniform(rng, {3, 2, 2, 3}), uniform(rng, {3})};
  Tensor x = uniform(rng, {4, 6, 7, 2});
  Tensor p = predictWith(model, w, x);
  ASSERT_EQ(p.shape(), (Shape{4, 4, 6, 3}));
  expectTensorNear(p, conv2dRef(x, w[0], w[1], {1, 1}, false, "relu"), 1e-5);
}

// Tests Conv2D 'same' with strides 2 on odd and even sizes: TensorFlow pads
// (total / 2) before and the rest after.
TEST(FrontendNumerics, Conv2DSameStrided) {
  std::mt19937 rng(55);
  Sequential model;
  model.add(layers::Conv2D(2, 3, {.strides = {2, 2}, .padding = "same",
                                  .input_shape = {7, 6, 1}}));
  std::vector<Tensor> w = {uniform(rng, {3, 3, 1, 2}), uniform(rng, {2})};
  Tensor x = uniform(rng, {3, 7, 6, 1});
  Tensor p = predictWith(model, w, x);
  ASSERT_EQ(p.shape(), (Shape{3, 4, 3, 2}));
  expectTensorNear(p, conv2dRef(x, w[0], w[1], {2, 2}, true), 1e-5);
}

// Tests Conv2D 'same' stride 1 with an even kernel (padding 0 before, 1 after).
TEST(FrontendNumerics, Conv2DSameEvenKernel) {
  std::mt19937 rng(56);
  Sequential model;
  model.add(layers::Conv2D(2, {2, 4}, {.padding = "same", .use_bias = false,
                                       .input_shape = {5, 5, 3}}));
  std::vector<Tensor> w = {uniform(rng, {2, 4, 3, 2})};
  Tensor x = uniform(rng, {2, 5, 5, 3});
  Tensor p = predictWith(model, w, x, 2);
  ASSERT_EQ(p.shape(), (Shape{2, 5, 5, 2}));
  expectTensorNear(p, conv2dRef(x, w[0], Tensor(), {1, 1}, true), 1e-5);
}

// Tests MaxPooling2D: default strides = pool size (odd input floors),
// explicit stride 1, and 'same' padding.
TEST(FrontendNumerics, MaxPooling2D) {
  std::mt19937 rng(57);
  Tensor x = uniform(rng, {3, 5, 5, 2});
  struct Case {
    std::vector<int64_t> pool, strides;
    std::string padding;
    Shape out;
  };
  for (const Case &c : {Case{{2, 2}, {}, "valid", {3, 2, 2, 2}},
                        Case{{2, 2}, {1, 1}, "valid", {3, 4, 4, 2}},
                        Case{{3, 2}, {2, 1}, "valid", {3, 2, 4, 2}},
                        Case{{2, 2}, {}, "same", {3, 3, 3, 2}}}) {
    Sequential model;
    model.add(layers::MaxPooling2D(c.pool, {.strides = c.strides, .padding = c.padding,
                                            .input_shape = {5, 5, 2}}));
    Tensor p = predictWith(model, {}, x, 2);
    std::vector<int64_t> strides = c.strides.empty() ? c.pool : c.strides;
    ASSERT_EQ(p.shape(), c.out) << c.padding;
    expectTensorNear(p, maxPoolRef(x, c.pool, strides, c.padding == "same"), 0,
                     "pool " + shapeToString(c.pool) + " " + c.padding);
  }
}

// Tests a small CNN end to end: Conv2D -> MaxPooling2D -> Flatten (NHWC
// order) -> Dense softmax, and predict_classes as its arg-max.
TEST(FrontendNumerics, SmallCnnMatchesHandForward) {
  std::mt19937 rng(58);
  Sequential model;
  model.add(layers::Conv2D(4, 3, {.activation = "relu", .input_shape = {8, 8, 1}}));
  model.add(layers::MaxPooling2D({2, 2}));
  model.add(layers::Flatten());
  model.add(layers::Dense(3, {.activation = "softmax"}));
  std::vector<Tensor> w = {uniform(rng, {3, 3, 1, 4}), uniform(rng, {4}),
                           uniform(rng, {36, 3}), uniform(rng, {3})};
  Tensor x = uniform(rng, {5, 8, 8, 1}, 0, 1);
  Tensor p = predictWith(model, w, x);
  Tensor conv = conv2dRef(x, w[0], w[1], {1, 1}, false, "relu");
  Tensor pooled = maxPoolRef(conv, {2, 2}, {2, 2}, false);
  Tensor expected = denseRef(pooled.reshape({5, 36}), w[2], w[3], "softmax");
  expectTensorNear(p, expected, 1e-5);
  EXPECT_EQ(values(model.predict_classes(x)), values(argmax(expected)));
}

// Tests that uint8 images are fed as their values (not scaled), and that
// x / 255.0 gives the same predictions as float pixels.
TEST(FrontendNumerics, Uint8InputsAndScaledPixels) {
  std::mt19937 rng(59);
  Sequential model;
  model.add(layers::Flatten({.input_shape = {2, 3}}));
  model.add(layers::Dense(2));
  std::vector<Tensor> w = {uniform(rng, {6, 2}, -0.01f, 0.01f), uniform(rng, {2})};
  std::vector<uint8_t> pixels = {0, 10, 255, 128, 7, 99, 1, 2, 3, 200, 201, 202};
  Tensor images = Tensor::fromVector(pixels, {2, 2, 3});
  Tensor raw = predictWith(model, w, images);
  expectTensorNear(raw, denseRef(images.reshape({2, 6}).astype(DType::f32), w[0], w[1]),
                   1e-4);
  Tensor scaled = model.predict(images / 255.0);
  expectTensorNear(scaled, denseRef((images / 255.0).reshape({2, 6}), w[0], w[1]), 1e-5);
}
