// Tests kilnc --train: an artifact that goes on training from a saved
// optimizer state as the JIT's fit does, evaluates as Keras averages, takes
// class labels or float targets, and refuses what cannot train.
#include "test/unit/aot/AotFixture.h"

#include <fstream>

namespace fs = std::filesystem;
using namespace kiln;
using namespace kiln::test;

namespace {

/// `n` samples of 12 features in 4 classes, feature j leaning toward class
/// j % 4: separable enough that a small model learns them in an epoch.
struct Clusters {
  Clusters(int64_t n, unsigned seed) : x(size_t(n * 12)), y(size_t(n)) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal;
    for (int64_t i = 0; i < n; ++i) {
      y[size_t(i)] = int32_t(i % 4);
      for (int64_t j = 0; j < 12; ++j)
        x[size_t(i * 12 + j)] = normal(rng) + (j % 4 == y[size_t(i)] ? 1.5f : 0.f);
    }
  }
  std::vector<float> x;
  std::vector<int32_t> y;
};

// kilnc --train: a model trained for an epoch by the JIT and saved goes on
// training in the artifact from the saved optimizer state (Adam's moments
// and step count), batch for batch as the JIT does; evaluate averages as
// Keras's evaluate; bad labels change nothing.
TEST_F(AotTest, TrainingArtifactTrainsAsTheJit) {
  utils::set_random_seed(3);
  Sequential model("tiny");
  model.add(layers::Dense(16, {.activation = "relu", .input_shape = {12}}));
  model.add(layers::Dense(4, {.activation = "softmax"}));
  model.compile({.optimizer = optimizers::Adam{.learning_rate = 0.01},
                 .loss = "sparse_categorical_crossentropy",
                 .metrics = {"accuracy"}});
  const int64_t n = 40;
  Clusters data(n, 5);
  std::vector<float> &xv = data.x;
  std::vector<int32_t> &yv = data.y;
  Tensor x = Tensor::fromVector(xv, {n, 12});
  Tensor y = Tensor::fromVector(yv, {n});
  model.fit(x, y, {.epochs = 1, .batch_size = 16, .verbose = 0,
                   .shuffle = false});
  std::string keras = (dir / "tiny.keras").string();
  model.save(keras);
  std::string lib = (dir / "libtiny.so").string();
  Command r = run(kilnc(keras + " --train --name=tiny -o " + lib));
  ASSERT_EQ(r.status, 0) << r.output;
  std::string header = run("cat " + (dir / "tiny.h").string()).output;
  EXPECT_NE(header.find("int tiny_train_step(const float *x, const int32_t "
                        "*y, int64_t n, float *results);"),
            std::string::npos)
      << header;
  EXPECT_NE(header.find("{\"loss\", \"accuracy\"}"), std::string::npos);
  ASSERT_NE(load(lib, "tiny"), nullptr);
  void *h = handles.back();
  auto sym = [&](const char *name) {
    void *f = dlsym(h, (std::string("tiny_") + name).c_str());
    EXPECT_NE(f, nullptr) << name;
    return f;
  };
  auto trainStep = reinterpret_cast<int (*)(const float *, const int32_t *,
                                            int64_t, float *)>(
      sym("train_step"));
  auto evaluate = reinterpret_cast<int (*)(const float *, const int32_t *,
                                           int64_t, int64_t, float *)>(
      sym("evaluate"));
  auto getWeights = reinterpret_cast<int (*)(float *)>(sym("get_weights"));
  auto setWeights = reinterpret_cast<int (*)(const float *)>(
      sym("set_weights"));
  auto getRate = reinterpret_cast<float (*)()>(sym("get_learning_rate"));
  auto setRate = reinterpret_cast<int (*)(float)>(sym("set_learning_rate"));
  auto iterations = reinterpret_cast<int64_t (*)()>(sym("iterations"));
  ASSERT_TRUE(trainStep && evaluate && getWeights && setWeights && getRate &&
              setRate && iterations);
  EXPECT_EQ(iterations(), 3); // 40 samples in batches of 16
  EXPECT_FLOAT_EQ(getRate(), 0.01f);

  // The saved weights are the artifact's.
  const size_t total = 12 * 16 + 16 + 16 * 4 + 4;
  auto flat = [](const std::vector<Tensor> &ws) {
    std::vector<float> v;
    for (const Tensor &w : ws)
      v.insert(v.end(), w.data<float>(), w.data<float>() + w.size());
    return v;
  };
  std::vector<float> weights(total);
  ASSERT_EQ(getWeights(weights.data()), 0);
  EXPECT_LE(maxAbsDiff(weights.data(), flat(model.get_weights()).data(),
                       total),
            0.f);

  // A label out of range, a null pointer, no samples: refused, nothing
  // changes.
  std::vector<int32_t> bad(yv);
  bad[7] = 4;
  float results[2];
  EXPECT_EQ(trainStep(xv.data(), bad.data(), 16, results), 1);
  bad[7] = -1;
  EXPECT_EQ(trainStep(xv.data(), bad.data(), 16, results), 1);
  EXPECT_EQ(evaluate(xv.data(), bad.data(), 16, 8, results), 1);
  EXPECT_EQ(trainStep(xv.data(), yv.data(), 0, results), 1);
  EXPECT_EQ(trainStep(nullptr, yv.data(), 16, results), 1);
  EXPECT_EQ(trainStep(xv.data(), yv.data(), 16, nullptr), 1);
  EXPECT_EQ(setRate(-1.f), 1);
  EXPECT_EQ(setRate(std::nanf("")), 1);
  EXPECT_EQ(setRate(INFINITY), 1);
  EXPECT_EQ(iterations(), 3);
  std::vector<float> same(total);
  ASSERT_EQ(getWeights(same.data()), 0);
  EXPECT_EQ(same, weights);

  // A second epoch, in the same batches: the JIT's fit and the artifact.
  History history = model.fit(x, y, {.epochs = 1, .batch_size = 16,
                                     .verbose = 0, .shuffle = false});
  float last[2] = {0, 0};
  for (int64_t start = 0; start < n; start += 16) {
    int64_t rows = std::min<int64_t>(16, n - start);
    ASSERT_EQ(trainStep(xv.data() + start * 12, yv.data() + start, rows,
                        last),
              0);
  }
  EXPECT_EQ(iterations(), 6);
  ASSERT_EQ(getWeights(weights.data()), 0);
  std::vector<float> jit = flat(model.get_weights());
  EXPECT_LE(maxAbsDiff(weights.data(), jit.data(), total), 1e-5f);
  EXPECT_TRUE(std::isfinite(last[0]));

  // evaluate: Keras's weighted mean over uneven batches (40 = 3 x 13 + 1).
  std::vector<double> expected =
      model.evaluate(x, y, {.batch_size = 13, .verbose = 0});
  ASSERT_EQ(evaluate(xv.data(), yv.data(), n, 13, results), 0);
  EXPECT_NEAR(results[0], expected[0], 1e-5);
  EXPECT_NEAR(results[1], expected[1], 1e-6);

  // set_weights and the learning rate reach the next step: with a rate of
  // 0, Adam moves nothing.
  ASSERT_EQ(setRate(0.f), 0);
  EXPECT_EQ(getRate(), 0.f);
  std::vector<float> zeros(total, 0.f);
  ASSERT_EQ(setWeights(zeros.data()), 0);
  ASSERT_EQ(trainStep(xv.data(), yv.data(), 16, last), 0);
  ASSERT_EQ(getWeights(weights.data()), 0);
  EXPECT_EQ(weights, zeros);
  EXPECT_NEAR(last[0], std::log(4.f), 1e-6); // uniform softmax over 4
  EXPECT_EQ(setWeights(nullptr), 1);
  EXPECT_EQ(getWeights(nullptr), 1);
}

