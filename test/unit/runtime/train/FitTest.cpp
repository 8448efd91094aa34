// Tests for fit / evaluate / predict against fake compiled models.
#include "runtime/train/Train.h"

#include "../TestUtil.h"
#include "FakeModels.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <sstream>

#include <sched.h>

using kiln::DType;
using kiln::Shape;
using kiln::Tensor;
using kiln::test::containsAll;
using kiln::test::errorOf;
using kiln::test::recorder;
using kiln::test::StepCall;
using kiln::test::zeroParams;
using namespace kiln::train;

namespace {

// x: (n, 2) with rows (i / n, (i % 7) / 7), y = 2 x0 - 3 x1 + 0.5.
struct RegressionData {
  Tensor x, y;
};
RegressionData regressionData(int64_t n) {
  std::vector<float> xs, ys;
  for (int64_t i = 0; i < n; ++i) {
    float a = static_cast<float>(i) / static_cast<float>(n);
    float b = static_cast<float>(i % 7) / 7.0f;
    xs.push_back(a);
    xs.push_back(b);
    ys.push_back(2 * a - 3 * b + 0.5f);
  }
  return {Tensor::fromVector(xs, {n, 2}), Tensor::fromVector(ys, {n, 1})};
}

// x: (n, 1) with x_i = i, y: (n,) with y_i = i; the per-sample identity lets
// tests see which rows a step received.
struct IndexData {
  Tensor x, y;
};
IndexData indexData(int64_t n) {
  std::vector<float> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), 0.0f);
  return {Tensor::fromVector(v, {n, 1}), Tensor::fromVector(v, {n})};
}

std::vector<int64_t> batchSizes(const std::vector<StepCall> &calls) {
  std::vector<int64_t> out;
  for (const StepCall &c : calls)
    out.push_back(c.rows);
  return out;
}

// All target values the calls saw, in call order.
std::vector<double> targetsSeen(const std::vector<StepCall> &calls) {
  std::vector<double> out;
  for (const StepCall &c : calls)
    out.insert(out.end(), c.yValues.begin(), c.yValues.end());
  return out;
}

FitOptions quiet(FitOptions o = {}) {
  o.verbose = 0;
  return o;
}

class RuntimeTrainFit : public ::testing::Test {
protected:
  void SetUp() override { recorder().reset(); }
};

TEST_F(RuntimeTrainFit, LinearRegressionLearnsAndFillsHistory) {
  auto steps = kiln::test::linearRegression();
  ModelState state(steps.signature, zeroParams(steps.signature));
  auto [x, y] = regressionData(64);
  History h = fit(steps, state, {x}, {y},
                  quiet({.epochs = 40, .batch_size = 16, .seed = 1}));

  EXPECT_EQ(h.keys(), (std::vector<std::string>{"loss", "mae"}));
  ASSERT_EQ(h.history["loss"].size(), 40u);
  ASSERT_EQ(h.history["mae"].size(), 40u);
  EXPECT_EQ(h.epoch.front(), 0);
  EXPECT_EQ(h.epoch.back(), 39);
  EXPECT_EQ(h.params.epochs, 40);
  EXPECT_EQ(h.params.steps, 4);
  EXPECT_EQ(h.params.verbose, 0);
  EXPECT_LT(h.history["loss"].back(), h.history["loss"].front() * 1e-3);
  for (size_t e = 1; e < 5; ++e)
    EXPECT_LT(h.history["loss"][e], h.history["loss"][e - 1]) << "epoch " << e;
  EXPECT_EQ(state.iterations(), 40 * 4);
  std::vector<Tensor> w = state.get_weights();
  EXPECT_NEAR((w[0].at<float>({0, 0})), 2.0f, 0.05f);
  EXPECT_NEAR((w[0].at<float>({1, 0})), -3.0f, 0.05f);
  EXPECT_NEAR(w[1].at<float>({0}), 0.5f, 0.05f);
  // The momentum slots were used in place.
  EXPECT_NE(state.slots()[0].data<float>()[0], 0.0f);
  // A missing key names the keys present.
  EXPECT_TRUE(containsAll(errorOf([&] { (void)h.history["val_loss"]; }),
                          {"val_loss", "loss, mae"}));
}

