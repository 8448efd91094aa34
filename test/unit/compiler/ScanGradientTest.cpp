// Tests that gradients through kiln.scan (the reverse loop over a tape of
// carried states, with the captures' adjoints accumulated across steps)
// match central finite differences of the compiled loss: loops of 1, 2 and
// 37 steps, two carried values (an LSTM cell), a reversed loop, a dynamic
// length and kiln.split.
#include "GradientTestUtil.h"

#include <gtest/gtest.h>

using namespace kiln::test;

namespace {

std::string seqType(const std::string &t, int64_t batch, int64_t units) {
  return "tensor<" + t + "x" + std::to_string(batch) + "x" +
         std::to_string(units) + "xf32>";
}

/// h' = tanh(x_t + h U): the stacked states and the final state, both
/// weighted into the loss.
std::string simpleRnn(const std::string &t, bool reverse) {
  std::string seq = seqType(t, 3, 4);
  return "  %h, %hs = kiln.scan " + std::string(reverse ? "reverse " : "") +
         "sequences(%xw : " + seq +
         ") init(%h0 : tensor<3x4xf32>) captures(%u : tensor<4x4xf32>)"
         " -> tensor<3x4xf32>, " + seq + " {\n"
         "  ^bb0(%x: tensor<3x4xf32>, %hp: tensor<3x4xf32>, %uu: tensor<4x4xf32>):\n"
         "    %m = kiln.matmul %hp, %uu : tensor<3x4xf32>, tensor<4x4xf32>\n"
         "    %s = kiln.add %x, %m : tensor<3x4xf32>, tensor<3x4xf32>\n"
         "    %n = kiln.tanh %s : tensor<3x4xf32>\n"
         "    kiln.yield %n, %n : tensor<3x4xf32>, tensor<3x4xf32>\n"
         "  }\n"
         "  %wh = kiln.mul %h, %rh : tensor<3x4xf32>, tensor<3x4xf32>\n"
         "  %lh = kiln.reduce_sum %wh axes = [0, 1] : tensor<3x4xf32>\n"
         "  %ws = kiln.mul %hs, %r : " + seq + ", " + seq + "\n"
         "  %ls = kiln.reduce_sum %ws axes = [0, 1, 2] : " + seq + "\n"
         "  %loss = kiln.add %lh, %ls : tensor<f32>, tensor<f32>\n";
}

void checkSimpleRnn(int64_t steps, bool reverse, bool dynamicLength,
                    unsigned seed) {
  SCOPED_TRACE(std::to_string(steps) + " steps" +
               (reverse ? ", reverse" : "") + (dynamicLength ? ", dynamic" : ""));
  Inputs in(seed);
  Arg xw = in.param("xw", {steps, 3, 4});
  Arg r = in.constant("r", {steps, 3, 4});
  xw.dynamicBatch = r.dynamicBatch = dynamicLength;
  checkGradient(simpleRnn(dynamicLength ? "?" : std::to_string(steps), reverse),
                {xw, in.param("h0", {3, 4}), in.param("u", {4, 4}, -0.6f, 0.6f),
                 r, in.constant("rh", {3, 4})});
}

} // namespace

TEST(ScanGradient, SimpleRnnOneTwoAndManySteps) {
  checkSimpleRnn(1, false, false, 70);
  checkSimpleRnn(2, false, false, 71);
  checkSimpleRnn(37, false, false, 72);
}

TEST(ScanGradient, ReverseLoop) {
  checkSimpleRnn(2, true, false, 73);
  checkSimpleRnn(37, true, false, 74);
}

TEST(ScanGradient, DynamicLength) { checkSimpleRnn(5, false, true, 75); }

// An LSTM cell: one matmul for the four gates, kiln.split into i, f, g, o,
// two carried values (h, c) and the stacked h as output.
TEST(ScanGradient, LstmCellCarriesTwoStates) {
  for (int64_t steps : {1, 2, 37}) {
    SCOPED_TRACE(std::to_string(steps) + " steps");
    std::string seq = seqType(std::to_string(steps), 2, 12);
    std::string hseq = seqType(std::to_string(steps), 2, 3);
    std::string t = "tensor<2x3xf32>", z = "tensor<2x12xf32>";
    std::string body =
        "  %h, %c, %hs = kiln.scan sequences(%xw : " + seq + ") init(%h0, %c0 : " +
        t + ", " + t + ") captures(%u : tensor<3x12xf32>) -> " + t + ", " + t +
        ", " + hseq + " {\n"
        "  ^bb0(%x: " + z + ", %hp: " + t + ", %cp: " + t + ", %uu: tensor<3x12xf32>):\n"
        "    %m = kiln.matmul %hp, %uu : " + t + ", tensor<3x12xf32>\n"
        "    %zz = kiln.add %x, %m : " + z + ", " + z + "\n"
        "    %i, %f, %g, %o = kiln.split %zz axis = 1 sizes = [3, 3, 3, 3] : " + z + "\n"
        "    %si = kiln.sigmoid %i : " + t + "\n"
        "    %sf = kiln.sigmoid %f : " + t + "\n"
        "    %tg = kiln.tanh %g : " + t + "\n"
        "    %so = kiln.sigmoid %o : " + t + "\n"
        "    %fc = kiln.mul %sf, %cp : " + t + ", " + t + "\n"
        "    %ig = kiln.mul %si, %tg : " + t + ", " + t + "\n"
        "    %cn = kiln.add %fc, %ig : " + t + ", " + t + "\n"
        "    %tc = kiln.tanh %cn : " + t + "\n"
        "    %hn = kiln.mul %so, %tc : " + t + ", " + t + "\n"
        "    kiln.yield %hn, %cn, %hn : " + t + ", " + t + ", " + t + "\n"
        "  }\n"
        "  %wc = kiln.mul %c, %rc : " + t + ", " + t + "\n"
        "  %lc = kiln.reduce_sum %wc axes = [0, 1] : " + t + "\n"
        "  %ws = kiln.mul %hs, %r : " + hseq + ", " + hseq + "\n"
        "  %ls = kiln.reduce_sum %ws axes = [0, 1, 2] : " + hseq + "\n"
        "  %loss = kiln.add %lc, %ls : tensor<f32>, tensor<f32>\n";
    Inputs in(unsigned(80 + steps));
    checkGradient(body, {in.param("xw", {steps, 2, 12}), in.param("h0", {2, 3}),
                         in.param("c0", {2, 3}), in.param("u", {3, 12}, -0.6f, 0.6f),
                         in.constant("r", {steps, 2, 3}), in.constant("rc", {2, 3})});
  }
}
