// Tests the training-only ops in compiled steps: kiln.dropout's mask (its
// rate, scale, a new mask per step, the same mask for the same step, and
// finite-difference gradients), rsqrt's gradient, BatchNormalization's
// training-mode composite against finite differences, and a @train_loss
// whose state updates train_step writes back while eval_step runs @loss.
#include "GradientTestUtil.h"
#include "Harness.h"

#include <cmath>
#include <gtest/gtest.h>

using namespace kiln::test;

TEST(TrainingMode, RsqrtGradient) {
  Inputs in(61);
  checkGradient("  %y = kiln.rsqrt %x : tensor<3x4xf32>\n" +
                    weightedSum("%y", "tensor<3x4xf32>", 2),
                {in.param("x", {3, 4}, 0.5f, 2.0f), in.constant("r", {3, 4})});
}

TEST(TrainingMode, DropoutGradientUsesTheSameMask) {
  Inputs in(62);
  Arg x = in.param("x", {5, 40});
  x.dynamicBatch = true;
  Arg r = in.constant("r", {5, 40});
  r.dynamicBatch = true;
  checkGradient("  %s = arith.constant dense<3> : tensor<i64>\n"
                "  %y = kiln.dropout %x, %s rate = 0.3 seed = 11 : "
                "tensor<?x40xf32>, tensor<i64>\n" +
                    weightedSum("%y", "tensor<?x40xf32>", 2),
                {x, r});
}

// BatchNormalization in training, as the frontend emits it: batch mean and
// biased variance over all axes but the last, then gamma * xhat + beta. The
// gradient flows through the statistics into x.
TEST(TrainingMode, BatchNormTrainingGradient) {
  Inputs in(63);
  checkGradient(R"(  %m = kiln.reduce_mean %x axes = [0, 1, 2] : tensor<2x3x3x4xf32>
  %c = kiln.sub %x, %m : tensor<2x3x3x4xf32>, tensor<4xf32>
  %sq = kiln.mul %c, %c : tensor<2x3x3x4xf32>, tensor<2x3x3x4xf32>
  %v = kiln.reduce_mean %sq axes = [0, 1, 2] : tensor<2x3x3x4xf32>
  %eps = arith.constant dense<1.0e-03> : tensor<f32>
  %ve = kiln.add %v, %eps : tensor<4xf32>, tensor<f32>
  %inv = kiln.rsqrt %ve : tensor<4xf32>
  %f = kiln.mul %inv, %g : tensor<4xf32>, tensor<4xf32>
  %n = kiln.mul %c, %f : tensor<2x3x3x4xf32>, tensor<4xf32>
  %y = kiln.add %n, %b : tensor<2x3x3x4xf32>, tensor<4xf32>
)" + weightedSum("%y", "tensor<2x3x3x4xf32>", 4),
                {in.param("x", {2, 3, 3, 4}), in.param("g", {4}, 0.5f, 1.5f),
                 in.param("b", {4}), in.constant("r", {2, 3, 3, 4})});
}