TEST_F(RuntimeTrainFit, EpochLossIsTheSampleWeightedMeanOfBatchLosses) {
  auto steps = kiln::test::meanTarget();
  ModelState state(steps.signature, zeroParams(steps.signature));
  auto [x, y] = indexData(36);
  History h = fit(steps, state, {x}, {y},
                  quiet({.epochs = 2, .batch_size = 32, .shuffle = false}));
  EXPECT_EQ(batchSizes(recorder().train), (std::vector<int64_t>{32, 4, 32, 4}));
  // Batch means 15.5 (32 samples) and 33.5 (4): weighted 17.5, not 24.5.
  EXPECT_DOUBLE_EQ(h.history["loss"][0], 17.5);
  EXPECT_DOUBLE_EQ(h.history["loss"][1], 17.5);
  EXPECT_DOUBLE_EQ(h.history["max"][0], (31.0 * 32 + 35.0 * 4) / 36);
}

TEST_F(RuntimeTrainFit, BatchLargerThanTheDataSetIsOneBatch) {
  auto steps = kiln::test::meanTarget();
  ModelState state(steps.signature, zeroParams(steps.signature));
  auto [x, y] = indexData(2);
  History h = fit(steps, state, {x}, {y}, quiet({.epochs = 3, .batch_size = 3}));
  EXPECT_EQ(batchSizes(recorder().train), (std::vector<int64_t>{2, 2, 2}));
  EXPECT_EQ(h.params.steps, 1);
  EXPECT_DOUBLE_EQ(h.history["loss"][2], 0.5);
}

TEST_F(RuntimeTrainFit, WithoutShuffleDescriptorsPointIntoTheCallersData) {
  auto steps = kiln::test::meanTarget();
  ModelState state(steps.signature, zeroParams(steps.signature));
  auto [x, y] = indexData(70);
  fit(steps, state, {x}, {y}, quiet({.batch_size = 32, .shuffle = false}));
  const auto &calls = recorder().train;
  ASSERT_EQ(calls.size(), 3u);
  const float *xs = x.data<float>(), *ys = y.data<float>();
  for (size_t b = 0; b < 3; ++b) {
    EXPECT_EQ(calls[b].x, xs + 32 * b) << "batch " << b;
    EXPECT_EQ(calls[b].y, ys + 32 * b) << "batch " << b;
  }
  EXPECT_EQ(batchSizes(calls), (std::vector<int64_t>{32, 32, 6}));
  EXPECT_EQ(calls[2].yValues.front(), 64.0);
  EXPECT_EQ(calls[2].yValues.back(), 69.0);
}

TEST_F(RuntimeTrainFit, ShuffleWithASeedIsReproducibleAndPermutes) {
  auto steps = kiln::test::meanTarget();
  auto [x, y] = indexData(50);
  auto run = [&](uint64_t seed) {
    recorder().reset();
    ModelState state(steps.signature, zeroParams(steps.signature));
    fit(steps, state, {x}, {y},
        quiet({.epochs = 3, .batch_size = 8, .shuffle = true, .seed = seed}));
    return recorder().train;
  };
  std::vector<StepCall> a = run(7), b = run(7), c = run(8);
  EXPECT_EQ(targetsSeen(a), targetsSeen(b));
  EXPECT_NE(targetsSeen(a), targetsSeen(c));

  std::vector<double> seen = targetsSeen(a);
  ASSERT_EQ(seen.size(), 150u);
  std::vector<double> identity(50);
  std::iota(identity.begin(), identity.end(), 0.0);
  std::vector<std::vector<double>> epochs;
  for (int e = 0; e < 3; ++e) {
    std::vector<double> order(seen.begin() + 50 * e, seen.begin() + 50 * (e + 1));
    EXPECT_NE(order, identity) << "epoch " << e << " was not shuffled";
    std::vector<double> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, identity) << "epoch " << e << " is not a permutation";
    epochs.push_back(order);
  }
  EXPECT_NE(epochs[0], epochs[1]);
  // Inputs travel with their targets, and every batch reuses one buffer
  // allocated once per fit, never the caller's data.
  std::set<const void *> xBuffers;
  for (const StepCall &call : a) {
    for (size_t i = 0; i < call.x0.size(); ++i)
      EXPECT_EQ(call.x0[i], call.yValues[i]);
    xBuffers.insert(call.x);
  }
  EXPECT_EQ(xBuffers.size(), 1u);
  EXPECT_NE(*xBuffers.begin(), static_cast<const void *>(x.data<float>()));
}