// One-hot targets (categorical_crossentropy) are floats; SGD has no slots.
TEST_F(AotTest, TrainingArtifactTakesFloatTargets) {
  std::string keras = (dir / "small.keras").string();
  Sequential model = smallCnn(keras);
  std::string lib = (dir / "libcnn.so").string();
  Command r = run(kilnc(keras + " --train --name=cnn -o " + lib));
  ASSERT_EQ(r.status, 0) << r.output;
  ASSERT_NE(load(lib, "cnn"), nullptr);
  auto evaluate = reinterpret_cast<int (*)(const float *, const float *,
                                           int64_t, int64_t, float *)>(
      dlsym(handles.back(), "cnn_evaluate"));
  ASSERT_NE(evaluate, nullptr);
  const int64_t n = 9;
  Tensor x = inputs(n);
  std::vector<float> onehot(n * 5, 0.f);
  for (int64_t i = 0; i < n; ++i)
    onehot[i * 5 + i % 5] = 1.f;
  Tensor y = Tensor::fromVector(onehot, {n, 5});
  std::vector<double> expected =
      model.evaluate(x, y, {.batch_size = 4, .verbose = 0});
  float results[1];
  ASSERT_EQ(evaluate(x.data<float>(), onehot.data(), n, 4, results), 0);
  EXPECT_NEAR(results[0], expected[0], 1e-5);
  EXPECT_GT(results[0], 0.1f);
}

