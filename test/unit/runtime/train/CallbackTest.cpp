// Tests for History, EarlyStopping, CSVLogger, LambdaCallback and the
// callback context, driven by fit() over fake compiled models.
#include "runtime/train/Train.h"

#include "../TestUtil.h"
#include "FakeModels.h"

#include <sstream>

using kiln::Tensor;
using kiln::test::containsAll;
using kiln::test::errorOf;
using kiln::test::readBytes;
using kiln::test::recorder;
using kiln::test::script;
using kiln::test::TempDir;
using kiln::test::zeroParams;
using namespace kiln::train;

namespace {

// The scripted model trains one batch per epoch (4 samples, batch 32), so
// its weight w equals the number of epochs trained.
class RuntimeTrainCallbacks : public ::testing::Test {
protected:
  void SetUp() override {
    recorder().reset();
    script() = {};
  }

  // Trains from w = 0.
  History run(FitOptions options, bool withValidation = true) {
    state.set_weights({Tensor::zeros({1})});
    options.verbose = 0;
    options.out = &out;
    options.err = &err;
    if (withValidation)
      options.validation_data =
          ValidationData{{Tensor::zeros({1, 1})}, {Tensor::zeros({1, 1})}};
    return fit(steps, state, {Tensor::zeros({4, 1})}, {Tensor::zeros({4, 1})},
               options);
  }
  float weight() const { return state.params()[0].data<float>()[0]; }