TEST_F(RuntimeTrainFit, ValidationSplitTakesTheLastFractionBeforeShuffling) {
  auto steps = kiln::test::meanTarget();
  ModelState state(steps.signature, zeroParams(steps.signature));
  auto [x, y] = indexData(10);
  History h = fit(steps, state, {x}, {y},
                  quiet({.epochs = 4, .batch_size = 3, .validation_split = 0.2,
                         .shuffle = true, .seed = 3}));
  std::multiset<double> train;
  for (double v : targetsSeen(recorder().train))
    train.insert(v);
  for (double v = 0; v < 8; ++v)
    EXPECT_EQ(train.count(v), 4u) << "row " << v;
  EXPECT_EQ(train.count(8.0) + train.count(9.0), 0u);
  EXPECT_EQ(targetsSeen(recorder().eval),
            (std::vector<double>{8, 9, 8, 9, 8, 9, 8, 9}));
  EXPECT_EQ(h.keys(),
            (std::vector<std::string>{"loss", "max", "val_loss", "val_max"}));
  EXPECT_EQ(h.params.steps, 3);
  EXPECT_DOUBLE_EQ(h.history["val_loss"][3], 8.5);
  EXPECT_DOUBLE_EQ(h.history["val_max"][0], 9.0);
  EXPECT_DOUBLE_EQ(h.history["loss"][0], 3.5);
}

TEST_F(RuntimeTrainFit, ValidationDataRunsWithTheEpochsFinalWeights) {
  auto steps = kiln::test::linearRegression();
  ModelState state(steps.signature, zeroParams(steps.signature));
  auto [x, y] = regressionData(40);
  auto [xv, yv] = regressionData(13);
  History h = fit(steps, state, {x}, {y},
                  quiet({.epochs = 2, .batch_size = 5,
                         .validation_data = ValidationData{{xv}, {yv}},
                         .seed = 5}));
  EXPECT_EQ(h.keys(), (std::vector<std::string>{"loss", "mae", "val_loss",
                                                "val_mae"}));
  // Validation uses batch_size too: 13 samples -> 5, 5, 3, each epoch.
  EXPECT_EQ(batchSizes(recorder().eval), (std::vector<int64_t>{5, 5, 3, 5, 5, 3}));
  std::vector<double> after = evaluate(steps, state, {xv}, {yv}, 5);
  EXPECT_DOUBLE_EQ(h.history["val_loss"][1], after[0]);
  EXPECT_DOUBLE_EQ(h.history["val_mae"][1], after[1]);
  // validation_data wins over validation_split, as in Keras.
  recorder().reset();
  fit(steps, state, {x}, {y},
      quiet({.batch_size = 40, .validation_split = 0.5,
             .validation_data = ValidationData{{xv}, {yv}}}));
  EXPECT_EQ(batchSizes(recorder().train), (std::vector<int64_t>{40}));
  EXPECT_EQ(batchSizes(recorder().eval), (std::vector<int64_t>{13}));
}

TEST_F(RuntimeTrainFit, InitialEpochResumesTheEpochCount) {
  auto steps = kiln::test::meanTarget();
  ModelState state(steps.signature, zeroParams(steps.signature));
  auto [x, y] = indexData(4);
  History h = fit(steps, state, {x}, {y},
                  quiet({.epochs = 5, .initial_epoch = 3}));
  EXPECT_EQ(h.epoch, (std::vector<int>{3, 4}));
  EXPECT_EQ(h.history["loss"].size(), 2u);
  EXPECT_EQ(recorder().train.size(), 2u);
  EXPECT_EQ(h.params.epochs, 5);
}

