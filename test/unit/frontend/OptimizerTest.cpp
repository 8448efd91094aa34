// Optimizers through the frontend: names and objects with Keras's defaults,
// and single training steps of a linear model under mse checked against the
// gradient and the update rule computed by hand.
#include "FrontendTestUtil.h"

using namespace kiln;
using namespace kiln::test;

namespace {

/// p = x · W + b with W (3, 2), b (2); mse over 2 outputs and n rows.
struct LinearProblem {
  Tensor x, y, w, b;
  int64_t n = 4;

  explicit LinearProblem(uint32_t seed, int64_t rows = 4) : n(rows) {
    std::mt19937 rng(seed);
    x = uniform(rng, {n, 3});
    y = uniform(rng, {n, 2});
    w = uniform(rng, {3, 2});
    b = uniform(rng, {2});
  }

  Sequential model(const Optimizer &optimizer) const {
    Sequential m;
    m.add(layers::Dense(2, {.input_dim = 3}));
    m.compile({.optimizer = optimizer, .loss = "mse"});
    m.set_weights({w, b});
    return m;
  }

  /// W and b after one plain SGD step at `lr` on the whole batch.
  std::vector<Tensor> sgdStep(float lr) const {
    auto [gw, gb] = grad(values(w), values(b), 0, n);
    std::vector<float> w1 = values(w), b1 = values(b);
    for (size_t i = 0; i < w1.size(); ++i)
      w1[i] -= lr * gw[i];
    for (size_t i = 0; i < b1.size(); ++i)
      b1[i] -= lr * gb[i];
    return {f32(w1, {3, 2}), f32(b1, {2})};
  }

  /// dL/dW and dL/db of Keras's mse over rows [first, first + rows) at
  /// weights (kw, kb): L = mean over rows and outputs of (p - y)^2.
  std::pair<std::vector<float>, std::vector<float>>
  grad(const std::vector<float> &kw, const std::vector<float> &kb,
       int64_t first, int64_t rows) const {
    std::vector<float> xv = values(x), yv = values(y);
    std::vector<float> gw(6, 0.f), gb(2, 0.f);
    float scale = 2.f / float(rows * 2);
    for (int64_t i = first; i < first + rows; ++i)
      for (int64_t u = 0; u < 2; ++u) {
        float p = kb[u];
        for (int64_t j = 0; j < 3; ++j)
          p += xv[i * 3 + j] * kw[j * 2 + u];
        float e = scale * (p - yv[i * 2 + u]);
        for (int64_t j = 0; j < 3; ++j)
          gw[j * 2 + u] += e * xv[i * 3 + j];
        gb[u] += e;
      }
    return {gw, gb};
  }
};

} // namespace

// Tests optimizer names and objects: Keras's default hyper-parameters.
TEST(FrontendOptimizer, NamesAndObjectsUseKerasDefaults) {
  EXPECT_EQ(Optimizer("sgd").name(), "sgd");
  EXPECT_DOUBLE_EQ(Optimizer("sgd").learning_rate(), 0.01);
  EXPECT_DOUBLE_EQ(Optimizer("rmsprop").learning_rate(), 0.001);
  EXPECT_DOUBLE_EQ(Optimizer("adam").learning_rate(), 0.001);
  EXPECT_DOUBLE_EQ(Optimizer("adagrad").learning_rate(), 0.001);
  EXPECT_DOUBLE_EQ(Optimizer("adagrad").initial_accumulator_value(), 0.1);
  EXPECT_DOUBLE_EQ(Optimizer("adam").beta_2(), 0.999);
  EXPECT_DOUBLE_EQ(Optimizer("rmsprop").rho(), 0.9);
  Optimizer sgd = optimizers::SGD{.learning_rate = 0.1};
  EXPECT_EQ(sgd.name(), "sgd");
  EXPECT_DOUBLE_EQ(sgd.learning_rate(), 0.1);
  EXPECT_DOUBLE_EQ(Optimizer(optimizers::SGD{.momentum = 0.9}).momentum(), 0.9);
  Optimizer adam = optimizers::Adam{.learning_rate = 0.02, .beta_1 = 0.8};
  EXPECT_EQ(adam.name(), "adam");
  EXPECT_DOUBLE_EQ(adam.beta_1(), 0.8);
  CompileOptions defaults;
  EXPECT_EQ(defaults.optimizer.name(), "rmsprop"); // Keras's compile default
}

