// Tests that the compiled gradients of every loss, on probabilities and on
// logits (softmax/sigmoid folded into the loss), match finite differences.
#include "GradientTestUtil.h"

#include <gtest/gtest.h>

using namespace kiln::test;

namespace {
Arg probabilities(Inputs &in, std::vector<int64_t> shape) {
  // Inside (0.05, 0.95): the 1e-7 clip never engages and h stays in range.
  return in.param("p", shape, 0.05f, 0.95f);
}
Arg oneHot(Inputs &in, int64_t batch, int classes) {
  Arg y{"y", {batch, classes}, {}, false};
  std::uniform_int_distribution<int> d(0, classes - 1);
  for (int64_t i = 0; i < batch; ++i) {
    int c = d(in.rng);
    for (int j = 0; j < classes; ++j)
      y.values.push_back(j == c ? 1.f : 0.f);
  }
  return y;
}
const Tolerance kLossTol{1e-3, 1e-3, 1e-2};
} // namespace

TEST(LossGradient, MeanSquaredError) {
  Inputs in(60);
  Arg p = in.param("p", {4, 3});
  p.dynamicBatch = true;
  Arg y = in.constant("y", {4, 3});
  y.dynamicBatch = true;
  checkGradient("  %loss = kiln.mse %y, %p : tensor<?x3xf32>, tensor<?x3xf32>",
                {y, p}, kLossTol);
}

TEST(LossGradient, MeanAbsoluteError) {
  Inputs in(61);
  Arg y = in.constant("y", {4, 3});
  Arg p = in.param("p", {4, 3});
  // Keep |p - y| away from the kink at 0.
  for (size_t i = 0; i < p.values.size(); ++i)
    if (std::abs(p.values[i] - y.values[i]) < 0.05f)
      p.values[i] = y.values[i] + 0.1f;
  checkGradient("  %loss = kiln.mae %y, %p : tensor<4x3xf32>, tensor<4x3xf32>",
                {y, p}, kLossTol);
}

TEST(LossGradient, BinaryCrossentropyOnProbabilities) {
  Inputs in(62);
  Arg y{"y", {6, 1}, {1, 0, 1, 1, 0, 0}, false};
  checkGradient("  %loss = kiln.binary_crossentropy %y, %p : tensor<6x1xf32>, tensor<6x1xf32>",
                {y, probabilities(in, {6, 1})}, kLossTol);
}

TEST(LossGradient, BinaryCrossentropyOfSigmoid) {
  Inputs in(63);
  Arg y{"y", {6, 1}, {1, 0, 1, 1, 0, 0}, false};
  checkGradient("  %p = kiln.sigmoid %z : tensor<6x1xf32>\n"
                "  %loss = kiln.binary_crossentropy %y, %p : tensor<6x1xf32>, tensor<6x1xf32>",
                {y, in.param("z", {6, 1}, -3, 3)}, kLossTol);
}

TEST(LossGradient, CategoricalCrossentropyOnProbabilities) {
  Inputs in(64);
  checkGradient("  %loss = kiln.categorical_crossentropy %y, %p : tensor<4x5xf32>, tensor<4x5xf32>",
                {oneHot(in, 4, 5), probabilities(in, {4, 5})}, kLossTol);
}

TEST(LossGradient, CategoricalCrossentropyOfSoftmax) {
  Inputs in(65);
  checkGradient("  %p = kiln.softmax %z axis = -1 : tensor<4x5xf32>\n"
                "  %loss = kiln.categorical_crossentropy %y, %p : tensor<4x5xf32>, tensor<4x5xf32>",
                {oneHot(in, 4, 5), in.param("z", {4, 5}, -3, 3)}, kLossTol);
}

TEST(LossGradient, SparseCategoricalCrossentropyOnProbabilities) {
  Inputs in(66);
  checkGradient("  %loss = kiln.sparse_categorical_crossentropy %l, %p : tensor<4xi32>, tensor<4x5xf32>",
                {in.labels("l", {4}, 5), probabilities(in, {4, 5})}, kLossTol);
}

TEST(LossGradient, SparseCategoricalCrossentropyOfSoftmaxDynamicBatch) {
  Inputs in(67);
  Arg l = in.labels("l", {6}, 10);
  l.dynamicBatch = true;
  Arg z = in.param("z", {6, 10}, -3, 3);
  z.dynamicBatch = true;
  checkGradient("  %p = kiln.softmax %z axis = -1 : tensor<?x10xf32>\n"
                "  %loss = kiln.sparse_categorical_crossentropy %l, %p : tensor<?xi32>, tensor<?x10xf32>",
                {l, z}, kLossTol);
}