TEST_F(RuntimeTrainFit, ClassifierLearnsFromSparseLabelsOfAnyIntegerOrWholeFloatType) {
  auto steps = kiln::test::softmaxClassifier();
  // Three separable clusters, one per class; labels as uint8.
  std::vector<float> xs;
  std::vector<uint8_t> labels;
  for (int i = 0; i < 90; ++i) {
    int c = i % 3;
    for (int f = 0; f < 3; ++f)
      xs.push_back((f == c ? 2.0f : 0.0f) + 0.1f * static_cast<float>((i * 7 + f) % 5));
    labels.push_back(static_cast<uint8_t>(c));
  }
  Tensor x = Tensor::fromVector(xs, {90, 3});
  Tensor y = Tensor::fromVector(labels, {90});
  ModelState state(steps.signature, zeroParams(steps.signature));
  History h = fit(steps, state, {x}, {y},
                  quiet({.epochs = 15, .batch_size = 10, .seed = 2}));
  EXPECT_LT(h.history["loss"].back(), h.history["loss"].front());
  EXPECT_GT(h.history["accuracy"].back(), 0.95);
  // The step saw the labels as i32 values.
  EXPECT_EQ(recorder().train[0].yValues.size(), 10u);
  for (double v : targetsSeen(recorder().train))
    EXPECT_TRUE(v == 0 || v == 1 || v == 2);

  // Float labels that are whole numbers, and (N, 1) labels, work as well.
  std::vector<float> floatLabels(labels.begin(), labels.end());
  std::vector<double> r1 = evaluate(steps, state, {x}, {y});
  std::vector<double> r2 =
      evaluate(steps, state, {x}, {Tensor::fromVector(floatLabels, {90, 1})});
  EXPECT_EQ(r1, r2);
  std::vector<int64_t> wide(labels.begin(), labels.end());
  EXPECT_EQ(evaluate(steps, state, {x}, {Tensor::fromVector(wide, {90})}), r1);
}

TEST_F(RuntimeTrainFit, Uint8InputsAreConvertedAsValuesNotScaled) {
  auto steps = kiln::test::meanTarget();
  ModelState state(steps.signature, zeroParams(steps.signature));
  Tensor x = Tensor::fromVector<uint8_t>({0, 7, 255}, {3, 1});
  Tensor y = Tensor::fromVector<float>({1, 2, 3}, {3});
  fit(steps, state, {x}, {y}, quiet({.shuffle = false}));
  EXPECT_EQ(recorder().train[0].x0, (std::vector<float>{0, 7, 255}));
  // u8 targets for a float target become float values.
  recorder().reset();
  fit(steps, state, {x}, {x.reshape({3})}, quiet({.shuffle = false}));
  EXPECT_EQ(recorder().train[0].yValues, (std::vector<double>{0, 7, 255}));
}

