// Tests whole compiled training steps (forward, loss, backward, optimizer
// update in one function): XOR is learnt exactly, a small conv net's loss
// falls, and eval/predict steps agree with the trained parameters.
#include "Harness.h"

#include <cmath>
#include <gtest/gtest.h>

using namespace kiln::test;

namespace {

const char *kXorModel = R"mlir(
func.func @forward(%w0: tensor<2x8xf32> {kiln.param}, %b0: tensor<8xf32> {kiln.param},
                   %w1: tensor<8x2xf32> {kiln.param}, %b1: tensor<2xf32> {kiln.param},
                   %x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %h = kiln.dense %x, %w0, %b0 : tensor<?x2xf32>, tensor<2x8xf32>, tensor<8xf32>
  %a = kiln.tanh %h : tensor<?x8xf32>
  %z = kiln.dense %a, %w1, %b1 : tensor<?x8xf32>, tensor<8x2xf32>, tensor<2xf32>
  %p = kiln.softmax %z axis = -1 : tensor<?x2xf32>
  return %p : tensor<?x2xf32>
}
func.func @loss(%w0: tensor<2x8xf32> {kiln.param, kiln.trainable}, %b0: tensor<8xf32> {kiln.param, kiln.trainable},
                %w1: tensor<8x2xf32> {kiln.param, kiln.trainable}, %b1: tensor<2xf32> {kiln.param, kiln.trainable},
                %x: tensor<?x2xf32>, %y: tensor<?xi32>) -> (tensor<f32>, tensor<f32>) {
  %p = call @forward(%w0, %b0, %w1, %b1, %x) : (tensor<2x8xf32>, tensor<8xf32>, tensor<8x2xf32>, tensor<2xf32>, tensor<?x2xf32>) -> tensor<?x2xf32>
  %l = kiln.sparse_categorical_crossentropy %y, %p : tensor<?xi32>, tensor<?x2xf32>
  %acc = kiln.sparse_categorical_accuracy %y, %p : tensor<?xi32>, tensor<?x2xf32>
  return %l, %acc : tensor<f32>, tensor<f32>
}
)mlir";

/// Keras's glorot_uniform: U(-limit, limit), limit = sqrt(6 / (in + out)).
HostBuffer glorot(std::mt19937 &rng, int64_t in, int64_t out) {
  float limit = std::sqrt(6.0f / float(in + out));
  return HostBuffer({in, out}, uniform(rng, in * out, -limit, limit));
}

} // namespace

TEST(TrainStep, XorReachesFullAccuracy) {
  auto jit = compileKiln(withOptimizer(kXorModel, "kind = adam, learning_rate = 0.05"), {},
                         "kiln-make-steps");
  ASSERT_TRUE(jit);
  auto train = jit->lookup("train_step"), eval = jit->lookup("eval_step"),
       predict = jit->lookup("predict_step");
  ASSERT_TRUE(bool(train) && bool(eval) && bool(predict));

  std::mt19937 rng(1234);
  HostBuffer w0 = glorot(rng, 2, 8), b0 = HostBuffer::zeros({8});
  HostBuffer w1 = glorot(rng, 8, 2), b1 = HostBuffer::zeros({2});
  std::vector<HostBuffer> slots;
  for (int s = 0; s < 2; ++s)
    for (auto *p : {&w0, &b0, &w1, &b1})
      slots.push_back(HostBuffer::zeros(p->shape));
  HostBuffer it = HostBuffer::i64Scalar(0), lr({}, {0.05f});
  HostBuffer x({4, 2}, {0, 0, 0, 1, 1, 0, 1, 1});
  HostBuffer y = HostBuffer::ints({4}, {0, 1, 1, 0});
  HostBuffer out = HostBuffer::zeros({2});

  float firstLoss = 0;
  for (int step = 0; step < 300; ++step) {
    std::vector<HostBuffer *> args = {&w0, &b0, &w1, &b1};
    for (HostBuffer &s : slots)
      args.push_back(&s);
    for (HostBuffer *b : {&it, &lr, &x, &y, &out})
      args.push_back(b);
    call(*train, args);
    if (step == 0)
      firstLoss = out.f32()[0];
    ASSERT_TRUE(std::isfinite(out.f32()[0])) << "step " << step;
  }
  EXPECT_LT(out.f32()[0], 0.05f * firstLoss);

  HostBuffer evalOut = HostBuffer::zeros({2});
  call(*eval, {&w0, &b0, &w1, &b1, &x, &y, &evalOut});
  EXPECT_FLOAT_EQ(evalOut.f32()[1], 1.0f) << "eval accuracy";

  HostBuffer probs = HostBuffer::zeros({4, 2});
  call(*predict, {&w0, &b0, &w1, &b1, &x, &probs});
  int expected[4] = {0, 1, 1, 0};
  for (int i = 0; i < 4; ++i) {
    int predicted = probs.f32()[2 * i + 1] > probs.f32()[2 * i] ? 1 : 0;
    EXPECT_EQ(predicted, expected[i]) << "sample " << i;
    EXPECT_NEAR(probs.f32()[2 * i] + probs.f32()[2 * i + 1], 1.0f, 1e-5);
  }
}

