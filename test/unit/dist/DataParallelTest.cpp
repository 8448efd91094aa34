// Data-parallel training (frontend/Distribution.h). ctest runs this binary
// twice: alone (one process: the step's reduction is the identity) and
// under `mpirun -np 2` (dist.data_parallel_mpi), where every test compares
// the replicas against one process training on the same global batches.
#include "../frontend/FrontendTestUtil.h"

#include "frontend/Distribution.h"
#include "../ScopedEnv.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <csignal>
#include <cstdlib>
#include <random>

using namespace kiln;
using namespace kiln::test;

namespace {

std::shared_ptr<dist::Communicator> world() {
  return dist::launchedByMpirun() ? dist::mpi() : dist::local();
}

// With dropout, a replica's rows sit at other positions of its own batch
// than of the global one, so their masks differ from one process's (as in
// DDP): equal in distribution, not in value.
Sequential mlp(bool dropout = false) {
  Sequential model;
  model.add(layers::Dense(16, {.activation = "relu", .input_dim = 6}));
  if (dropout)
    model.add(layers::Dropout(0.2));
  model.add(layers::Dense(4, {.activation = "softmax"}));
  return model;
}

struct Data {
  Tensor x, y;
};

// The same data on every replica (each takes its part of every batch).
Data data(int64_t n) {
  std::mt19937 rng(42);
  Tensor x = uniform(rng, {n, 6});
  std::vector<int32_t> labels(static_cast<size_t>(n));
  const float *px = x.data<float>();
  for (int64_t i = 0; i < n; ++i)
    labels[size_t(i)] = (px[i * 6] > 0) * 2 + (px[i * 6 + 1] > 0);
  return {x, Tensor::fromVector(labels, {n})};
}

// Trains a fresh model from `w` with or without the distribution; returns
// the weights and the History.
std::pair<std::vector<Tensor>, History>
trainFrom(const std::vector<Tensor> &w, const Data &d, bool distributed,
      const char *optimizer, int64_t batch, int epochs,
      std::vector<std::shared_ptr<Callback>> callbacks = {}) {
  if (distributed)
    distribution::set_distribution({.communicator = world(), .bucket_bytes = 300});
  else
    distribution::clear_distribution();
  Sequential model = mlp();
  model.compile({.optimizer = optimizer, .loss = "sparse_categorical_crossentropy",
                 .metrics = {"accuracy"}});
  distribution::clear_distribution();
  model.set_weights(w);
  History h = model.fit(d.x, d.y, {.epochs = epochs, .batch_size = batch,
                                   .verbose = 0, .callbacks = callbacks,
                                   .seed = 7});
  return {model.get_weights(), h};
}

std::vector<Tensor> initialWeights(int seed) {
  Sequential model = mlp(); // built: its first layer has input_dim
  std::mt19937 rng(seed);
  return randomizeWeights(model, rng);
}

class DataParallel : public ::testing::Test {
protected:
  void SetUp() override { config::threading::set_intra_op_parallelism_threads(1); }
};

} // namespace

// The replicas end where one process ends on the same global batches
// (Adam and SGD, a ragged last batch of 6 rows split 3/3 and of 1 row that
// one replica sits out with a share of 0), and the epoch figures are the
// whole epochs'.
TEST_F(DataParallel, ReplicasEqualOneProcess) {
  for (int64_t n : {70, 65}) {
    Data d = data(n);
    std::vector<Tensor> w = initialWeights(3);
    for (const char *opt : {"adam", "sgd"}) {
      auto [one, h1] = trainFrom(w, d, false, opt, 16, 3);
      auto [many, hn] = trainFrom(w, d, true, opt, 16, 3);
      SCOPED_TRACE(std::string(opt) + ", " + std::to_string(n) + " samples, " +
                   world()->describe());
      expectWeightsNear(many, one, 2e-5);
      for (const char *key : {"loss", "accuracy"})
        for (int e = 0; e < 3; ++e)
          EXPECT_NEAR(hn.history[key][e], h1.history[key][e], 2e-5) << key << " " << e;
    }
  }
}

// After every epoch every replica holds the same weights, bit for bit.
TEST_F(DataParallel, ReplicasHoldTheSameWeightsEveryEpoch) {
  auto comm = world();
  Data d = data(96);
  distribution::set_distribution({.communicator = comm});
  Sequential model = mlp(/*dropout=*/true);
  model.compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy"});
  distribution::clear_distribution();
  // Different initial weights on every replica: fit starts from rank 0's.
  // With dropout and different data on each, only the reduction keeps them
  // together.
  std::mt19937 rng(100 + comm->rank());
  randomizeWeights(model, rng);
  int checked = 0;
  auto check = callbacks::LambdaCallback(callbacks::LambdaCallbackOptions{
      .on_epoch_end = [&](int, Logs &) {
        ++checked;
        // Rank 0's weights against this replica's.
        for (const Tensor &t : model.get_weights()) {
          std::vector<float> mine(t.data<float>(), t.data<float>() + t.size());
          std::vector<float> first = mine;
          comm->broadcast(first.data(), int64_t(first.size() * sizeof(float)), 0);
          double differ = mine == first ? 0.0 : 1.0;
          comm->allReduceSum(&differ, 1);
          EXPECT_EQ(differ, 0.0) << "rank " << comm->rank();
        }
      }});
  model.fit(d.x, d.y, {.epochs = 3, .batch_size = 10, .verbose = 0,
                       .callbacks = {check}});
  EXPECT_EQ(checked, 3);
}