TEST_F(RuntimeTrainFit, ErrorsNameTheProblem) {
  auto image = kiln::test::imageShaped();
  ModelState imageState(image.signature, zeroParams(image.signature));
  Tensor labels = Tensor::zeros({10}, DType::i32);
  EXPECT_TRUE(containsAll(
      errorOf([&] {
        fit(image, imageState, {Tensor::zeros({10, 28, 27})}, {labels}, quiet());
      }),
      {"fit: x has per-sample shape (28, 27) but the model expects (28, 28)"}));
  EXPECT_TRUE(containsAll(
      errorOf([&] {
        fit(image, imageState, {Tensor::zeros({10, 28, 28})},
            {Tensor::zeros({9}, DType::i32)}, quiet());
      }),
      {"fit: x has 10 samples but y has 9"}));
  Tensor bad = Tensor::zeros({200}, DType::i64);
  bad.data<int64_t>()[123] = 10;
  EXPECT_TRUE(containsAll(
      errorOf([&] {
        fit(image, imageState, {Tensor::zeros({200, 28, 28})}, {bad}, quiet());
      }),
      {"fit: y: label 10 at index 123 is out of range for 10 classes"}));
  Tensor negative = Tensor::zeros({10}, DType::i32);
  negative.data<int32_t>()[4] = -1;
  EXPECT_TRUE(containsAll(
      errorOf([&] {
        evaluate(image, imageState, {Tensor::zeros({10, 28, 28})}, {negative});
      }),
      {"evaluate: y: label -1 at index 4 is out of range for 10 classes"}));
  Tensor fractional = Tensor::fromVector<float>({0, 1, 2.5f, 3}, {4});
  EXPECT_TRUE(containsAll(
      errorOf([&] {
        fit(image, imageState, {Tensor::zeros({4, 28, 28})}, {fractional}, quiet());
      }),
      {"non-integer label 2.5 at index 2", "i32"}));
  EXPECT_TRUE(containsAll(
      errorOf([&] {
        fit(image, imageState, {Tensor::zeros({0, 28, 28})},
            {Tensor::zeros({0}, DType::i32)}, quiet());
      }),
      {"fit: x has no samples"}));
  EXPECT_TRUE(containsAll(
      errorOf([&] {
        fit(image, imageState, {Tensor::zeros({10, 28, 28})}, {labels},
            quiet({.batch_size = 0}));
      }),
      {"batch_size must be positive, got 0"}));
  for (double split : {-0.1, 1.0, 1.5})
    EXPECT_TRUE(containsAll(
        errorOf([&] {
          fit(image, imageState, {Tensor::zeros({10, 28, 28})}, {labels},
              quiet({.validation_split = split}));
        }),
        {"validation_split must be in [0, 1)"}));
  EXPECT_TRUE(containsAll(
      errorOf([&] {
        fit(image, imageState, {Tensor::zeros({2, 28, 28})},
            {Tensor::zeros({2}, DType::i32)}, quiet({.validation_split = 0.6}));
      }),
      {"contains 2 samples", "not sufficient"}));
  EXPECT_TRUE(containsAll(
      errorOf([&] {
        fit(image, imageState, {Tensor::zeros({10, 28, 28}), labels}, {labels},
            quiet());
      }),
      {"the model has 1 input but x holds 2 arrays"}));
  EXPECT_TRUE(containsAll(
      errorOf([&] {
        fit(image, imageState, {Tensor::zeros({10, 28, 28})}, {}, quiet());
      }),
      {"the model has 1 target but y holds 0 arrays"}));
  EXPECT_TRUE(containsAll(
      errorOf([&] {
        fit(image, imageState, {Tensor::zeros({10, 28, 28})}, {labels},
            quiet({.validation_data = ValidationData{
                       {Tensor::zeros({3, 28, 28})},
                       {Tensor::zeros({3, 1, 1, 2}, DType::i32)}}}));
      }),
      {"validation_data y has per-sample shape (1, 1, 2) but the model "
       "expects ()"}));

  auto two = kiln::test::twoInputs();
  ModelState twoState(two.signature, zeroParams(two.signature));
  EXPECT_TRUE(containsAll(
      errorOf([&] {
        fit(two, twoState, {Tensor::zeros({10, 2}), Tensor::zeros({9, 3})},
            {Tensor::zeros({10, 1})}, quiet());
      }),
      {"x[1] has 9 samples but x[0] has 10"}));
  EXPECT_TRUE(containsAll(
      errorOf([&] {
        fit(two, twoState, {Tensor::zeros({10, 2}), Tensor::zeros({10, 4})},
            {Tensor::zeros({10, 1})}, quiet());
      }),
      {"x[1] has per-sample shape (4,) but the model expects (3,)"}));
  // A state built for another model is refused.
  EXPECT_TRUE(containsAll(
      errorOf([&] {
        fit(two, imageState, {Tensor::zeros({10, 2}), Tensor::zeros({10, 3})},
            {Tensor::zeros({10, 1})}, quiet());
      }),
      {"parameter 0", "(1,)", "(784, 10)"}));
}