// kilnc --train refuses a model file with no compile config, an
// executable, and confusion metrics.
TEST_F(AotTest, TrainingNeedsACompiledModelAndALibrary) {
  utils::set_random_seed(3);
  Sequential model("plain");
  model.add(layers::Dense(2, {.input_shape = {3}}));
  std::string keras = (dir / "plain.keras").string();
  model.save(keras);
  Command r = run(kilnc(keras + " --train -o " + (dir / "a.so").string()));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("--train needs a model saved after compile()"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(dir / "a.so"));
  r = run(kilnc(keras + " --train --emit=exe -o " + (dir / "a").string()));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("an executable only predicts"), std::string::npos)
      << r.output;

  // A confusion metric accumulates counts the C entry points cannot
  // report: --train refuses it by name; prediction alone compiles.
  model.compile({.optimizer = "sgd", .loss = "mse", .metrics = {"AUC"}});
  model.save(keras);
  r = run(kilnc(keras + " --train -o " + (dir / "b.so").string()));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("@loss result #1 is not a 0-d loss or metric mean but "
                          "a tensor of 800 confusion counts"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(dir / "b.so"));
  r = run(kilnc(keras + " -o " + (dir / "c.so").string()));
  EXPECT_EQ(r.status, 0) << r.output;
}

// BatchNormalization and a seeded Dropout ahead of time: the artifact
// predicts with the moving statistics as the JIT does, and its train step
// drops the same units (same seed, same step counter) and moves the moving
// statistics as the JIT's, so an epoch in both ends at the same weights.
TEST_F(AotTest, BatchNormalizationAndDropoutTrainAsTheJit) {
  utils::set_random_seed(4);
  Sequential model("bn");
  model.add(layers::Dense(16, {.activation = "relu", .input_shape = {12}}));
  model.add(layers::BatchNormalization());
  model.add(layers::Dropout(0.25, {.seed = 4}));
  model.add(layers::Dense(4, {.activation = "softmax"}));
  model.compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy"});
  const int64_t n = 32;
  Clusters data(n, 6);
  std::vector<float> &xv = data.x;
  std::vector<int32_t> &yv = data.y;
  Tensor x = Tensor::fromVector(xv, {n, 12});
  Tensor y = Tensor::fromVector(yv, {n});
  FitOptions epoch = {.epochs = 1, .batch_size = 8, .verbose = 0, .shuffle = false};
  model.fit(x, y, epoch);
  std::string keras = (dir / "bn.keras").string();
  model.save(keras);
  std::string lib = (dir / "libbn.so").string();
  Command r = run(kilnc(keras + " --train --name=bn -o " + lib));
  ASSERT_EQ(r.status, 0) << r.output;
  PredictFn predict = load(lib, "bn");
  ASSERT_NE(predict, nullptr);
  Tensor expected = model.predict(x, {.verbose = 0});
  std::vector<float> out(size_t(n * 4));
  ASSERT_EQ(predict(xv.data(), n, out.data()), 0);
  EXPECT_LE(maxAbsDiff(out.data(), expected.data<float>(), out.size()), 1e-6f);

  void *h = handles.back();
  auto trainStep = reinterpret_cast<int (*)(const float *, const int32_t *,
                                            int64_t, float *)>(
      dlsym(h, "bn_train_step"));
  auto getWeights = reinterpret_cast<int (*)(float *)>(dlsym(h, "bn_get_weights"));
  ASSERT_TRUE(trainStep && getWeights);
  model.fit(x, y, epoch);
  float results[1];
  for (int64_t start = 0; start < n; start += 8)
    ASSERT_EQ(trainStep(xv.data() + start * 12, yv.data() + start, 8, results), 0);
  std::vector<float> jit;
  for (const Tensor &w : model.get_weights())
    jit.insert(jit.end(), w.data<float>(), w.data<float>() + w.size());
  ASSERT_EQ(jit.size(), size_t(12 * 16 + 16 + 4 * 16 + 16 * 4 + 4));
  std::vector<float> aot(jit.size());
  ASSERT_EQ(getWeights(aot.data()), 0);
  EXPECT_LE(maxAbsDiff(aot.data(), jit.data(), jit.size()), 1e-5f);
  // The moving mean (after kernel, bias, gamma, beta) moved from its zeros.
  EXPECT_NE(aot[12 * 16 + 16 + 32], 0.f);
}

} // namespace