// Tests one SGD step on the whole batch: W' = W - lr * dL/dW exactly (to
// float rounding), and the reported loss is the one before the update.
TEST(FrontendOptimizer, OneSgdStepIsMinusLrTimesGradient) {
  LinearProblem prob(61);
  const float lr = 0.1f;
  Sequential model = prob.model(optimizers::SGD{.learning_rate = lr});
  double before = model.evaluate(prob.x, prob.y)[0];
  History h = model.fit(prob.x, prob.y,
                        {.epochs = 1, .batch_size = 4, .verbose = 0, .shuffle = false});
  EXPECT_EQ(h.params.steps, 1);
  EXPECT_NEAR(h.history["loss"][0], before, 1e-6);
  EXPECT_NEAR(before, mean(mseRef(denseRef(prob.x, prob.w, prob.b), prob.y)), 1e-6);

  expectWeightsNear(model.get_weights(), prob.sgdStep(lr), 1e-6);
  EXPECT_LT(model.evaluate(prob.x, prob.y)[0], before);
}

// Tests that the learning rate is a run-time value of the compiled model:
// set_learning_rate changes the next steps (a rate of 0 freezes the
// weights, a scheduler's rate is W' = W - lr * g) with the same compiled
// steps, and the model's IR holds the optimizer as #kiln.optimizer.
TEST(FrontendOptimizer, LearningRateChangesWithoutRecompiling) {
  LinearProblem prob(64);
  Sequential model = prob.model(optimizers::SGD{.learning_rate = 0.1});
  EXPECT_NE(model.to_mlir().find("kiln.optimizer = #kiln.optimizer<kind = sgd, "
                                 "learning_rate = 1.000000e-01>"),
            std::string::npos)
      << model.to_mlir();
  EXPECT_FLOAT_EQ(float(model.learning_rate()), 0.1f);
  double compileSeconds = model.compile_seconds();

  model.set_learning_rate(0.0);
  model.fit(prob.x, prob.y, {.epochs = 2, .batch_size = 4, .verbose = 0});
  expectWeightsNear(model.get_weights(), {prob.w, prob.b}, 0);

  const float lr = 0.25f;
  auto scheduler = callbacks::LearningRateScheduler(
      [&](int, double) { return double(lr); });
  History h = model.fit(prob.x, prob.y,
                        {.epochs = 1, .batch_size = 4, .verbose = 0,
                         .callbacks = {scheduler}});
  expectWeightsNear(model.get_weights(), prob.sgdStep(lr), 1e-6);
  EXPECT_FLOAT_EQ(float(h.history["learning_rate"][0]), lr);
  EXPECT_FLOAT_EQ(float(model.learning_rate()), lr);
  EXPECT_EQ(model.compile_seconds(), compileSeconds) << "no recompilation";
  EXPECT_NE(errorOf([&] { model.set_learning_rate(-1); })
                .find("must be a finite number >= 0"),
            std::string::npos);
}

// Tests batch 1: one update per row, in order, each with that row's gradient.
TEST(FrontendOptimizer, SgdWithBatchOneStepsPerRow) {
  LinearProblem prob(62, 3);
  const float lr = 0.05f;
  Sequential model = prob.model(optimizers::SGD{.learning_rate = lr});
  model.fit(prob.x, prob.y, {.epochs = 2, .batch_size = 1, .verbose = 0, .shuffle = false});
  std::vector<float> w = values(prob.w), b = values(prob.b);
  for (int epoch = 0; epoch < 2; ++epoch)
    for (int64_t row = 0; row < 3; ++row) {
      auto [gw, gb] = prob.grad(w, b, row, 1);
      for (size_t i = 0; i < w.size(); ++i)
        w[i] -= lr * gw[i];
      for (size_t i = 0; i < b.size(); ++i)
        b[i] -= lr * gb[i];
    }
  expectWeightsNear(model.get_weights(), {f32(w, {3, 2}), f32(b, {2})}, 1e-6);
}

