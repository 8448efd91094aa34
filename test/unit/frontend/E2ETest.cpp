// End-to-end runs of two seed programs with thresholds fit for CI (suite
// FrontendE2E; `ctest -R FrontendE2E` runs them, `-E FrontendE2E` skips
// them):
//  - XOR (seed 002): Dense(2, sigmoid, input_dim 2) -> Dense(1, sigmoid),
//    SGD(0.1), mse, batch 1, 3000 epochs: predictions round to [0, 1, 1, 0].
//  - Fashion-MNIST MLP (seed 001) on a subset: 12000 training images, 3
//    epochs of SGD at batch 32 must reach a test accuracy of at least 0.75
//    (kFashionThreshold; measured 0.80) on the full 10000-image test set.
#include "FrontendTestUtil.h"

#include <chrono>
#include <filesystem>

using namespace kiln;
using namespace kiln::test;

namespace {

// The subset run: the first 1000 training images validate, the next 12000
// train for 3 epochs of SGD (0.01, batch 32, set_random_seed(42), shuffle
// seed 42), and the full 10000-image test set is evaluated. Measured test
// accuracy: 0.7996 (seed 42), 0.8006 / 0.8036 / 0.8015 (seeds 1 / 2 / 3),
// about 15-20 s of training today; the threshold leaves 0.05 of margin.
// (Keras reaches about 0.88 after the seed's full 30 epochs on 55000.)
constexpr int64_t kTrainImages = 12000;
constexpr int kEpochs = 3;
constexpr uint64_t kSeed = 42;
constexpr double kFashionThreshold = 0.75;

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

} // namespace

// Tests seed 002's XOR network with several initialization seeds: each
// reaches predictions rounding to [0, 1, 1, 0] within 3000 epochs, as Keras
// does for most seeds.
TEST(FrontendE2E, XorReachesFullAccuracy) {
  Tensor x = f32({1, 1, 1, 0, 0, 1, 0, 0}, {4, 2});
  Tensor y = f32({0, 1, 1, 0}, {4, 1});
  for (uint64_t seed : {1, 2, 3}) {
    SCOPED_TRACE("set_random_seed(" + std::to_string(seed) + ")");
    auto start = std::chrono::steady_clock::now();
    utils::set_random_seed(seed);
    Sequential model;
    model.add(layers::Dense(2, {.activation = "sigmoid", .input_dim = 2}));
    model.add(layers::Dense(1, {.activation = "sigmoid"}));
    model.compile({.optimizer = optimizers::SGD{.learning_rate = 0.1}, .loss = "mse"});
    History h = model.fit(x, y, {.epochs = 3000, .batch_size = 1, .verbose = 0,
                                 .seed = seed});
    EXPECT_EQ(h.history["loss"].size(), 3000u);
    std::vector<float> p = values(model.predict(x));
    std::vector<float> rounded;
    for (float v : p)
      rounded.push_back(std::round(v));
    EXPECT_EQ(rounded, (std::vector<float>{0, 1, 1, 0}))
        << "predictions " << p[0] << " " << p[1] << " " << p[2] << " " << p[3];
    EXPECT_EQ(values(model.predict_classes(x)), (std::vector<float>{0, 1, 1, 0}));
    double loss = model.evaluate(x, y, {.batch_size = 1})[0];
    EXPECT_LT(loss, 0.1);
    EXPECT_LT(h.history["loss"].back(), h.history["loss"].front());
    std::printf("[ xor ] seed %llu: loss %.4f predictions %.3f %.3f %.3f %.3f "
                "(%.2fs)\n",
                static_cast<unsigned long long>(seed), loss, p[0], p[1], p[2],
                p[3], secondsSince(start));
  }
}

// Tests seed 001's Fashion-MNIST MLP on a 12000-image subset for 3 epochs:
// test accuracy >= kFashionThreshold (0.75); validation on the first 1000
// images before the subset, as the seed holds out the first 5000.
TEST(FrontendE2E, FashionMnistMlpSubset) {
  const std::string dir = datasets::fashion_mnist::kDefaultDir;
  if (!std::filesystem::exists(dir + "/train-images-idx3-ubyte.gz") &&
      !std::filesystem::exists(dir + "/train-images-idx3-ubyte"))
    GTEST_SKIP() << "Fashion-MNIST is not installed in " << dir
                 << " (apt-get install dataset-fashion-mnist)";
  auto start = std::chrono::steady_clock::now();
  auto [train, test] = datasets::fashion_mnist::load_data();
  Tensor X_valid = train.x.slice(0, 1000) / 255.0;
  Tensor y_valid = train.y.slice(0, 1000);
  Tensor X_train = train.x.slice(1000, 1000 + kTrainImages) / 255.0;
  Tensor y_train = train.y.slice(1000, 1000 + kTrainImages);
  Tensor X_test = test.x / 255.0;
  double loadSeconds = secondsSince(start);

  utils::set_random_seed(kSeed);
  Sequential model;
  model.add(layers::Flatten({.input_shape = {28, 28}}));
  model.add(layers::Dense(300, {.activation = "relu"}));
  model.add(layers::Dense(100, {.activation = "relu"}));
  model.add(layers::Dense(10, {.activation = "softmax"}));
  model.compile({.optimizer = "sgd",
                 .loss = "sparse_categorical_crossentropy",
                 .metrics = {"accuracy"}});
  auto trainStart = std::chrono::steady_clock::now();
  History h = model.fit(X_train, y_train,
                        {.epochs = kEpochs, .verbose = 0,
                         .validation_data = {{X_valid, y_valid}}, .seed = kSeed});
  double trainSeconds = secondsSince(trainStart);
  EXPECT_EQ(h.keys(), (std::vector<std::string>{"loss", "accuracy", "val_loss",
                                                "val_accuracy"}));

  EXPECT_EQ(h.params.steps, 375); // ceil(12000 / 32)
  const std::vector<double> &loss = h.history["loss"];
  ASSERT_EQ(loss.size(), size_t(kEpochs));
  for (int e = 1; e < kEpochs; ++e)
    EXPECT_LT(loss[e], loss[e - 1]) << "epoch " << e;

  std::vector<double> scores = model.evaluate(X_test, test.y);
  ASSERT_EQ(scores.size(), 2u);
  EXPECT_GE(scores[1], kFashionThreshold);
  // The first three test images, as the seed predicts them.
  Tensor probabilities = model.predict(X_test.slice(0, 3));
  ASSERT_EQ(probabilities.shape(), (Shape{3, 10}));
  for (int64_t i = 0; i < 3; ++i) {
    double s = 0;
    for (int64_t k = 0; k < 10; ++k)
      s += probabilities.at<float>({i, k});
    EXPECT_NEAR(s, 1.0, 1e-4);
  }
  std::printf("[ fashion-mnist ] load %.1fs, train %.1fs; loss %.4f -> %.4f, "
              "val_accuracy %.4f, test_loss %.4f, test_accuracy %.4f "
              "(threshold %.2f)\n",
              loadSeconds, trainSeconds, loss.front(), loss.back(),
              h.history["val_accuracy"].back(), scores[0], scores[1],
              kFashionThreshold);
}
