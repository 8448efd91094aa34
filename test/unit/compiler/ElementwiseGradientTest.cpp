// Tests that the compiled gradients of the elementwise, shape, reduction and
// activation ops match central finite differences of the compiled loss.
#include "GradientTestUtil.h"

#include <gtest/gtest.h>

using namespace kiln::test;

namespace {
/// loss = sum(op(a, b) * r) for a broadcasting binary op.
void checkBinary(const char *op, std::vector<int64_t> a, std::vector<int64_t> b,
                 std::vector<int64_t> out, unsigned seed, float blo = -1, float bhi = 1) {
  Inputs in(seed);
  std::string ta = typeString("tensor", a), tb = typeString("tensor", b),
              to = typeString("tensor", out);
  SCOPED_TRACE(std::string(op) + " " + ta + " " + tb);
  checkGradient(std::string("  %y = kiln.") + op + " %a, %b : " + ta + ", " + tb + "\n" +
                    weightedSum("%y", to, out.size()),
                {in.param("a", a), in.param("b", b, blo, bhi), in.constant("r", out)});
}
} // namespace

TEST(ElementwiseGradient, AddBroadcasts) {
  checkBinary("add", {3, 4}, {3, 4}, {3, 4}, 20);
  checkBinary("add", {3, 4}, {4}, {3, 4}, 21);
  checkBinary("add", {3, 1}, {1, 4}, {3, 4}, 22);
}

TEST(ElementwiseGradient, SubBroadcasts) {
  checkBinary("sub", {4}, {3, 4}, {3, 4}, 23);
  checkBinary("sub", {2, 3, 4}, {3, 1}, {2, 3, 4}, 24);
}

TEST(ElementwiseGradient, MulBroadcasts) {
  checkBinary("mul", {3, 4}, {3, 4}, {3, 4}, 25);
  checkBinary("mul", {3, 4}, {3, 1}, {3, 4}, 26);
}

TEST(ElementwiseGradient, DivBroadcasts) {
  checkBinary("div", {3, 4}, {3, 4}, {3, 4}, 27, 0.5f, 2.0f);
  checkBinary("div", {3, 4}, {4}, {3, 4}, 28, 0.5f, 2.0f);
}

TEST(ElementwiseGradient, FanOutAccumulates) {
  Inputs in(29);
  // x is used three times: as both operands of mul and again in add.
  checkGradient("  %sq = kiln.mul %x, %x : tensor<3x4xf32>, tensor<3x4xf32>\n"
                "  %y = kiln.add %sq, %x : tensor<3x4xf32>, tensor<3x4xf32>\n" +
                    weightedSum("%y", "tensor<3x4xf32>", 2),
                {in.param("x", {3, 4}), in.constant("r", {3, 4})});
}

TEST(ElementwiseGradient, ReshapeAndTranspose) {
  Inputs in(30);
  Arg x = in.param("x", {2, 3, 4});
  Arg r = in.constant("r", {12, 2});
  checkGradient("  %f = kiln.reshape %x : tensor<2x3x4xf32> -> tensor<2x12xf32>\n"
                "  %t = kiln.transpose %f permutation = [1, 0] : tensor<2x12xf32>\n" +
                    weightedSum("%t", "tensor<12x2xf32>", 2),
                {x, r});
}

TEST(ElementwiseGradient, Reductions) {
  const char *cases[][3] = {
      {"reduce_sum %x axes = [1]", "tensor<3xf32>", "1"},
      {"reduce_sum %x axes = [0] keepdims", "tensor<1x4xf32>", "2"},
      {"reduce_mean %x axes = [1]", "tensor<3xf32>", "1"},
      {"reduce_mean %x axes = [-1] keepdims", "tensor<3x1xf32>", "2"},
      {"reduce_mean %x axes = [0, 1]", "tensor<f32>", "0"},
  };
  unsigned seed = 31;
  for (auto &c : cases) {
    SCOPED_TRACE(c[0]);
    Inputs in(seed++);
    int rank = std::stoi(c[2]);
    std::vector<int64_t> out;
    std::string t = c[1];
    if (t == "tensor<3xf32>") out = {3};
    if (t == "tensor<1x4xf32>") out = {1, 4};
    if (t == "tensor<3x1xf32>") out = {3, 1};
    std::string body = std::string("  %y = kiln.") + c[0] + " : tensor<3x4xf32>\n";
    if (rank == 0)
      body += "  %loss = kiln.mul %y, %r : tensor<f32>, tensor<f32>";
    else
      body += weightedSum("%y", t, rank);
    checkGradient(body, {in.param("x", {3, 4}), in.constant("r", out)});
  }
}

