// How fit / evaluate / predict cut the data into batches on real compiled
// models: a batch larger than the data set, the partial last batch,
// validation_split holding out the LAST rows, and batch-size independence of
// evaluate and predict.
#include "FrontendTestUtil.h"

#include "frontend/ModelImpl.h"
#include "runtime/abi/Workspace.h"

using namespace kiln;
using namespace kiln::test;

namespace {

/// Dense(3, softmax) on 5 features with weights in [-1, 1).
Sequential classifier(std::mt19937 &rng, Optimizer optimizer = "sgd") {
  Sequential model;
  model.add(layers::Dense(3, {.activation = "softmax", .input_dim = 5}));
  model.compile({.optimizer = optimizer,
                 .loss = "sparse_categorical_crossentropy",
                 .metrics = {"accuracy"}});
  randomizeWeights(model, rng, -1, 1);
  return model;
}

/// Dense(256, relu) then Dense(3, softmax) on 64 features, Adam: a step
/// whose temporaries take a few hundred KiB at batch 128.
Sequential wideClassifier() {
  Sequential model;
  model.add(layers::Dense(256, {.activation = "relu", .input_dim = 64}));
  model.add(layers::Dense(3, {.activation = "softmax"}));
  model.compile({.optimizer = "adam",
                 .loss = "sparse_categorical_crossentropy",
                 .metrics = {"accuracy"}});
  return model;
}

Tensor labels(std::vector<int32_t> v) {
  int64_t n = int64_t(v.size());
  return Tensor::fromVector(v, {n});
}

} // namespace

// Tests seed 000's case: 2 samples with batch_size 3 train as one batch of
// 2 per epoch (params.steps == 1, one on_train_batch_end per epoch).
TEST(FrontendFit, BatchLargerThanDataIsOneStep) {
  Sequential model;
  model.add(layers::Dense(2, {.activation = "sigmoid", .input_shape = {2}}));
  model.add(layers::Dense(2, {.activation = "softmax"}));
  model.compile({.optimizer = "rmsprop",
                 .loss = "categorical_crossentropy",
                 .metrics = {"acc", "mae"}});
  Tensor x = f32({0, 1, 1, 0}, {2, 2});
  Tensor y = f32({1, 0, 0, 1}, {2, 2});
  std::vector<int64_t> batches;
  auto counter = callbacks::LambdaCallback(
      {.on_train_batch_end = [&](int64_t b, Logs &) { batches.push_back(b); }});
  History h = model.fit(x, y, {.epochs = 4, .batch_size = 3, .verbose = 0,
                               .callbacks = {counter}});
  EXPECT_EQ(h.params.steps, 1);
  EXPECT_EQ(batches, (std::vector<int64_t>{0, 0, 0, 0}));
  EXPECT_EQ(h.keys(), (std::vector<std::string>{"loss", "acc", "mae"}));
  EXPECT_EQ(h.history["loss"].size(), 4u);
}

// Tests the partial last batch: 10 samples, batch 4 -> batches of 4, 4, 2.
// With frozen weights (learning rate 0) and no shuffling, the running loss
// after each batch is the mean per-sample loss of rows [0, 4), [0, 8) and
// [0, 10): the last two rows are used, once.
TEST(FrontendFit, PartialLastBatchIsKept) {
  std::mt19937 rng(21);
  Sequential model = classifier(rng, optimizers::SGD{.learning_rate = 0.0});
  Tensor x = uniform(rng, {10, 5});
  Tensor y = labels({0, 1, 2, 0, 1, 2, 0, 1, 2, 2});
  std::vector<double> running;
  auto recorder = callbacks::LambdaCallback(
      {.on_train_batch_end = [&](int64_t, Logs &logs) {
        running.push_back(logs["loss"]);
      }});
  History h = model.fit(x, y, {.epochs = 1, .batch_size = 4, .verbose = 0,
                               .callbacks = {recorder}, .shuffle = false});
  EXPECT_EQ(h.params.steps, 3);
  std::vector<double> perSample = sparseCrossentropyRef(model.predict(x), y);
  ASSERT_EQ(running.size(), 3u);
  EXPECT_NEAR(running[0], mean(perSample, 0, 4), 1e-5);
  EXPECT_NEAR(running[1], mean(perSample, 0, 8), 1e-5);
  EXPECT_NEAR(running[2], mean(perSample, 0, 10), 1e-5);
  EXPECT_NEAR(h.history["loss"][0], mean(perSample), 1e-5);
  // The last batch changes the mean: it is not dropped or padded.
  EXPECT_GT(std::fabs(running[2] - running[1]), 1e-4);
}