TEST_F(RuntimeTrainFit, NonFiniteLossIsReportedAndTrainingGoesOn) {
  auto steps = kiln::test::nanLoss();
  ModelState state(steps.signature, zeroParams(steps.signature));
  auto [x, y] = indexData(6);
  std::ostringstream out, err;
  History h = fit(steps, state, {x}, {y.reshape({6, 1})},
                  {.epochs = 3, .batch_size = 2, .verbose = 2, .out = &out,
                   .err = &err});
  EXPECT_EQ(recorder().train.size(), 9u);
  ASSERT_EQ(h.history["loss"].size(), 3u);
  EXPECT_TRUE(std::isnan(h.history["loss"][0]));
  EXPECT_EQ(err.str(), "Warning: fit: the loss is nan at epoch 1, batch 1; "
                       "training goes on (add callbacks::TerminateOnNaN() to "
                       "stop it)\n");
  EXPECT_NE(out.str().find("loss: nan - mae: 0.5000"), std::string::npos)
      << out.str();

  // TerminateOnNaN stops at the first bad batch, and fit does not suggest
  // adding it.
  recorder().reset();
  ModelState fresh(steps.signature, zeroParams(steps.signature));
  std::ostringstream out2, err2;
  h = fit(steps, fresh, {x}, {y.reshape({6, 1})},
          {.epochs = 3, .batch_size = 2, .verbose = 0,
           .callbacks = {std::make_shared<TerminateOnNaN>()}, .out = &out2,
           .err = &err2});
  EXPECT_EQ(recorder().train.size(), 2u);
  EXPECT_EQ(h.epoch, (std::vector<int>{0}));
  EXPECT_EQ(out2.str(), "Batch 1: Invalid loss, terminating training\n");
  EXPECT_EQ(err2.str(), "");
}

TEST_F(RuntimeTrainFit, StopTrainingFromABatchCallbackEndsTheEpoch) {
  auto steps = kiln::test::meanTarget();
  ModelState state(steps.signature, zeroParams(steps.signature));
  auto [x, y] = indexData(20);
  auto stopper = std::make_shared<LambdaCallback>(LambdaCallbackOptions{
      .on_train_batch_end = [](int64_t batch, Logs &) {}});
  struct StopAfter : Callback {
    void on_train_batch_end(int64_t batch, Logs &) override {
      if (batch == 2)
        model().stop_training = true;
    }
  };
  History h = fit(steps, state, {x}, {y},
                  quiet({.epochs = 5, .batch_size = 2, .shuffle = false,
                         .callbacks = {stopper, std::make_shared<StopAfter>()}}));
  EXPECT_EQ(recorder().train.size(), 3u);
  EXPECT_EQ(h.epoch, (std::vector<int>{0}));
  // The epoch's logs cover the 6 samples trained on.
  EXPECT_DOUBLE_EQ(h.history["loss"][0], 2.5);
}

