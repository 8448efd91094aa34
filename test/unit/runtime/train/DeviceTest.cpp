// fit, evaluate and predict with a StepDevice (suite RuntimeTrainDevice),
// on a fake device whose memory is host memory it hands out and tracks:
// every buffer a step receives must be the device's, the results must be
// those of the same steps without a device, and a failure the device
// reports after a step must reach the caller naming the step. (The GPU's
// own device, runtime/gpu/GpuDevice.h, runs these paths on the device
// machine: kiln-device-tests.)
#include "runtime/train/Train.h"

#include "../TestUtil.h"
#include "FakeModels.h"

#include <cstring>
#include <map>
#include <memory>

using kiln::Shape;
using kiln::Tensor;
using kiln::test::containsAll;
using kiln::test::errorOf;
using kiln::test::recorder;
using kiln::test::zeroParams;
using namespace kiln::train;

namespace {

class FakeDevice final : public kiln::abi::StepDevice {
public:
  std::string describe() const override { return "fake:0"; }

  Tensor empty(const Shape &shape, kiln::DType dtype) const override {
    Tensor host = Tensor::empty(shape, dtype);
    // Poison: a step or the runtime reading what nobody wrote sees NaNs.
    std::memset(host.raw(), 0xff, host.nbytes());
    auto *begin = static_cast<const char *>(host.raw());
    blocks_->emplace(begin, begin + std::max<size_t>(host.nbytes(), 1));
    return host;
  }

  void finish(const char *step) const override {
    ++*finished_;
    if (failAfter_ >= 0 && *finished_ > failAfter_)
      kiln::throwError(step, " failed on fake:0: an illegal memory access");
  }

  // Whether [p, p + bytes) lies in one block this device handed out.
  bool owns(const void *p, size_t bytes = 1) const {
    auto *c = static_cast<const char *>(p);
    auto it = blocks_->upper_bound(c);
    if (it == blocks_->begin())
      return false;
    --it;
    return c >= it->first && c + bytes <= it->second;
  }

