// EarlyStopping on real compiled models: it stops when val_loss cannot
// improve and restores the best epoch's weights, also when training ends
// without stopping (Kiln's documented behaviour).
//
// The model is one weight w (Dense(1), no bias, starting at 0) trained by
// SGD on y = 2x, so w rises monotonically towards 2. The validation targets
// choose where val_loss is best: y = -2x gets worse every epoch (best epoch
// 0), y = x is best when w passes 1 (epoch 1 of 6 with these settings).
#include "FrontendTestUtil.h"

using namespace kiln;
using namespace kiln::test;

namespace {

struct Run {
  Sequential model;
  Tensor x, y;
  /// get_weights() at the end of every epoch, taken by a LambdaCallback.
  std::vector<std::vector<Tensor>> perEpoch;
};

Tensor linspace(int64_t n) {
  std::vector<float> v;
  for (int64_t i = 0; i < n; ++i)
    v.push_back(-1.f + 2.f * float(i) / float(n - 1));
  return f32(v, {n, 1});
}

std::unique_ptr<Run> makeRun() {
  auto run = std::make_unique<Run>();
  run->model.add(layers::Dense(1, {.use_bias = false,
                                   .kernel_initializer = "zeros",
                                   .input_dim = 1}));
  run->model.compile({.optimizer = optimizers::SGD{.learning_rate = 0.1},
                      .loss = "mse"});
  run->x = linspace(16);
  run->y = run->x * 2.0;
  return run;
}

History fitWith(Run &run, const Tensor &yValid, int epochs,
                std::shared_ptr<Callback> earlyStopping) {
  auto recorder = callbacks::LambdaCallback(
      {.on_epoch_end = [&run](int, Logs &) {
        run.perEpoch.push_back(run.model.get_weights());
      }});
  return run.model.fit(run.x, run.y,
                       {.epochs = epochs,
                        .batch_size = 4,
                        .verbose = 0,
                        .callbacks = {earlyStopping, recorder},
                        .validation_data = {{run.x, yValid}},
                        .shuffle = false});
}

float kernel(const std::vector<Tensor> &w) { return values(w.at(0)).at(0); }

} // namespace

// Tests patience 0 with a val_loss that rises from the first epoch: training
// stops after epoch 1 and the weights of epoch 0 come back.
TEST(FrontendEarlyStopping, StopsWhenValLossRisesAndRestoresBest) {
  auto run = makeRun();
  auto es = std::make_shared<train::EarlyStopping>(train::EarlyStoppingOptions{
      .monitor = "val_loss", .patience = 0, .restore_best_weights = true});
  History h = fitWith(*run, run->x * -2.0, 20, es);
  EXPECT_EQ(h.epoch, (std::vector<int>{0, 1}));
  EXPECT_EQ(h.history["val_loss"].size(), 2u);
  EXPECT_GT(h.history["val_loss"][1], h.history["val_loss"][0]);
  EXPECT_EQ(es->stopped_epoch(), 1);
  EXPECT_EQ(es->best_epoch(), 0);
  ASSERT_EQ(run->perEpoch.size(), 2u);
  EXPECT_GT(kernel(run->perEpoch[1]), kernel(run->perEpoch[0])); // it trained
  EXPECT_GT(kernel(run->perEpoch[0]), 0.f);
  EXPECT_TRUE(weightsEqual(run->model.get_weights(), run->perEpoch[0]));
  // predict() uses the restored weights too.
  Tensor p = run->model.predict(f32({1}, {1, 1}));
  EXPECT_FLOAT_EQ(values(p)[0], kernel(run->perEpoch[0]));
}

// Tests that a min_delta larger than any change means no epoch after the
// first improves: with patience 2, epochs 0, 1 and 2 run; epoch 0's weights
// are restored although val_loss kept falling.
TEST(FrontendEarlyStopping, HugeMinDeltaStopsAfterPatienceEpochs) {
  auto run = makeRun();
  auto es = std::make_shared<train::EarlyStopping>(train::EarlyStoppingOptions{
      .monitor = "val_loss", .min_delta = 100.0, .patience = 2,
      .restore_best_weights = true});
  History h = fitWith(*run, run->y, 20, es);
  EXPECT_EQ(h.epoch, (std::vector<int>{0, 1, 2}));
  EXPECT_LT(h.history["val_loss"][2], h.history["val_loss"][0]);
  EXPECT_EQ(es->stopped_epoch(), 2);
  ASSERT_EQ(run->perEpoch.size(), 3u);
  EXPECT_TRUE(weightsEqual(run->model.get_weights(), run->perEpoch[0]));
  EXPECT_FALSE(weightsEqual(run->perEpoch[2], run->perEpoch[0]));
}

// Tests that the best weights are restored when all epochs run (patience
// larger than the run): val_loss is best at an inner epoch.
TEST(FrontendEarlyStopping, RestoresBestWeightsWithoutStopping) {
  auto run = makeRun();
  auto es = std::make_shared<train::EarlyStopping>(train::EarlyStoppingOptions{
      .monitor = "val_loss", .patience = 100, .restore_best_weights = true});
  const int epochs = 6;
  History h = fitWith(*run, run->x, epochs, es);
  ASSERT_EQ(h.epoch.size(), size_t(epochs)); // no early stop
  const std::vector<double> &val = h.history["val_loss"];
  size_t best = std::min_element(val.begin(), val.end()) - val.begin();
  ASSERT_GT(best, 0u) << "the data must put the best epoch inside the run";
  ASSERT_LT(best, size_t(epochs - 1));
  EXPECT_EQ(es->best_epoch(), int(best));
  EXPECT_EQ(es->stopped_epoch(), 0);
  ASSERT_EQ(run->perEpoch.size(), size_t(epochs));
  EXPECT_TRUE(weightsEqual(run->model.get_weights(), run->perEpoch[best]));
  EXPECT_FALSE(weightsEqual(run->perEpoch.back(), run->perEpoch[best]));
  // The restored model evaluates to the best val_loss.
  EXPECT_NEAR(run->model.evaluate(run->x, run->x)[0], val[best], 1e-6);
}

// Tests the control: without restore_best_weights the last epoch's weights
// stay, and monitoring "loss" (always falling here) never stops training.
TEST(FrontendEarlyStopping, WithoutRestoreKeepsLastWeights) {
  auto run = makeRun();
  auto es = callbacks::EarlyStopping({.monitor = "loss", .patience = 0});
  History h = fitWith(*run, run->x, 5, es);
  EXPECT_EQ(h.epoch.size(), 5u);
  ASSERT_EQ(run->perEpoch.size(), 5u);
  EXPECT_TRUE(weightsEqual(run->model.get_weights(), run->perEpoch.back()));
}