// Tests the partial last batch when training for real: one epoch of SGD
// with batch 4 on 10 samples equals three hand-computed steps (4, 4, 2 rows)
// of a linear model under mse.
TEST(FrontendFit, PartialLastBatchStepUsesItsOwnRowCount) {
  std::mt19937 rng(22);
  Sequential model;
  model.add(layers::Dense(1, {.input_dim = 2}));
  const float lr = 0.2f;
  model.compile({.optimizer = optimizers::SGD{.learning_rate = lr}, .loss = "mse"});
  std::vector<Tensor> w0 = randomizeWeights(model, rng);
  Tensor x = uniform(rng, {10, 2}), y = uniform(rng, {10, 1});
  model.fit(x, y, {.epochs = 1, .batch_size = 4, .verbose = 0, .shuffle = false});

  std::vector<float> xv = values(x), yv = values(y);
  float k0 = values(w0[0])[0], k1 = values(w0[0])[1], b = values(w0[1])[0];
  for (int64_t first : {0, 4, 8}) {
    int64_t rows = std::min<int64_t>(4, 10 - first);
    float g0 = 0, g1 = 0, gb = 0;
    for (int64_t i = first; i < first + rows; ++i) {
      float err = k0 * xv[2 * i] + k1 * xv[2 * i + 1] + b - yv[i];
      g0 += 2 * err * xv[2 * i] / float(rows);
      g1 += 2 * err * xv[2 * i + 1] / float(rows);
      gb += 2 * err / float(rows);
    }
    k0 -= lr * g0, k1 -= lr * g1, b -= lr * gb;
  }
  expectWeightsNear(model.get_weights(), {f32({k0, k1}, {2, 1}), f32({b}, {1})}, 1e-5);
}

// Tests that validation_split holds out the LAST fraction (before any
// shuffling): rows 6..7 of 8 validate. The held-out rows have labels the
// frozen model gets wrong, so val metrics reveal which rows were used.
TEST(FrontendFit, ValidationSplitTakesTheLastRows) {
  std::mt19937 rng(23);
  Sequential model = classifier(rng, optimizers::SGD{.learning_rate = 0.0});
  Tensor x = uniform(rng, {8, 5});
  // Labels = the model's own predictions for rows 0..5, and wrong ones for
  // the last two rows.
  Tensor predicted = model.predict_classes(x);
  std::vector<int32_t> y;
  for (int64_t i = 0; i < 8; ++i) {
    int32_t c = int32_t(predicted.at<int64_t>({i}));
    y.push_back(i < 6 ? c : (c + 1) % 3);
  }
  Tensor yt = labels(y);
  for (bool shuffle : {false, true}) {
    History h = model.fit(x, yt, {.epochs = 1, .batch_size = 4, .verbose = 0,
                                  .validation_split = 0.25, .shuffle = shuffle,
                                  .seed = 5});
    EXPECT_EQ(h.params.steps, 2); // 6 training rows
    EXPECT_DOUBLE_EQ(h.history["accuracy"][0], 1.0) << "shuffle " << shuffle;
    EXPECT_DOUBLE_EQ(h.history["val_accuracy"][0], 0.0) << "shuffle " << shuffle;
    std::vector<double> val = model.evaluate(x.slice(6, 8), yt.slice(6, 8));
    EXPECT_NEAR(h.history["val_loss"][0], val[0], 1e-5);
    std::vector<double> train = model.evaluate(x.slice(0, 6), yt.slice(0, 6));
    EXPECT_NEAR(h.history["loss"][0], train[0], 1e-5);
  }
}

// Tests Keras's rounding of the split: floor(10 * 0.75) = 7 rows train and
// the last 3 validate.
TEST(FrontendFit, ValidationSplitRoundsTheTrainingCountDown) {
  std::mt19937 rng(24);
  Sequential model = classifier(rng, optimizers::SGD{.learning_rate = 0.0});
  Tensor x = uniform(rng, {10, 5});
  Tensor y = labels({0, 1, 2, 0, 1, 2, 0, 1, 2, 1});
  History h = model.fit(x, y, {.epochs = 1, .batch_size = 1, .verbose = 0,
                               .validation_split = 0.25});
  EXPECT_EQ(h.params.steps, 7);
  EXPECT_NEAR(h.history["val_loss"][0],
              mean(sparseCrossentropyRef(model.predict(x), y), 7, 10), 1e-5);
}