// Tests SGD with momentum (Keras: v = m*v - lr*g; w += v) and Nesterov
// (w += m*v - lr*g after updating v) over three full-batch steps.
TEST(FrontendOptimizer, SgdMomentumAndNesterov) {
  for (bool nesterov : {false, true}) {
    SCOPED_TRACE(nesterov ? "nesterov" : "momentum");
    LinearProblem prob(63);
    const float lr = 0.1f, m = 0.9f;
    Sequential model = prob.model(
        optimizers::SGD{.learning_rate = lr, .momentum = m, .nesterov = nesterov});
    model.fit(prob.x, prob.y, {.epochs = 3, .batch_size = 4, .verbose = 0});
    std::vector<float> w = values(prob.w), b = values(prob.b);
    std::vector<float> vw(w.size(), 0.f), vb(b.size(), 0.f);
    auto apply = [&](std::vector<float> &p, std::vector<float> &v,
                     const std::vector<float> &g) {
      for (size_t i = 0; i < p.size(); ++i) {
        v[i] = m * v[i] - lr * g[i];
        p[i] += nesterov ? m * v[i] - lr * g[i] : v[i];
      }
    };
    for (int step = 0; step < 3; ++step) {
      auto [gw, gb] = prob.grad(w, b, 0, 4);
      apply(w, vw, gw);
      apply(b, vb, gb);
    }
    expectWeightsNear(model.get_weights(), {f32(w, {3, 2}), f32(b, {2})}, 1e-5);
  }
}

// Tests the first two steps of RMSprop, Adam and Adagrad with non-default
// hyper-parameters, by Keras 3's update rules: the options reach the
// compiled step (and Adagrad's accumulator starts at its initial value).
TEST(FrontendOptimizer, AdaptiveOptimizersFirstSteps) {
  struct Case {
    Optimizer optimizer;
    std::function<void(std::vector<float> &p, std::vector<float> &s0,
                       std::vector<float> &s1, const std::vector<float> &g, int t)>
        update;
    float s0Init;
  };
  const float lr = 0.05f, eps = 1e-7f;
  std::vector<Case> cases = {
      {optimizers::RMSprop{.learning_rate = lr, .rho = 0.8},
       [&](auto &p, auto &s0, auto &, const auto &g, int) {
         for (size_t i = 0; i < p.size(); ++i) {
           s0[i] = 0.8f * s0[i] + 0.2f * g[i] * g[i];
           p[i] -= lr * g[i] / std::sqrt(s0[i] + eps);
         }
       },
       0.f},
      {optimizers::Adam{.learning_rate = lr, .beta_1 = 0.8, .beta_2 = 0.99},
       [&](auto &p, auto &s0, auto &s1, const auto &g, int t) {
         float alpha = lr * std::sqrt(1 - std::pow(0.99f, float(t))) /
                       (1 - std::pow(0.8f, float(t)));
         for (size_t i = 0; i < p.size(); ++i) {
           s0[i] += (g[i] - s0[i]) * 0.2f;
           s1[i] += (g[i] * g[i] - s1[i]) * 0.01f;
           p[i] -= s0[i] * alpha / (std::sqrt(s1[i]) + eps);
         }
       },
       0.f},
      {optimizers::Adagrad{.learning_rate = lr, .initial_accumulator_value = 0.5},
       [&](auto &p, auto &s0, auto &, const auto &g, int) {
         for (size_t i = 0; i < p.size(); ++i) {
           s0[i] += g[i] * g[i];
           p[i] -= lr * g[i] / std::sqrt(s0[i] + eps);
         }
       },
       0.5f},
  };
  for (Case &c : cases) {
    SCOPED_TRACE(c.optimizer.name());
    LinearProblem prob(64);
    Sequential model = prob.model(c.optimizer);
    model.fit(prob.x, prob.y, {.epochs = 2, .batch_size = 4, .verbose = 0});
    std::vector<float> w = values(prob.w), b = values(prob.b);
    std::vector<float> w0(w.size(), c.s0Init), w1(w.size(), 0.f);
    std::vector<float> b0(b.size(), c.s0Init), b1(b.size(), 0.f);
    for (int t = 1; t <= 2; ++t) {
      auto [gw, gb] = prob.grad(w, b, 0, 4);
      c.update(w, w0, w1, gw, t);
      c.update(b, b0, b1, gb, t);
    }
    expectWeightsNear(model.get_weights(), {f32(w, {3, 2}), f32(b, {2})}, 2e-5);
  }
}