TEST(TrainStep, SmallConvNetLossFalls) {
  const char *model = R"mlir(
func.func @forward(%k: tensor<3x3x1x4xf32> {kiln.param}, %kb: tensor<4xf32> {kiln.param},
                   %w: tensor<36x3xf32> {kiln.param}, %b: tensor<3xf32> {kiln.param},
                   %x: tensor<?x8x8x1xf32>) -> tensor<?x3xf32> {
  %c = kiln.conv2d %x, %k, %kb strides = [1, 1] padding = valid : tensor<?x8x8x1xf32>, tensor<3x3x1x4xf32>, tensor<4xf32>
  %r = kiln.relu %c : tensor<?x6x6x4xf32>
  %p = kiln.max_pool2d %r pool_size = [2, 2] strides = [2, 2] padding = valid : tensor<?x6x6x4xf32>
  %f = kiln.reshape %p : tensor<?x3x3x4xf32> -> tensor<?x36xf32>
  %z = kiln.dense %f, %w, %b : tensor<?x36xf32>, tensor<36x3xf32>, tensor<3xf32>
  %s = kiln.softmax %z axis = -1 : tensor<?x3xf32>
  return %s : tensor<?x3xf32>
}
func.func @loss(%k: tensor<3x3x1x4xf32> {kiln.param, kiln.trainable}, %kb: tensor<4xf32> {kiln.param, kiln.trainable},
                %w: tensor<36x3xf32> {kiln.param, kiln.trainable}, %b: tensor<3xf32> {kiln.param, kiln.trainable},
                %x: tensor<?x8x8x1xf32>, %y: tensor<?xi32>) -> tensor<f32> {
  %p = call @forward(%k, %kb, %w, %b, %x) : (tensor<3x3x1x4xf32>, tensor<4xf32>, tensor<36x3xf32>, tensor<3xf32>, tensor<?x8x8x1xf32>) -> tensor<?x3xf32>
  %l = kiln.sparse_categorical_crossentropy %y, %p : tensor<?xi32>, tensor<?x3xf32>
  return %l : tensor<f32>
}
)mlir";
  auto jit = compileKiln(withOptimizer(model, "kind = adam, learning_rate = 0.01"), {},
                         "kiln-make-steps");
  ASSERT_TRUE(jit);
  auto train = jit->lookup("train_step");
  ASSERT_TRUE(bool(train));
  std::mt19937 rng(77);
  float limit = std::sqrt(6.0f / (9 + 36));
  HostBuffer k({3, 3, 1, 4}, uniform(rng, 36, -limit, limit)), kb = HostBuffer::zeros({4});
  HostBuffer w = glorot(rng, 36, 3), b = HostBuffer::zeros({3});
  std::vector<HostBuffer> slots;
  for (int s = 0; s < 2; ++s)
    for (auto *p : {&k, &kb, &w, &b})
      slots.push_back(HostBuffer::zeros(p->shape));
  HostBuffer it = HostBuffer::i64Scalar(0), lr({}, {0.01f});
  HostBuffer x({6, 8, 8, 1}, uniform(rng, 6 * 64, 0, 1));
  HostBuffer y = HostBuffer::ints({6}, {0, 1, 2, 0, 1, 2});
  HostBuffer out = HostBuffer::zeros({1});
  float first = 0;
  for (int step = 0; step < 60; ++step) {
    std::vector<HostBuffer *> args = {&k, &kb, &w, &b};
    for (HostBuffer &s : slots)
      args.push_back(&s);
    for (HostBuffer *a : {&it, &lr, &x, &y, &out})
      args.push_back(a);
    call(*train, args);
    if (step == 0)
      first = out.f32()[0];
  }
  EXPECT_GT(first, 0.5f);
  EXPECT_LT(out.f32()[0], 0.5f * first) << "first loss " << first;
}

TEST(TrainStep, HostAndGenericTargetsAgree) {
  // The same step compiled for the detected host CPU and for plain x86-64
  // must compute the same loss (up to reassociation).
  auto host = compileKiln(kXorModel, {}, "kiln-make-steps");
  kiln::JitOptions generic;
  generic.cpu = "x86-64";
  auto plain = compileKiln(kXorModel, generic, "kiln-make-steps");
  ASSERT_TRUE(host && plain);
  std::mt19937 rng(5);
  HostBuffer w0 = glorot(rng, 2, 8), b0({8}, uniform(rng, 8, -1, 1));
  HostBuffer w1 = glorot(rng, 8, 2), b1({2}, uniform(rng, 2, -1, 1));
  HostBuffer x({4, 2}, {0, 0, 0, 1, 1, 0, 1, 1});
  HostBuffer y = HostBuffer::ints({4}, {0, 1, 1, 0});
  HostBuffer a = HostBuffer::zeros({2}), c = HostBuffer::zeros({2});
  call(*host->lookup("eval_step"), {&w0, &b0, &w1, &b1, &x, &y, &a});
  call(*plain->lookup("eval_step"), {&w0, &b0, &w1, &b1, &x, &y, &c});
  EXPECT_NEAR(a.f32()[0], c.f32()[0], 1e-5);
  EXPECT_EQ(a.f32()[1], c.f32()[1]);
}