  int finished() const { return *finished_; }
  void failAfter(int steps) { failAfter_ = steps; }

private:
  // Blocks stay listed after they are freed: the test only asks where
  // pointers came from.
  std::shared_ptr<std::map<const char *, const char *>> blocks_ =
      std::make_shared<std::map<const char *, const char *>>();
  std::shared_ptr<int> finished_ = std::make_shared<int>(0);
  int failAfter_ = -1;
};

FitOptions quiet(FitOptions o = {}) {
  o.verbose = 0;
  return o;
}

struct Data {
  Tensor x, y;
};
Data regression(int64_t n) {
  std::vector<float> xs, ys;
  for (int64_t i = 0; i < n; ++i) {
    float a = float(i) / float(n), b = float(i % 7) / 7.0f;
    xs.insert(xs.end(), {a, b});
    ys.push_back(2 * a - 3 * b + 0.5f);
  }
  return {Tensor::fromVector(xs, {n, 2}), Tensor::fromVector(ys, {n, 1})};
}

class RuntimeTrainDevice : public ::testing::Test {
protected:
  void SetUp() override { recorder().reset(); }
};

TEST_F(RuntimeTrainDevice, StepsSeeOnlyDeviceMemoryAndResultsMatchTheHost) {
  auto [x, y] = regression(70);
  for (bool shuffle : {false, true}) {
    auto host = kiln::test::linearRegression();
    ModelState hostState(host.signature, zeroParams(host.signature));
    History hh = fit(host, hostState, {x}, {y},
                     quiet({.epochs = 3, .batch_size = 16, .shuffle = shuffle,
                            .seed = 4}));

    auto device = std::make_shared<FakeDevice>();
    auto steps = kiln::test::linearRegression();
    steps.signature.device = device;
    ModelState state(steps.signature, zeroParams(steps.signature));
    for (const Tensor &p : state.params())
      EXPECT_TRUE(device->owns(p.raw(), p.nbytes()));
    for (const Tensor &s : state.slots())
      EXPECT_TRUE(device->owns(s.raw(), s.nbytes()));
    EXPECT_TRUE(device->owns(state.learningRateTensor().raw()));
    EXPECT_TRUE(device->owns(state.iterationsTensor().raw()));
    EXPECT_EQ(state.iterations(), 0);
    // The slots start at their initial value, not the poison.
    EXPECT_EQ(state.slots()[0].data<float>()[0], 0.0f);

    recorder().reset();
    History hd = fit(steps, state, {x}, {y},
                     quiet({.epochs = 3, .batch_size = 16, .shuffle = shuffle,
                            .seed = 4}));
    ASSERT_EQ(recorder().train.size(), 15u); // 5 batches (4 of 16, one of 6)
    for (const auto &call : recorder().train) {
      EXPECT_TRUE(device->owns(call.x, size_t(call.rows) * 2 * sizeof(float)))
          << "shuffle " << shuffle;
      EXPECT_TRUE(device->owns(call.y, size_t(call.rows) * sizeof(float)));
    }
    EXPECT_EQ(device->finished(), 15);
    EXPECT_EQ(hd.history["loss"], hh.history["loss"]) << "shuffle " << shuffle;
    EXPECT_EQ(hd.history["mae"], hh.history["mae"]);
    std::vector<Tensor> wd = state.get_weights(), wh = hostState.get_weights();
    for (size_t i = 0; i < wd.size(); ++i)
      for (int64_t k = 0; k < wd[i].size(); ++k)
        EXPECT_EQ(wd[i].data<float>()[k], wh[i].data<float>()[k]);
    EXPECT_EQ(state.iterations(), hostState.iterations());

    // evaluate and predict: the same figures; predictions in device memory.
    recorder().reset();
    std::vector<double> ed = evaluate(steps, state, {x}, {y}, 32);
    ASSERT_EQ(recorder().eval.size(), 3u);
    for (const auto &call : recorder().eval)
      EXPECT_TRUE(device->owns(call.x, size_t(call.rows) * 2 * sizeof(float)));
    EXPECT_EQ(ed, evaluate(host, hostState, {x}, {y}, 32));
  }
}

TEST_F(RuntimeTrainDevice, PredictionsAreWrittenInDeviceMemory) {
  auto host = kiln::test::meanTarget();
  ModelState hostState(host.signature, zeroParams(host.signature));
  auto device = std::make_shared<FakeDevice>();
  auto steps = kiln::test::meanTarget();
  steps.signature.device = device;
  ModelState state(steps.signature, zeroParams(steps.signature));
  std::vector<float> v(37);
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = float(i);
  Tensor x = Tensor::fromVector(v, {37, 1});
  recorder().reset();
  std::vector<Tensor> pd = predict(steps, state, {x}, 8);
  for (const auto &call : recorder().predict)
    EXPECT_TRUE(device->owns(call.x, size_t(call.rows) * sizeof(float)));
  std::vector<Tensor> ph = predict(host, hostState, {x}, 8);
  ASSERT_EQ(pd.size(), 1u);
  EXPECT_TRUE(device->owns(pd[0].raw(), pd[0].nbytes()));
  for (int64_t i = 0; i < 37; ++i)
    EXPECT_EQ(pd[0].data<float>()[i], ph[0].data<float>()[i]) << i;
  EXPECT_EQ(device->finished(), 5); // ceil(37 / 8) steps
}

TEST_F(RuntimeTrainDevice, AFailureAfterAStepNamesTheStep) {
  auto device = std::make_shared<FakeDevice>();
  device->failAfter(2);
  auto steps = kiln::test::linearRegression();
  steps.signature.device = device;
  ModelState state(steps.signature, zeroParams(steps.signature));
  auto [x, y] = regression(64);
  std::string e = errorOf(
      [&] { fit(steps, state, {x}, {y}, quiet({.epochs = 1, .batch_size = 16})); });
  EXPECT_TRUE(containsAll(e, {"fit: the compiled train_step", "failed on fake:0",
                              "illegal memory access"}))
      << e;
  EXPECT_EQ(recorder().train.size(), 3u);
}

} // namespace
