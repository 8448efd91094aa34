// Tests LearningRateScheduler and ReduceLROnPlateau over the scripted fake
// model: the train step sees each epoch's learning rate in its argument,
// History records it, and the reductions follow Keras's patience, min_delta,
// cooldown and min_lr rules.
#include "runtime/train/LearningRateCallbacks.h"
#include "runtime/train/Train.h"

#include "../TestUtil.h"
#include "FakeModels.h"

#include <sstream>

using kiln::Tensor;
using kiln::test::errorOf;
using kiln::test::recorder;
using kiln::test::script;
using kiln::test::zeroParams;
using namespace kiln::train;

namespace {

// The scripted model trains one batch per epoch, so recorder().train[e] is
// epoch e's step; it starts at learning rate 0.01.
class RuntimeTrainLearningRate : public ::testing::Test {
protected:
  void SetUp() override {
    recorder().reset();
    script() = {};
  }

  History run(FitOptions options) {
    options.verbose = 0;
    options.out = &out;
    options.err = &err;
    options.validation_data =
        ValidationData{{Tensor::zeros({1, 1})}, {Tensor::zeros({1, 1})}};
    return fit(steps, state, {Tensor::zeros({4, 1})}, {Tensor::zeros({4, 1})},
               options);
  }
  // The learning rate each train step read from its argument.
  std::vector<float> ratesSeen() const {
    std::vector<float> rates;
    for (const auto &call : recorder().train)
      rates.push_back(call.learningRate);
    return rates;
  }

  kiln::abi::CompiledSteps steps = kiln::test::scripted();
  ModelState state{steps.signature, zeroParams(steps.signature)};
  std::ostringstream out, err;
};

// The rates are float32 (as Keras's learning-rate variable), computed in
// double: equal to the expected ones up to float rounding.
void expectRates(const std::vector<float> &seen,
                 const std::vector<double> &expected) {
  ASSERT_EQ(seen.size(), expected.size());
  for (size_t e = 0; e < seen.size(); ++e)
    EXPECT_FLOAT_EQ(seen[e], float(expected[e])) << "epoch " << e;
}

TEST_F(RuntimeTrainLearningRate, SchedulerSetsEachEpochsRateAndHistoryHasIt) {
  auto scheduler = std::make_shared<LearningRateScheduler>(
      [](int epoch, double lr) { return epoch < 2 ? lr : lr * 0.5; },
      /*verbose=*/1);
  History h = run({.epochs = 4, .callbacks = {scheduler}});
  expectRates(ratesSeen(), {0.01, 0.01, 0.005, 0.0025});
  ASSERT_EQ(h.history["learning_rate"].size(), 4u);
  EXPECT_FLOAT_EQ(float(h.history["learning_rate"][3]), 0.0025f);
  EXPECT_FLOAT_EQ(float(state.learning_rate()), 0.0025f);
  EXPECT_NE(out.str().find("\nEpoch 3: LearningRateScheduler setting learning "
                           "rate to 0.004999999888241291.\n"),
            std::string::npos)
      << out.str();
}

TEST_F(RuntimeTrainLearningRate, SchedulerRefusesANegativeRate) {
  auto scheduler = std::make_shared<LearningRateScheduler>(
      [](int epoch, double) { return epoch == 1 ? -1.0 : 0.1; });
  std::string message =
      errorOf([&] { run({.epochs = 3, .callbacks = {scheduler}}); });
  EXPECT_NE(message.find("the schedule returned -1.0 for epoch 1"),
            std::string::npos)
      << message;
  expectRates(ratesSeen(), {0.1});
}

TEST_F(RuntimeTrainLearningRate, PlateauReducesAfterPatienceThenCoolsDown) {
  // Improves at epochs 0-1, then stalls for good.
  script().valLoss = {1.0, 0.9, 0.95, 0.9, 0.91, 0.92, 0.93, 0.94};
  auto plateau = std::make_shared<ReduceLROnPlateau>(ReduceLROnPlateauOptions{
      .factor = 0.5, .patience = 2, .verbose = 1, .cooldown = 1});
  History h = run({.epochs = 8, .callbacks = {plateau}});
  // Epochs 2 and 3 do not improve on 0.9: halved after epoch 3. As in
  // Keras, the cooldown counts down at the start of epoch 4's check, which
  // then waits again: halved after epoch 5.
  expectRates(ratesSeen(), {0.01, 0.01, 0.01, 0.01, 0.005, 0.005, 0.0025, 0.0025});
  // Each epoch logs the rate it trained with (before any reduction).
  EXPECT_FLOAT_EQ(float(h.history["learning_rate"][3]), 0.01f);
  EXPECT_FLOAT_EQ(float(h.history["learning_rate"][4]), 0.005f);
  EXPECT_FLOAT_EQ(float(plateau->best()), 0.9f);
  EXPECT_NE(out.str().find("\nEpoch 4: ReduceLROnPlateau reducing learning "
                           "rate to "),
            std::string::npos)
      << out.str();
}

TEST_F(RuntimeTrainLearningRate, PlateauHonoursMinDeltaMinLrAndMaximizing) {
  // Accuracy rises by less than min_delta: no improvement after epoch 0.
  script().valAccuracy = {0.5, 0.50001, 0.50002, 0.50003, 0.50004};
  auto plateau = std::make_shared<ReduceLROnPlateau>(ReduceLROnPlateauOptions{
      .monitor = "val_accuracy", .factor = 0.1, .patience = 1,
      .min_lr = 0.0005});
  run({.epochs = 5, .callbacks = {plateau}});
  // 0.01 -> 0.001 -> 0.0005 (min_lr) and no further.
  expectRates(ratesSeen(), {0.01, 0.01, 0.001, 0.0005, 0.0005});
}

TEST_F(RuntimeTrainLearningRate, PlateauWarnsAboutAMissingMonitor) {
  auto plateau = std::make_shared<ReduceLROnPlateau>(
      ReduceLROnPlateauOptions{.monitor = "val_mae", .mode = "min"});
  run({.epochs = 2, .callbacks = {plateau}});
  EXPECT_NE(err.str().find("Learning rate reduction is conditioned on metric "
                           "`val_mae` which is not available. Available "
                           "metrics are: "),
            std::string::npos)
      << err.str();
  EXPECT_NE(errorOf([] { ReduceLROnPlateau({.factor = 1.0}); })
                .find("does not support a factor >= 1.0"),
            std::string::npos);
}

} // namespace