// Tests that evaluate() and predict() do not depend on the batch size: a
// partial last batch (10 rows by 4 or 3), one row per batch, and a batch
// larger than the data all give the per-sample results.
TEST(FrontendFit, EvaluateAndPredictWithPartialLastBatch) {
  std::mt19937 rng(25);
  Sequential model = classifier(rng);
  Tensor x = uniform(rng, {10, 5});
  Tensor y = labels({2, 1, 0, 0, 1, 2, 2, 1, 0, 1});
  std::vector<Tensor> w = model.get_weights();
  Tensor expected = denseRef(x, w[0], w[1], "softmax");
  for (int64_t batch : {1, 3, 4, 10, 32}) {
    expectTensorNear(model.predict(x, {.batch_size = batch}), expected, 1e-5,
                     "predict batch " + std::to_string(batch));
    // Row i of predict() is the model applied to row i alone.
    for (int64_t i : {0, 9})
      expectTensorNear(model.predict(x.slice(i, i + 1)), expected.slice(i, i + 1),
                       1e-5, "row " + std::to_string(i));
  }
  std::vector<double> perSample = sparseCrossentropyRef(expected, y);
  for (int64_t batch : {1, 3, 4, 10, 32}) {
    std::vector<double> scores = model.evaluate(x, y, {.batch_size = batch});
    EXPECT_NEAR(scores[0], mean(perSample), 1e-5) << "batch " << batch;
  }
  // predict_classes is the arg-max of predict.
  Tensor classes = model.predict_classes(x, {.batch_size = 4});
  Tensor am = argmax(expected);
  EXPECT_EQ(values(classes), values(am));
}

// Tests that shuffling with a fixed seed is reproducible and that it does
// change the result compared with another seed (batch 1, so order matters).
TEST(FrontendFit, ShuffleSeedIsReproducible) {
  std::mt19937 rng(26);
  Tensor x = uniform(rng, {12, 5});
  Tensor y = labels({0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2});
  std::mt19937 init(27);
  Sequential model = classifier(init, optimizers::SGD{.learning_rate = 0.5});
  std::vector<Tensor> start = model.get_weights();
  auto trained = [&](uint64_t seed) {
    model.set_weights(start);
    model.fit(x, y, {.epochs = 2, .batch_size = 1, .verbose = 0, .seed = seed});
    return model.get_weights();
  };
  std::vector<Tensor> a = trained(1), b = trained(1), c = trained(2);
  EXPECT_TRUE(weightsEqual(a, b));
  EXPECT_FALSE(weightsEqual(a, c));
  EXPECT_FALSE(weightsEqual(a, start));
}

// Tests that compiled steps take their temporaries from the runtime's
// workspace (runtime/abi/Workspace.h): every buffer is returned by the end of
// each step, and from the second step on, all of them come from the cache,
// so no step maps and faults in fresh memory.
TEST(FrontendFit, StepsReuseTheirWorkspace) {
  std::mt19937 rng(5);
  Sequential model = wideClassifier();
  Tensor x = uniform(rng, {512, 64});
  Tensor y = labels(std::vector<int32_t>(512, 1));
  std::vector<workspace::Stats> seen;
  auto probe = callbacks::LambdaCallback(
      {.on_train_batch_end = [&](int64_t, Logs &) {
        seen.push_back(workspace::stats());
      }});
  model.fit(x, y, {.epochs = 2, .batch_size = 128, .verbose = 0,
                   .callbacks = {probe}});
  ASSERT_EQ(seen.size(), 8u);
  for (const workspace::Stats &s : seen)
    EXPECT_EQ(s.liveBlocks, 0u);
  // The first step allocated its buffers (128 x 256 floats among them).
  EXPECT_GT(seen[0].cachedBytes, size_t(128 * 256 * 4));
  for (size_t i = 1; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].systemAllocs, seen[0].systemAllocs) << "step " << i;
    EXPECT_EQ(seen[i].cachedBytes, seen[0].cachedBytes) << "step " << i;
  }
}

// Tests a step that cannot get its workspace (capped here): fit, evaluate and
// predict end with an error naming the step and the bytes; the steps still
// ran to their end (weights finite, every block returned), and without the
// cap the same model trains on.
TEST(FrontendFit, WorkspaceLimitEndsFitWithAClearError) {
  std::mt19937 rng(5);
  Sequential model = wideClassifier();
  Tensor x = uniform(rng, {256, 64});
  Tensor y = labels(std::vector<int32_t>(256, 1));
  struct Uncap {
    ~Uncap() { config::set_workspace_limit(0); }
  } uncap;
  config::set_workspace_limit(16 << 10);
  auto expectOutOfMemory = [](const std::function<void()> &f,
                              const std::string &where) {
    try {
      f();
      ADD_FAILURE() << where << ": no error";
    } catch (const Error &e) {
      std::string what = e.what();
      EXPECT_NE(what.find(where + ": out of memory in the compiled "),
                std::string::npos)
          << what;
      EXPECT_NE(what.find("over the limit of 16384 bytes"), std::string::npos)
          << what;
    }
  };
  expectOutOfMemory(
      [&] { model.fit(x, y, {.epochs = 1, .batch_size = 128, .verbose = 0}); },
      "fit");
  expectOutOfMemory([&] { model.evaluate(x, y, {.verbose = 0}); }, "evaluate");
  expectOutOfMemory([&] { model.predict(x, {.verbose = 0}); }, "predict");
  EXPECT_EQ(workspace::stats().liveBlocks, 0u);
  for (const Tensor &w : model.get_weights())
    for (float v : values(w))
      ASSERT_TRUE(std::isfinite(v));
  config::set_workspace_limit(0);
  History h = model.fit(x, y, {.epochs = 2, .batch_size = 128, .verbose = 0});
  EXPECT_EQ(h.history["loss"].size(), 2u);
  EXPECT_TRUE(std::isfinite(h.history["loss"].back()));
}