// evaluate and predict split the samples between the replicas and return
// the whole set's figures and predictions on every one (37 samples in
// batches of 5; 1 sample leaves a replica without rows).
TEST_F(DataParallel, EvaluateAndPredictSplitTheSamples) {
  std::vector<Tensor> w = initialWeights(5);
  distribution::set_distribution({.communicator = world()});
  Sequential shared = mlp();
  shared.compile({.optimizer = "sgd", .loss = "sparse_categorical_crossentropy",
                  .metrics = {"accuracy"}});
  distribution::clear_distribution();
  Sequential alone = mlp();
  alone.compile({.optimizer = "sgd", .loss = "sparse_categorical_crossentropy",
                 .metrics = {"accuracy"}});
  shared.set_weights(w);
  alone.set_weights(w);
  for (int64_t n : {37, 1}) {
    Data d = data(n);
    std::vector<double> a = alone.evaluate(d.x, d.y, {.batch_size = 5});
    std::vector<double> b = shared.evaluate(d.x, d.y, {.batch_size = 5});
    ASSERT_EQ(a.size(), b.size());
    for (size_t k = 0; k < a.size(); ++k)
      EXPECT_NEAR(b[k], a[k], 1e-6) << n << " samples, result " << k;
    expectTensorNear(shared.predict(d.x, {.batch_size = 5}),
                     alone.predict(d.x, {.batch_size = 5}), 1e-6);
  }
}

// The tutorial's MLP on 10,000 Fashion-MNIST images: the replicas reach one
// process's test accuracy after the same epochs.
TEST_F(DataParallel, FashionMnistMlpMatchesOneProcess) {
  datasets::Dataset fm;
  try {
    fm = datasets::fashion_mnist::load_data();
  } catch (const Error &e) {
    GTEST_SKIP() << e.what();
  }
  auto &[train, test] = fm;
  Tensor x = train.x.slice(0, 10000) / 255.0, y = train.y.slice(0, 10000);
  Tensor xt = test.x / 255.0;
  auto run = [&](bool distributed) {
    if (distributed)
      distribution::set_distribution({.communicator = world()});
    Sequential model = exampleMlp();
    distribution::clear_distribution();
    std::mt19937 rng(1);
    randomizeWeights(model, rng, -0.07f, 0.07f);
    model.fit(x, y, {.epochs = 3, .batch_size = 32, .verbose = 0, .seed = 3});
    return model.evaluate(xt, test.y, {.batch_size = 256})[1];
  };
  double one = run(false), many = run(true);
  if (world()->rank() == 0)
    std::printf("test accuracy: one process %.4f, %s %.4f\n", one,
                world()->describe().c_str(), many);
  EXPECT_GT(one, 0.68); // SGD(0.01), 3 epochs of 10,000 images
  EXPECT_NEAR(many, one, 0.01) << world()->describe();
}

// The replicas must agree on the data; one process needs no agreement.
TEST_F(DataParallel, ReplicasMustAgreeOnTheData) {
  auto comm = world();
  if (comm->size() == 1)
    GTEST_SKIP() << "one process: nothing to disagree with";
  Data d = data(40 + comm->rank());
  distribution::set_distribution({.communicator = comm});
  Sequential model = mlp();
  model.compile({.optimizer = "sgd", .loss = "sparse_categorical_crossentropy"});
  distribution::clear_distribution();
  std::string e = errorOf([&] { model.fit(d.x, d.y, {.verbose = 0}); });
  EXPECT_NE(e.find("the replicas disagree on the number of training samples"),
            std::string::npos) << e;
}

TEST_F(DataParallel, Settings) {
  EXPECT_FALSE(distribution::distribution().has_value());
  {
    ScopedEnv env("KILN_DISTRIBUTION", "data_parallel");
    ASSERT_TRUE(distribution::distribution().has_value());
    EXPECT_EQ(distribution::distribution()->bucket_bytes, 25 << 20);
  }
  {
    ScopedEnv env("KILN_DISTRIBUTION", "model_parallel");
    std::string e = errorOf([] { distribution::distribution(); });
    EXPECT_NE(e.find("KILN_DISTRIBUTION=model_parallel: expected data_parallel or none"),
              std::string::npos) << e;
  }
  std::string e = errorOf([] { distribution::set_distribution({.bucket_bytes = 0}); });
  EXPECT_NE(e.find("bucket_bytes must be positive"), std::string::npos) << e;
  EXPECT_EQ(distribution::list_devices().size(), size_t(world()->size()));
}

// Run by dist.killed_replica (killed_replica_test.sh) alone: replica 1 dies
// in the middle of training; the others must not wait for it forever.
TEST_F(DataParallel, KilledReplica) {
  const char *victim = std::getenv("KILN_TEST_KILL_RANK");
  if (!victim)
    GTEST_SKIP() << "run by dist.killed_replica";
  auto comm = world();
  Data d = data(200);
  distribution::set_distribution({.communicator = comm});
  Sequential model = mlp();
  model.compile({.optimizer = "sgd", .loss = "sparse_categorical_crossentropy"});
  distribution::clear_distribution();
  auto killer = callbacks::LambdaCallback({.on_train_batch_end = [&](int64_t b, Logs &) {
    if (b == 3 && comm->rank() == std::atoi(victim))
      std::raise(SIGKILL);
  }});
  model.fit(d.x, d.y, {.epochs = 50, .batch_size = 8, .verbose = 0,
                       .callbacks = {killer}});
  ADD_FAILURE() << "rank " << comm->rank() << " trained on without replica " << victim;
}