TEST_F(RuntimeTrainFit, EvaluateReturnsSampleWeightedMeansOverPartialBatches) {
  auto steps = kiln::test::meanTarget();
  ModelState state(steps.signature, zeroParams(steps.signature));
  auto [x, y] = indexData(36);
  std::vector<double> r = evaluate(steps, state, {x}, {y}, 32);
  EXPECT_EQ(batchSizes(recorder().eval), (std::vector<int64_t>{32, 4}));
  ASSERT_EQ(r.size(), 2u);
  EXPECT_DOUBLE_EQ(r[0], 17.5);
  EXPECT_DOUBLE_EQ(r[1], (31.0 * 32 + 35.0 * 4) / 36);
  // Batches point into the data; no copy.
  EXPECT_EQ(recorder().eval[1].y, y.data<float>() + 32);

  Logs d = evaluate_dict(steps, state, {x}, {y}, {.batch_size = 100});
  EXPECT_EQ(d.keys(), (std::vector<std::string>{"loss", "max"}));
  EXPECT_DOUBLE_EQ(d["loss"], 17.5);
  EXPECT_DOUBLE_EQ(d["max"], 35.0);

  // Known weights: y = x . (1, 2) + 0.5 against targets 0.
  auto reg = kiln::test::linearRegression();
  ModelState rs(reg.signature, {Tensor::fromVector<float>({1, 2}, {2, 1}),
                                Tensor::fromVector<float>({0.5f}, {1})});
  Tensor rx = Tensor::fromVector<float>({1, 0, 0, 1, 1, 1}, {3, 2});
  Tensor ry = Tensor::zeros({3, 1});
  std::vector<double> m = evaluate(reg, rs, {rx}, {ry}, 2);
  // Predictions 1.5, 2.5, 3.5: MSE (2.25 + 6.25 + 12.25) / 3, MAE 2.5.
  EXPECT_NEAR(m[0], 20.75 / 3, 1e-5);
  EXPECT_NEAR(m[1], 2.5, 1e-6);
}

TEST_F(RuntimeTrainFit, PredictWritesEveryBatchIntoTheResult) {
  auto steps = kiln::test::linearRegression();
  ModelState state(steps.signature, {Tensor::fromVector<float>({1, 2}, {2, 1}),
                                     Tensor::fromVector<float>({0.5f}, {1})});
  auto [x, y] = regressionData(10);
  std::vector<Tensor> out = predict(steps, state, {x}, 4);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape(), (Shape{10, 1}));
  EXPECT_EQ(batchSizes(recorder().predict), (std::vector<int64_t>{4, 4, 2}));
  for (int64_t i = 0; i < 10; ++i)
    EXPECT_FLOAT_EQ(out[0].at<float>({i, 0}),
                    x.at<float>({i, 0}) + 2 * x.at<float>({i, 1}) + 0.5f);
  // Each batch wrote straight into the returned tensor.
  EXPECT_EQ(recorder().predict[2].y, out[0].data<float>() + 8);

  auto cls = kiln::test::softmaxClassifier();
  ModelState cs(cls.signature, zeroParams(cls.signature));
  std::vector<Tensor> probs = predict(cls, cs, {Tensor::zeros({5, 3})});
  EXPECT_EQ(probs[0].shape(), (Shape{5, 3}));
  EXPECT_FLOAT_EQ(probs[0].at<float>({4, 2}), 1.0f / 3);
  EXPECT_TRUE(containsAll(
      errorOf([&] { predict(cls, cs, {Tensor::zeros({5, 4})}); }),
      {"predict: x has per-sample shape (4,) but the model expects (3,)"}));
}

TEST_F(RuntimeTrainFit, FitOptionsIsAnAggregateWithKerasDefaults) {
  FitOptions o;
  EXPECT_EQ(o.epochs, 1);
  EXPECT_EQ(o.batch_size, 32);
  EXPECT_EQ(o.verbose, 1);
  EXPECT_EQ(o.validation_split, 0.0);
  EXPECT_FALSE(o.validation_data.has_value());
  EXPECT_TRUE(o.shuffle);
  EXPECT_EQ(o.initial_epoch, 0);
  EXPECT_TRUE(o.callbacks.empty());
  FitOptions d{.epochs = 30, .batch_size = 32};
  EXPECT_EQ(d.epochs, 30);
}

} // namespace

// A producer thread gets a core of its own only beside a step compiled for
// fewer threads than the process may use; a step on every core (0, the
// default) leaves none, whatever libomp's own default says.
TEST(RuntimeTrainGenerator, ProducerHasSpareCoreFollowsTheStepsThreads) {
  cpu_set_t set;
  CPU_ZERO(&set);
  ASSERT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
  const int usable = CPU_COUNT(&set);
  EXPECT_FALSE(kiln::train::producerHasSpareCore(0));
  EXPECT_EQ(kiln::train::producerHasSpareCore(1), usable > 1);
  EXPECT_FALSE(kiln::train::producerHasSpareCore(usable));
}