  kiln::abi::CompiledSteps steps = kiln::test::scripted();
  ModelState state{steps.signature, zeroParams(steps.signature)};
  std::ostringstream out, err;
};

std::shared_ptr<EarlyStopping> earlyStopping(EarlyStoppingOptions o) {
  return std::make_shared<EarlyStopping>(std::move(o));
}

TEST_F(RuntimeTrainCallbacks, EarlyStoppingStopsWhenPatienceRunsOut) {
  script().valLoss = {1.0, 0.8, 0.9, 0.85, 0.95, 0.5, 0.4, 0.3, 0.2, 0.1};
  auto es = earlyStopping({.patience = 2});
  History h = run({.epochs = 10, .callbacks = {es}});
  // Epoch 1 is the best; epochs 2 and 3 do not improve: stop after epoch 3.
  EXPECT_EQ(h.epoch, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(h.history["val_loss"].size(), 4u);
  EXPECT_EQ(es->stopped_epoch(), 3);
  EXPECT_EQ(es->best_epoch(), 1);
  EXPECT_FLOAT_EQ(static_cast<float>(*es->best()), 0.8f);
  EXPECT_FALSE(es->maximizes());
  // Without restore_best_weights the last weights stay.
  EXPECT_EQ(weight(), 4.0f);
  EXPECT_EQ(out.str(), "");
}

TEST_F(RuntimeTrainCallbacks, EarlyStoppingRestoresTheBestWeightsWhenStopping) {
  script().valLoss = {1.0, 0.8, 0.9, 0.85, 0.95, 0.5};
  auto es = earlyStopping(
      {.patience = 2, .verbose = 1, .restore_best_weights = true});
  History h = run({.epochs = 6, .callbacks = {es}});
  EXPECT_EQ(h.epoch.size(), 4u);
  EXPECT_EQ(weight(), 2.0f); // the weights after epoch 1 (index), i.e. 2 steps
  EXPECT_EQ(out.str(), "Epoch 4: early stopping\n"
                       "Restoring model weights from the end of the best "
                       "epoch: 2.\n");
}

TEST_F(RuntimeTrainCallbacks, EarlyStoppingRestoresTheBestWeightsWhenTrainingEnds) {
  script().valLoss = {1.0, 0.5, 0.7};
  auto es = earlyStopping(
      {.patience = 5, .verbose = 1, .restore_best_weights = true});
  History h = run({.epochs = 3, .callbacks = {es}});
  EXPECT_EQ(h.epoch.size(), 3u);
  EXPECT_EQ(es->stopped_epoch(), 0);
  EXPECT_EQ(weight(), 2.0f);
  EXPECT_EQ(out.str(), "Restoring model weights from the end of the best "
                       "epoch: 2.\n");
  // Reused, the callback starts over: 0.7 is worse than the first run's best
  // (0.5) but is this run's best.
  script().valLoss = {0.9, 0.7};
  run({.epochs = 2, .callbacks = {es}});
  EXPECT_EQ(es->best_epoch(), 1);
  EXPECT_EQ(weight(), 2.0f);
}

TEST_F(RuntimeTrainCallbacks, EarlyStoppingWithPatienceZeroStopsAtTheFirstNonImprovement) {
  script().valLoss = {1.0, 1.2, 0.5};
  History h = run({.epochs = 3, .callbacks = {earlyStopping({})}});
  EXPECT_EQ(h.epoch, (std::vector<int>{0, 1}));
}

TEST_F(RuntimeTrainCallbacks, EarlyStoppingMaximizesAccuracyInAutoMode) {
  script().valAccuracy = {0.5, 0.6, 0.6, 0.7};
  auto es = earlyStopping({.monitor = "val_accuracy", .patience = 1});
  EXPECT_TRUE(es->maximizes());
  History h = run({.epochs = 4, .callbacks = {es}});
  // 0.6 does not beat 0.6: stop after epoch 2.
  EXPECT_EQ(h.epoch.size(), 3u);
  EXPECT_EQ(es->best_epoch(), 1);
}

TEST_F(RuntimeTrainCallbacks, EarlyStoppingHonoursMinDelta) {
  script().loss = {1.0, 0.95, 0.92, 0.5};
  History h = run({.epochs = 4,
                   .callbacks = {earlyStopping(
                       {.monitor = "loss", .min_delta = 0.1, .patience = 1})}},
                  /*withValidation=*/false);
  EXPECT_EQ(h.epoch.size(), 2u);
  h = run({.epochs = 4,
           .callbacks = {earlyStopping({.monitor = "loss", .patience = 1})}},
          false);
  EXPECT_EQ(h.epoch.size(), 4u);
}

TEST_F(RuntimeTrainCallbacks, EarlyStoppingBaselineKeepsTheWaitRunning) {
  script().valLoss = {0.9, 0.95, 0.97, 0.99, 1.0};
  auto es = earlyStopping(
      {.patience = 2, .baseline = 0.5, .restore_best_weights = true});
  History h = run({.epochs = 5, .callbacks = {es}});
  // Epoch 0 improves on +inf but not on the baseline, so the wait is not
  // reset: epoch 1 already exhausts the patience.
  EXPECT_EQ(h.epoch.size(), 2u);
  EXPECT_EQ(weight(), 1.0f);
  script().valLoss = {0.9, 0.95, 0.97, 0.99, 1.0};
  h = run({.epochs = 5, .callbacks = {earlyStopping({.patience = 2})}});
  EXPECT_EQ(h.epoch.size(), 3u);
}

TEST_F(RuntimeTrainCallbacks, EarlyStoppingStartFromEpochSkipsTheWarmUp) {
  script().valLoss = {0.1, 0.5, 0.6, 0.7, 0.8};
  History h = run({.epochs = 5,
                   .callbacks = {earlyStopping(
                       {.patience = 1, .start_from_epoch = 2})}});
  EXPECT_EQ(h.epoch.size(), 4u);
  h = run({.epochs = 5, .callbacks = {earlyStopping({.patience = 1})}});
  EXPECT_EQ(h.epoch.size(), 2u);
}

TEST_F(RuntimeTrainCallbacks, EarlyStoppingWarnsOnceAboutAMissingMonitor) {
  History h = run({.epochs = 3, .callbacks = {earlyStopping({})}},
                  /*withValidation=*/false);
  EXPECT_EQ(h.epoch.size(), 3u);
  EXPECT_EQ(err.str(), "Warning: Early stopping conditioned on metric "
                       "`val_loss` which is not available. Available metrics "
                       "are: loss,accuracy\n");
}

TEST_F(RuntimeTrainCallbacks, EarlyStoppingModeAndDirection) {
  EXPECT_TRUE(containsAll(
      errorOf([] { EarlyStopping es({.monitor = "mean_pred"}); }),
      {"monitor=mean_pred", "mode=\"max\"", "mode=\"min\""}));
  EXPECT_TRUE(EarlyStopping({.monitor = "mean_pred", .mode = "max"}).maximizes());
  EXPECT_FALSE(EarlyStopping({.monitor = "val_acc", .mode = "min"}).maximizes());

  // An unknown mode warns and falls back to auto.
  script().valLoss = {1.0, 2.0, 3.0};
  History h = run({.epochs = 3,
                   .callbacks = {earlyStopping({.mode = "maximum"})}});
  EXPECT_EQ(h.epoch.size(), 2u);
  EXPECT_EQ(err.str(),
            "Warning: EarlyStopping mode maximum is unknown, fallback to auto "
            "mode.\n");

  for (const char *up : {"acc", "val_acc", "accuracy", "val_accuracy",
                         "sparse_categorical_accuracy", "val_auc", "auc_1",
                         "precision", "val_recall_2", "f1_score"})
    EXPECT_EQ(metricMaximizes(up), std::optional<bool>(true)) << up;
  for (const char *down : {"loss", "val_loss", "dense_1_loss", "mae", "val_mse",
                           "mean_squared_error", "categorical_crossentropy",
                           "val_kl_divergence"})
    EXPECT_EQ(metricMaximizes(down), std::optional<bool>(false)) << down;
  EXPECT_EQ(metricMaximizes("mean_pred"), std::nullopt);
}

TEST_F(RuntimeTrainCallbacks, CSVLoggerWritesSortedKeysLikeKeras) {
  TempDir dir;
  std::string path = dir.file("log.csv");
  script().loss = {0.5, 0.25};
  script().accuracy = {0.125, 0.75};
  script().valLoss = {0.625, 0.3125};
  script().valAccuracy = {0.375, static_cast<double>(0.1f)};
  run({.epochs = 2, .callbacks = {std::make_shared<CSVLogger>(path)}});
  const std::string expected =
      "epoch,accuracy,loss,val_accuracy,val_loss\r\n"
      "0,0.125,0.5,0.375,0.625\r\n"
      "1,0.75,0.25,0.10000000149011612,0.3125\r\n";
  EXPECT_EQ(readBytes(path), expected);

  // append adds rows without a second header; a new logger overwrites.
  run({.epochs = 1,
       .callbacks = {std::make_shared<CSVLogger>(path,
                                                 CSVLoggerOptions{.append = true})}});
  EXPECT_EQ(readBytes(path), expected + "0,0.125,0.5,0.375,0.625\r\n");
  run({.epochs = 1,
       .callbacks = {std::make_shared<CSVLogger>(
           path, CSVLoggerOptions{.separator = ";"})}});
  EXPECT_EQ(readBytes(path), "epoch;accuracy;loss;val_accuracy;val_loss\r\n"
                             "0;0.125;0.5;0.375;0.625\r\n");

  EXPECT_TRUE(containsAll(
      errorOf([&] {
        run({.callbacks = {std::make_shared<CSVLogger>(
                 dir.file("missing/dir/log.csv"))}});
      }),
      {"CSVLogger: cannot open", "missing/dir/log.csv"}));
}

TEST_F(RuntimeTrainCallbacks, HistoryToCsvKeepsKerasKeyOrder) {
  TempDir dir;
  script().loss = {0.5, 0.25};
  script().accuracy = {0.125, 0.75};
  script().valLoss = {0.625, 0.3125};
  script().valAccuracy = {0.375, 1e-5};
  History h = run({.epochs = 2});
  EXPECT_EQ(h.keys(), (std::vector<std::string>{"loss", "accuracy", "val_loss",
                                                "val_accuracy"}));
  h.to_csv(dir.file("h.csv"));
  EXPECT_EQ(readBytes(dir.file("h.csv")),
            "epoch,loss,accuracy,val_loss,val_accuracy\n"
            "0,0.5,0.125,0.625,0.375\n"
            "1,0.25,0.75,0.3125," +
                pythonRepr(static_cast<double>(1e-5f)) + "\n");
}

TEST_F(RuntimeTrainCallbacks, LambdaCallbackRunsEveryHookAtTheRightTime) {
  std::vector<std::string> events;
  std::vector<double> epochLosses;
  auto lambda = std::make_shared<LambdaCallback>(LambdaCallbackOptions{
      .on_epoch_begin = [&](int e, Logs &) { events.push_back("eb" + std::to_string(e)); },
      .on_epoch_end =
          [&](int e, const Logs &logs) {
            events.push_back("ee" + std::to_string(e));
            epochLosses.push_back(logs["loss"]);
          },
      .on_train_batch_begin =
          [&](int64_t b, Logs &) { events.push_back("bb" + std::to_string(b)); },
      .on_train_batch_end =
          [&](int64_t b, Logs &) { events.push_back("be" + std::to_string(b)); },
      .on_train_begin = [&](Logs &) { events.push_back("tb"); },
      .on_train_end =
          [&](Logs &logs) {
            events.push_back("te");
            EXPECT_TRUE(logs.contains("val_loss"));
          }});
  script().loss = {0.5, 0.25, 0.125};
  run({.epochs = 3, .batch_size = 2, .callbacks = {lambda}});
  // 4 samples, batch 2: two batches per epoch.
  EXPECT_EQ(events,
            (std::vector<std::string>{"tb", "eb0", "bb0", "be0", "bb1", "be1",
                                      "ee0", "eb1", "bb0", "be0", "bb1", "be1",
                                      "ee1", "eb2", "bb0", "be0", "bb1", "be1",
                                      "ee2", "te"}));
  // Batch 2 of the scripted model reports script[1]: (0.5 * 2 + 0.25 * 2) / 4.
  EXPECT_EQ(epochLosses.size(), 3u);
  EXPECT_DOUBLE_EQ(epochLosses[0], 0.375);
}

TEST_F(RuntimeTrainCallbacks, CallbacksSeeTheModelAndTheirLogsReachHistory) {
  struct Probe : Callback {
    Params seen;
    void on_train_begin(Logs &) override { seen = params(); }
    void on_epoch_end(int epoch, Logs &logs) override {
      logs.set("lr", 0.01 * (epoch + 1));
      if (epoch == 0)
        model().set_weights({Tensor::fromVector<float>({10}, {1})});
    }
  };
  auto probe = std::make_shared<Probe>();
  EXPECT_TRUE(containsAll(errorOf([&] { probe->model(); }),
                          {"only available while fit() runs"}));
  History h = run({.epochs = 2, .batch_size = 4, .callbacks = {probe}});
  EXPECT_EQ(probe->seen.epochs, 2);
  EXPECT_EQ(probe->seen.steps, 1);
  EXPECT_EQ(h.history["lr"], (std::vector<double>{0.01, 0.02}));
  // set_weights reached the buffers train_step updates: 10 + 1.
  EXPECT_EQ(weight(), 11.0f);
  // Detached after fit, and so is the returned History.
  EXPECT_THROW(probe->model(), kiln::Error);
  EXPECT_THROW(h.model(), kiln::Error);
}

} // namespace