// Tests Keras's global seed: after utils::set_random_seed(n) the same script
// (initializers, then fit's shuffling) gives bit-identical losses and
// weights, with the steps compiled for one thread or for two; another seed
// gives another result, so the seed reaches the shuffle.
TEST(FrontendFit, SetRandomSeedMakesFitReproducibleAtAnyThreadCount) {
  std::mt19937 rng(31);
  Tensor x = uniform(rng, {96, 64});
  std::vector<int32_t> ys;
  for (int i = 0; i < 96; ++i)
    ys.push_back(i % 3);
  Tensor y = labels(ys);
  struct Run {
    std::vector<double> loss;
    std::vector<Tensor> weights;
  };
  auto run = [&](uint64_t seed, int threads) {
    config::threading::set_intra_op_parallelism_threads(threads);
    utils::set_random_seed(seed);
    Sequential model;
    model.add(layers::Dense(256, {.activation = "relu", .input_dim = 64}));
    model.add(layers::Dense(3, {.activation = "softmax"}));
    model.compile({.optimizer = "sgd",
                   .loss = "sparse_categorical_crossentropy"});
    History h = model.fit(x, y, {.epochs = 2, .batch_size = 16, .verbose = 0});
    return Run{h.history["loss"], model.get_weights()};
  };
  Run a = run(7, 1), b = run(7, 1), c = run(7, 2), d = run(8, 1);
  config::threading::set_intra_op_parallelism_threads(0);
  EXPECT_EQ(a.loss, b.loss);
  EXPECT_TRUE(weightsEqual(a.weights, b.weights));
  EXPECT_EQ(a.loss, c.loss);
  EXPECT_TRUE(weightsEqual(a.weights, c.weights));
  EXPECT_NE(a.loss, d.loss);
}

// Tests the threads setting: a model compiles its steps for the count set
// before compile() (0, all cores, by default), and a negative count is
// refused.
TEST(FrontendFit, IntraOpThreadsReachTheJit) {
  struct Probe : Sequential {
    int64_t jitThreads() const { return self().jitOptions.threads; }
  };
  auto compiled = [] {
    Probe model;
    model.add(layers::Dense(2, {.input_dim = 3}));
    model.compile({.optimizer = "sgd", .loss = "mse"});
    return model.jitThreads();
  };
  EXPECT_EQ(config::threading::get_intra_op_parallelism_threads(), 0);
  EXPECT_EQ(compiled(), 0);
  config::threading::set_intra_op_parallelism_threads(1);
  EXPECT_EQ(config::threading::get_intra_op_parallelism_threads(), 1);
  EXPECT_EQ(compiled(), 1);
  config::threading::set_intra_op_parallelism_threads(2);
  EXPECT_EQ(compiled(), 2);
  config::threading::set_intra_op_parallelism_threads(0);
  EXPECT_THROW(config::threading::set_intra_op_parallelism_threads(-1),
               kiln::Error);
  EXPECT_EQ(config::threading::get_intra_op_parallelism_threads(), 0);
}

// Tests callbacks::TerminateOnNaN through the Keras API: a NaN input makes
// the first batch's loss NaN, training stops there, and fit does not
// suggest adding the callback that is already in the list.
TEST(FrontendFit, TerminateOnNaNStopsWithoutSuggestingItself) {
  std::mt19937 rng(33);
  Sequential model = classifier(rng);
  Tensor x = uniform(rng, {8, 5});
  x.data<float>()[0] = std::numeric_limits<float>::quiet_NaN();
  Tensor y = labels({0, 1, 2, 0, 1, 2, 0, 1});
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  History h = model.fit(x, y, {.epochs = 3, .batch_size = 4, .verbose = 0,
                               .callbacks = {callbacks::TerminateOnNaN()},
                               .shuffle = false});
  std::string out = testing::internal::GetCapturedStdout();
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(h.epoch, (std::vector<int>{0}));
  EXPECT_NE(out.find("Batch 0: Invalid loss, terminating training"),
            std::string::npos)
      << out;
  EXPECT_EQ(err.find("TerminateOnNaN"), std::string::npos) << err;
}