namespace {

// @loss is the model in inference: x * w. @train_loss drops elements of
// x * w (rate 0.5) and moves %avg, a non-trainable parameter, to the mean
// of what it kept: avg' = 0.5 avg + 0.5 mean(d). Results: loss = mean(d),
// metric = mean(d * d).
const char *kDropoutModel = R"mlir(
func.func @loss(%w: tensor<1xf32> {kiln.param, kiln.trainable}, %avg: tensor<f32> {kiln.param},
                %x: tensor<?x128xf32>, %y: tensor<?x128xf32>) -> (tensor<f32>, tensor<f32>) {
  %p = kiln.mul %x, %w : tensor<?x128xf32>, tensor<1xf32>
  %l = kiln.reduce_mean %p axes = [0, 1] : tensor<?x128xf32>
  %sq = kiln.mul %p, %p : tensor<?x128xf32>, tensor<?x128xf32>
  %m = kiln.reduce_mean %sq axes = [0, 1] : tensor<?x128xf32>
  return %l, %m : tensor<f32>, tensor<f32>
}
func.func @train_loss(%w: tensor<1xf32> {kiln.param, kiln.trainable}, %avg: tensor<f32> {kiln.param},
                      %x: tensor<?x128xf32>, %y: tensor<?x128xf32>, %step: tensor<i64> {kiln.step})
    -> (tensor<f32>, tensor<f32>, tensor<f32>) attributes {kiln.state_updates = array<i64: 1>} {
  %p = kiln.mul %x, %w : tensor<?x128xf32>, tensor<1xf32>
  %d = kiln.dropout %p, %step rate = 0.5 seed = 5 : tensor<?x128xf32>, tensor<i64>
  %l = kiln.reduce_mean %d axes = [0, 1] : tensor<?x128xf32>
  %sq = kiln.mul %d, %d : tensor<?x128xf32>, tensor<?x128xf32>
  %m = kiln.reduce_mean %sq axes = [0, 1] : tensor<?x128xf32>
  %half = arith.constant dense<0.5> : tensor<f32>
  %a = kiln.mul %avg, %half : tensor<f32>, tensor<f32>
  %b = kiln.mul %l, %half : tensor<f32>, tensor<f32>
  %avg2 = kiln.add %a, %b : tensor<f32>, tensor<f32>
  return %l, %m, %avg2 : tensor<f32>, tensor<f32>, tensor<f32>
}
)mlir";

} // namespace

TEST(TrainingMode, TrainStepDropsAndUpdatesStateEvalDoesNot) {
  auto jit = compileKiln(withOptimizer(kDropoutModel, "kind = sgd, learning_rate = 0.0"),
                         {}, "kiln-make-steps");
  ASSERT_TRUE(jit);
  auto train = jit->lookup("train_step"), eval = jit->lookup("eval_step");
  ASSERT_TRUE(bool(train) && bool(eval));
  const int64_t rows = 64;
  HostBuffer w({1}, {1.0f}), avg({}, {0.0f});
  HostBuffer it = HostBuffer::i64Scalar(0), lr({}, {0.0f});
  HostBuffer x({rows, 128}, std::vector<float>(rows * 128, 1.0f));
  HostBuffer y = HostBuffer::zeros({rows, 128});
  HostBuffer out = HostBuffer::zeros({2});

  std::vector<float> means;
  float expectedAvg = 0;
  for (int step = 0; step < 4; ++step) {
    call(*train, {&w, &avg, &it, &lr, &x, &y, &out});
    float mean = out.f32()[0], meanSq = out.f32()[1];
    // Kept elements are 2, dropped ones 0: about half of 8192 kept.
    EXPECT_NEAR(mean, 1.0f, 0.05f) << "step " << step;
    EXPECT_FLOAT_EQ(meanSq, 2.0f * mean) << "step " << step;
    for (float m : means)
      EXPECT_NE(m, mean) << "step " << step << " drew an earlier mask";
    means.push_back(mean);
    expectedAvg = 0.5f * expectedAvg + 0.5f * mean;
    EXPECT_FLOAT_EQ(avg.f32()[0], expectedAvg) << "step " << step;
  }
  // The same step counter draws the same mask again.
  HostBuffer first = HostBuffer::i64Scalar(0);
  call(*train, {&w, &avg, &first, &lr, &x, &y, &out});
  EXPECT_FLOAT_EQ(out.f32()[0], means[0]);

  // Evaluation runs @loss: nothing dropped, nothing updated.
  float before = avg.f32()[0];
  call(*eval, {&w, &avg, &x, &y, &out});
  EXPECT_FLOAT_EQ(out.f32()[0], 1.0f);
  EXPECT_FLOAT_EQ(out.f32()[1], 1.0f);
  EXPECT_FLOAT_EQ(avg.f32()[0], before);
}
