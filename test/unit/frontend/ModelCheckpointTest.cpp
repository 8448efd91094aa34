// Keras's ModelCheckpoint on a real compiled model: file names formatted
// as Python's str.format formats Keras's ({epoch:02d}, {val_loss:.2f},
// shortest floats, literal braces), a save every epoch, save_best_only
// keeping the best epoch's weights (and saying so with verbose 1),
// save_weights_only every N batches, and the errors.
//
// The model is one weight w (Dense(1), no bias, from 0) trained by SGD on
// y = 2x: w rises towards 2 each epoch. Validated on y = x, val_loss is
// best when w passes 1, early on, and worse after.
#include "FrontendTestUtil.h"

#include <filesystem>

using namespace kiln;
using namespace kiln::test;
namespace fs = std::filesystem;

namespace {

struct Trainer {
  Sequential model;
  Tensor x, y;
  fs::path dir;
  Trainer() {
    model.add(layers::Dense(1, {.use_bias = false, .kernel_initializer = "zeros",
                                .input_dim = 1}));
    model.compile({.optimizer = optimizers::SGD{.learning_rate = 0.1}, .loss = "mse"});
    std::vector<float> v;
    for (int i = 0; i < 16; ++i)
      v.push_back(-1.f + 2.f * float(i) / 15.f);
    x = f32(v, {16, 1});
    y = x * 2.0;
    dir = fs::path(tempModelFile("ckpt", "")).concat("-dir");
    fs::create_directories(dir);
  }
  ~Trainer() { fs::remove_all(dir); }
  History fit(std::shared_ptr<Callback> cb, int epochs,
              std::vector<std::vector<Tensor>> *perEpoch = nullptr) {
    auto recorder = callbacks::LambdaCallback({.on_epoch_end = [&](int, Logs &) {
      if (perEpoch)
        perEpoch->push_back(model.get_weights());
    }});
    return model.fit(x, y, {.epochs = epochs, .batch_size = 4, .verbose = 0,
                            .callbacks = {cb, recorder},
                            .validation_data = {{x, x}}, .shuffle = false});
  }
};

std::vector<std::string> filesIn(const fs::path &dir) {
  std::vector<std::string> names;
  for (const auto &e : fs::directory_iterator(dir))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

} // namespace

// Tests the file name formats against what Python's str.format gives.
TEST(FrontendModelCheckpoint, FormatsFilePathsAsPython) {
  train::ModelCheckpoint cb("m-{epoch:03d}-{val_loss:.2f}-{accuracy}-{loss:.1e}-{{x}}.keras");
  Logs logs;
  logs.set("loss", 0.123456);
  logs.set("accuracy", 0.875);
  logs.set("val_loss", 1.0 / 3.0);
  EXPECT_EQ(cb.format_filepath(6, logs), "m-007-0.33-0.875-1.2e-01-{x}.keras");
  train::ModelCheckpoint whole("{epoch}_{batch:02d}_{val_loss}.h5");
  logs.set("val_loss", 2.0);
  EXPECT_EQ(whole.format_filepath(0, logs, 4), "1_05_2.0.h5");
  std::string msg = errorOf([&] { cb.format_filepath(0, Logs{}); });
  EXPECT_NE(msg.find("no 'val_loss' (the logs have: (none), and epoch)"), std::string::npos)
      << msg;
}

// Tests a save at every epoch's end: one file per epoch named from its
// logs, the last one holding the final weights.
TEST(FrontendModelCheckpoint, SavesEveryEpoch) {
  Trainer s;
  auto cb = callbacks::ModelCheckpoint((s.dir / "m-{epoch:02d}-{loss:.3f}.keras").string());
  History h = s.fit(cb, 3);
  std::vector<std::string> want;
  for (int e = 0; e < 3; ++e) {
    char name[64];
    std::snprintf(name, sizeof name, "m-%02d-%.3f.keras", e + 1, h.history["loss"][size_t(e)]);
    want.push_back(name);
  }
  EXPECT_EQ(filesIn(s.dir), want);
  Model last = load_model((s.dir / want.back()).string());
  EXPECT_TRUE(weightsEqual(last.get_weights(), s.model.get_weights()));
}

// Tests save_best_only on val_loss: the file holds the best epoch's
// weights (not the last), best() is the lowest val_loss, and verbose 1
// prints tf.keras's lines.
TEST(FrontendModelCheckpoint, SaveBestOnly) {
  Trainer s;
  std::string path = (s.dir / "best.keras").string();
  auto cb = std::make_shared<train::ModelCheckpoint>(
      path, train::ModelCheckpointOptions{.verbose = 1, .save_best_only = true});
  std::vector<std::vector<Tensor>> perEpoch;
  testing::internal::CaptureStdout();
  History h = s.fit(cb, 6, &perEpoch);
  std::string out = testing::internal::GetCapturedStdout();
  const std::vector<double> &val = h.history["val_loss"];
  size_t bestEpoch = size_t(std::min_element(val.begin(), val.end()) - val.begin());
  ASSERT_LT(bestEpoch, 5u) << "the setup makes an early epoch the best";
  ASSERT_TRUE(cb->best().has_value());
  EXPECT_DOUBLE_EQ(*cb->best(), val[bestEpoch]);
  Model saved = load_model(path);
  EXPECT_TRUE(weightsEqual(saved.get_weights(), perEpoch[bestEpoch]));
  EXPECT_FALSE(weightsEqual(saved.get_weights(), s.model.get_weights()));
  EXPECT_NE(out.find("Epoch 00001: val_loss improved from inf to "), std::string::npos) << out;
  EXPECT_NE(out.find(", saving model to " + path), std::string::npos) << out;
  char line[96];
  std::snprintf(line, sizeof line, "Epoch 00006: val_loss did not improve from %0.5f",
                val[bestEpoch]);
  EXPECT_NE(out.find(line), std::string::npos) << out;
}

// Tests save_weights_only every 2 batches ({epoch} and {batch} in the
// name), and a missing monitor with save_best_only, which skips with a
// warning.
TEST(FrontendModelCheckpoint, WeightsEveryNBatches) {
  Trainer s;
  auto cb = callbacks::ModelCheckpoint(
      (s.dir / "w-{epoch}-{batch}.weights.h5").string(),
      {.save_weights_only = true, .save_freq = 2});
  s.fit(cb, 2);
  EXPECT_EQ(filesIn(s.dir), (std::vector<std::string>{"w-1-2.weights.h5", "w-1-4.weights.h5",
                                                       "w-2-2.weights.h5", "w-2-4.weights.h5"}));
  Sequential copy;
  copy.add(layers::Dense(1, {.use_bias = false, .input_dim = 1}));
  copy.load_weights((s.dir / "w-2-4.weights.h5").string());
  EXPECT_TRUE(weightsEqual(copy.get_weights(), s.model.get_weights()));

  fs::remove_all(s.dir);
  fs::create_directories(s.dir);
  auto missing = callbacks::ModelCheckpoint((s.dir / "m.keras").string(),
                                            {.monitor = "val_accuracy", .save_best_only = true});
  testing::internal::CaptureStderr();
  s.fit(missing, 1);
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("Can save best model only with val_accuracy available, skipping."),
            std::string::npos)
      << err;
  EXPECT_TRUE(filesIn(s.dir).empty());
}

// Tests the errors: a file name of the wrong kind, a placeholder the logs
// lack (fit stops with the message, no file written).
TEST(FrontendModelCheckpoint, Errors) {
  std::string msg = errorOf([] { callbacks::ModelCheckpoint("m.txt"); });
  EXPECT_NE(msg.find("must end in \".keras\" or \".h5\""), std::string::npos) << msg;
  msg = errorOf([] { callbacks::ModelCheckpoint("m.keras", {.save_weights_only = true}); });
  EXPECT_NE(msg.find("\".weights.h5\" or \".h5\" when save_weights_only"), std::string::npos)
      << msg;
  msg = errorOf([] { callbacks::ModelCheckpoint("m.keras", {.monitor = "mystery"}); });
  EXPECT_NE(msg.find("monitor=mystery"), std::string::npos) << msg;
  Trainer s;
  auto cb = callbacks::ModelCheckpoint((s.dir / "m-{val_auc:.2f}.keras").string());
  msg = errorOf([&] { s.fit(cb, 1); });
  EXPECT_NE(msg.find("no 'val_auc'"), std::string::npos) << msg;
  EXPECT_TRUE(filesIn(s.dir).empty());
}
