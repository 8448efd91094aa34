// Tests that N steps of each compiled optimizer update match an independent
// plain-C++ transcription of Keras 3's update_step (float32 arithmetic), with
// the learning rate read from its argument at every step (it decays here).
#include "Harness.h"

#include <cmath>
#include <gtest/gtest.h>

using namespace kiln::test;

namespace {

constexpr int kSize = 37; // not a multiple of any vector width
constexpr int kSteps = 10;

struct State {
  std::vector<float> p, s0, s1;
  int64_t iterations = 0;
};

/// Runs the compiled update `op` for kSteps with fresh gradients and the
/// reference `ref`, then compares parameters and state. Step n runs at the
/// learning rate lr0 * (1 - n / 16), given to both.
template <typename Ref>
void compareUpdates(const std::string &opLine, int slots, float initialSlot,
                    float lr0, Ref ref) {
  std::string t = "tensor<37xf32>", m = "memref<37xf32>";
  std::string src = "func.func @step(%p: " + m + ", %g: " + m + ", %s0: " + m +
                    ", %s1: " + m + ", %it: memref<i64>, %lr: memref<f32>) attributes {llvm.emit_c_interface} {\n"
                    "  %pt = bufferization.to_tensor %p restrict writable : " + m + " to " + t + "\n"
                    "  %gt = bufferization.to_tensor %g restrict : " + m + " to " + t + "\n"
                    "  %s0t = bufferization.to_tensor %s0 restrict writable : " + m + " to " + t + "\n"
                    "  %s1t = bufferization.to_tensor %s1 restrict writable : " + m + " to " + t + "\n"
                    "  %i = memref.load %it[] : memref<i64>\n"
                    "  %rate = memref.load %lr[] : memref<f32>\n" + opLine + "\n";
  src += "  bufferization.materialize_in_destination %u#0 in restrict writable %p : (" + t + ", " + m + ") -> ()\n";
  for (int s = 0; s < slots; ++s)
    src += "  bufferization.materialize_in_destination %u#" + std::to_string(s + 1) +
           " in restrict writable %s" + std::to_string(s) + " : (" + t + ", " + m + ") -> ()\n";
  src += "  %one = arith.constant 1 : i64\n  %i1 = arith.addi %i, %one : i64\n"
         "  memref.store %i1, %it[] : memref<i64>\n  return\n}\n";
  auto jit = compileKiln(src);
  ASSERT_TRUE(jit);
  auto step = jit->lookup("step");
  ASSERT_TRUE(bool(step));

  std::mt19937 rng(99);
  State ours{uniform(rng, kSize, -1, 1), std::vector<float>(kSize, initialSlot),
             std::vector<float>(kSize, initialSlot)};
  State theirs = ours;
  HostBuffer p({kSize}, ours.p), s0({kSize}, ours.s0), s1({kSize}, ours.s1);
  HostBuffer it = HostBuffer::i64Scalar(0);
  for (int n = 0; n < kSteps; ++n) {
    std::vector<float> g = uniform(rng, kSize, -1, 1);
    HostBuffer gb({kSize}, g);
    float lr = lr0 * (1.0f - float(n) / 16.0f);
    HostBuffer rate({}, {lr});
    call(*step, {&p, &gb, &s0, &s1, &it, &rate});
    ref(theirs, g, lr);
    theirs.iterations++;
  }
  int64_t iterations;
  std::memcpy(&iterations, it.bytes.data(), sizeof(iterations));
  EXPECT_EQ(iterations, kSteps);
  for (int i = 0; i < kSize; ++i) {
    EXPECT_NEAR(p.f32()[i], theirs.p[i], 2e-6 * (1 + std::abs(theirs.p[i]))) << "param " << i;
    if (slots > 0) {
      EXPECT_NEAR(s0.f32()[i], theirs.s0[i], 2e-6 * (1 + std::abs(theirs.s0[i]))) << "slot 0, " << i;
    }
    if (slots > 1) {
      EXPECT_NEAR(s1.f32()[i], theirs.s1[i], 2e-6 * (1 + std::abs(theirs.s1[i]))) << "slot 1, " << i;
    }
  }
}

} // namespace