TEST(ElementwiseGradient, ReduceMax) {
  Inputs in(40);
  checkGradient("  %y = kiln.reduce_max %x axes = [1] : tensor<3x5xf32>\n" +
                    weightedSum("%y", "tensor<3xf32>", 1),
                {in.separated("x", {3, 5}, 0.05f), in.constant("r", {3})});
}

TEST(ElementwiseGradient, Activations) {
  const char *ops[] = {"relu", "sigmoid", "tanh", "exp"};
  unsigned seed = 41;
  for (const char *op : ops) {
    SCOPED_TRACE(op);
    Inputs in(seed++);
    Arg x = std::string(op) == "relu" ? in.separated("x", {3, 4}, 0.1f)
                                      : in.param("x", {3, 4});
    checkGradient(std::string("  %y = kiln.") + op + " %x : tensor<3x4xf32>\n" +
                      weightedSum("%y", "tensor<3x4xf32>", 2),
                  {x, in.constant("r", {3, 4})});
  }
}

// Both of Keras's slopes, on values in the linear part and in both clipped
// parts (the kinks, at +-0.5 / slope, lie between the grid's values).
TEST(ElementwiseGradient, HardSigmoidBothSlopes) {
  for (const char *slope : {"0.2", "0.166666672"}) {
    SCOPED_TRACE(slope);
    Inputs in(64);
    checkGradient(std::string("  %y = kiln.hard_sigmoid %x slope = ") + slope +
                      " : tensor<4x4xf32>\n" + weightedSum("%y", "tensor<4x4xf32>", 2),
                  {in.separated("x", {4, 4}, 0.45f), in.constant("r", {4, 4})});
  }
}

// reverse along a dynamic and a static axis: its adjoint reverses back.
TEST(ElementwiseGradient, ReverseBothAxes) {
  for (int axis : {0, -1}) {
    SCOPED_TRACE(axis);
    Inputs in(65 + axis);
    Arg x = in.param("x", {5, 3});
    x.dynamicBatch = true;
    Arg r = in.constant("r", {5, 3});
    r.dynamicBatch = true;
    checkGradient("  %y = kiln.reverse %x axis = " + std::to_string(axis) +
                      " : tensor<?x3xf32>\n" + weightedSum("%y", "tensor<?x3xf32>", 2),
                  {x, r});
  }
}

TEST(ElementwiseGradient, LogOfPositiveInputs) {
  Inputs in(45);
  checkGradient("  %y = kiln.log %x : tensor<3x4xf32>\n" +
                    weightedSum("%y", "tensor<3x4xf32>", 2),
                {in.param("x", {3, 4}, 0.5f, 2.0f), in.constant("r", {3, 4})});
}

TEST(ElementwiseGradient, SoftmaxBothAxes) {
  for (int axis : {-1, 0}) {
    SCOPED_TRACE(axis);
    Inputs in(46 + axis);
    checkGradient("  %y = kiln.softmax %x axis = " + std::to_string(axis) +
                      " : tensor<3x5xf32>\n" + weightedSum("%y", "tensor<3x5xf32>", 2),
                  {in.param("x", {3, 5}, -2, 2), in.constant("r", {3, 5})});
  }
}

TEST(ElementwiseGradient, ConcatenateDynamicBatch) {
  Inputs in(48);
  Arg a = in.param("a", {3, 4}), b = in.param("b", {3, 2}), r = in.constant("r", {3, 6});
  a.dynamicBatch = b.dynamicBatch = r.dynamicBatch = true;
  checkGradient("  %y = kiln.concatenate %a, %b axis = 1 : tensor<?x4xf32>, tensor<?x2xf32>\n" +
                    weightedSum("%y", "tensor<?x6xf32>", 2),
                {a, b, r});
}