TEST(Optimizer, SgdMatchesKeras) {
  compareUpdates("  %u:1 = kiln.sgd_update %pt, %gt learning_rate %rate : tensor<37xf32>", 0, 0, 0.01f,
                 [&](State &s, const std::vector<float> &g, float lr) {
                   for (int i = 0; i < kSize; ++i)
                     s.p[i] -= g[i] * lr;
                 });
}

TEST(Optimizer, SgdMomentumMatchesKeras) {
  float mom = 0.9f;
  compareUpdates("  %u:2 = kiln.sgd_momentum_update %pt, %gt, %s0t learning_rate %rate momentum = 0.9 : tensor<37xf32>",
                 1, 0, 0.1f, [&](State &s, const std::vector<float> &g, float lr) {
                   for (int i = 0; i < kSize; ++i) {
                     s.s0[i] = s.s0[i] * mom - g[i] * lr;
                     s.p[i] += s.s0[i];
                   }
                 });
}

TEST(Optimizer, SgdNesterovMatchesKeras) {
  float mom = 0.9f;
  compareUpdates("  %u:2 = kiln.sgd_momentum_update %pt, %gt, %s0t learning_rate %rate momentum = 0.9 nesterov : tensor<37xf32>",
                 1, 0, 0.1f, [&](State &s, const std::vector<float> &g, float lr) {
                   for (int i = 0; i < kSize; ++i) {
                     s.s0[i] = s.s0[i] * mom - g[i] * lr;
                     s.p[i] += s.s0[i] * mom - g[i] * lr;
                   }
                 });
}

TEST(Optimizer, RmspropMatchesKeras) {
  float rho = 0.9f, eps = 1e-7f;
  compareUpdates("  %u:2 = kiln.rmsprop_update %pt, %gt, %s0t learning_rate %rate rho = 0.9 epsilon = 1.0e-7 : tensor<37xf32>",
                 1, 0, 0.001f, [&](State &s, const std::vector<float> &g, float lr) {
                   for (int i = 0; i < kSize; ++i) {
                     s.s0[i] = rho * s.s0[i] + (1 - rho) * g[i] * g[i];
                     s.p[i] -= lr * g[i] / std::sqrt(s.s0[i] + eps);
                   }
                 });
}

TEST(Optimizer, AdamMatchesKeras) {
  float b1 = 0.9f, b2 = 0.999f, eps = 1e-7f;
  compareUpdates("  %u:3 = kiln.adam_update %pt, %gt, %s0t, %s1t, %i learning_rate %rate beta_1 = 0.9 beta_2 = 0.999 epsilon = 1.0e-7 : tensor<37xf32>",
                 2, 0, 0.001f, [&](State &s, const std::vector<float> &g, float lr) {
                   float t = float(s.iterations + 1);
                   float alpha = lr * std::sqrt(1 - std::pow(b2, t)) / (1 - std::pow(b1, t));
                   for (int i = 0; i < kSize; ++i) {
                     s.s0[i] += (g[i] - s.s0[i]) * (1 - b1);
                     s.s1[i] += (g[i] * g[i] - s.s1[i]) * (1 - b2);
                     s.p[i] -= (s.s0[i] * alpha) / (std::sqrt(s.s1[i]) + eps);
                   }
                 });
}

TEST(Optimizer, AdagradMatchesKeras) {
  float eps = 1e-7f;
  // Keras starts the accumulator at initial_accumulator_value = 0.1.
  compareUpdates("  %u:2 = kiln.adagrad_update %pt, %gt, %s0t learning_rate %rate epsilon = 1.0e-7 : tensor<37xf32>",
                 1, 0.1f, 0.001f, [&](State &s, const std::vector<float> &g, float lr) {
                   for (int i = 0; i < kSize; ++i) {
                     s.s0[i] += g[i] * g[i];
                     s.p[i] -= lr * g[i] / std::sqrt(s.s0[i] + eps);
                   }
                 });
}
