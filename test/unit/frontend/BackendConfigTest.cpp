// keras.json and Keras's backend settings: the file found through
// KILN_HOME (then KERAS_HOME, then ~/.keras), its epsilon clipping the
// compiled cross-entropy (the loss of a probability below it against
// -log(epsilon)), set_epsilon, and the errors naming the file for what
// Kiln cannot do (float64, channels_first, a malformed file).
#include "FrontendTestUtil.h"
#include "test/unit/ScopedEnv.h"

#include <cmath>
#include <filesystem>
#include <fstream>

using namespace kiln;
using namespace kiln::test;
namespace fs = std::filesystem;

namespace {

/// A folder holding keras.json with `text`, removed afterwards.
struct KerasHome {
  fs::path dir;
  explicit KerasHome(const std::string &text) {
    dir = fs::path(tempModelFile("keras-home", ""));
    fs::create_directories(dir);
    std::ofstream(dir / "keras.json") << text;
  }
  ~KerasHome() { fs::remove_all(dir); }
};

/// BCE of one sample whose prediction is exactly `p` (a Dense(1) with a
/// zero kernel and bias p, no activation) against label 1.
double bceOfPrediction(float p) {
  Sequential model;
  model.add(layers::Dense(1, {.input_shape = {1}}));
  model.compile({.optimizer = "sgd", .loss = "binary_crossentropy"});
  model.set_weights({f32({0}, {1, 1}), f32({p}, {1})});
  return model.evaluate(f32({0.5f}, {1, 1}), f32({1}, {1, 1}))[0];
}

} // namespace

TEST(FrontendBackendConfig, KerasJsonEpsilonClipsTheLoss) {
  {
    KerasHome home(R"({"floatx": "float32", "epsilon": 0.001, "backend": "tensorflow",
                       "image_data_format": "channels_last"})");
    ScopedEnv env("KILN_HOME", home.dir.c_str());
    backend::reload_config();
    EXPECT_EQ(backend::config_path(), (home.dir / "keras.json").string());
    EXPECT_DOUBLE_EQ(backend::epsilon(), 0.001);
    EXPECT_EQ(backend::floatx(), "float32");
    EXPECT_EQ(backend::image_data_format(), "channels_last");
    // -log(clip(1e-5, 1e-3, ...)) = -log(1e-3)
    EXPECT_NEAR(bceOfPrediction(1e-5f), -std::log(1e-3), 1e-4);
    backend::set_epsilon(1e-4);
    EXPECT_NEAR(bceOfPrediction(1e-5f), -std::log(1e-4), 1e-4);
  }
  {
    // KERAS_HOME when KILN_HOME is not set; no file: Keras's defaults.
    KerasHome home("{}");
    ScopedEnv kiln("KILN_HOME", nullptr), keras("KERAS_HOME", home.dir.c_str());
    backend::reload_config();
    EXPECT_EQ(backend::config_path(), (home.dir / "keras.json").string());
    EXPECT_DOUBLE_EQ(backend::epsilon(), 1e-7);
    EXPECT_NEAR(bceOfPrediction(1e-5f), -std::log(1e-5), 1e-3);
  }
  ScopedEnv kiln("KILN_HOME", "/nonexistent-kiln-home");
  backend::reload_config();
  EXPECT_EQ(backend::config_path(), "");
  EXPECT_DOUBLE_EQ(backend::epsilon(), 1e-7);
}

TEST(FrontendBackendConfig, WhatKilnCannotDoIsAnError) {
  for (auto [text, message] :
       {std::pair<const char *, const char *>{R"({"floatx": "float64"})",
                                              "floatx 'float64' is not supported"},
        {R"({"image_data_format": "channels_first"})",
         "image_data_format 'channels_first' is not supported"},
        {R"({"epsilon": -1})", "epsilon must be in (0, 0.5), got -1"},
        {R"({"epsilon": )", "keras.json"}}) {
    SCOPED_TRACE(text);
    KerasHome home(text);
    ScopedEnv env("KILN_HOME", home.dir.c_str());
    std::string msg = errorOf([] { backend::reload_config(); });
    EXPECT_NE(msg.find(message), std::string::npos) << msg;
    EXPECT_NE(msg.find((home.dir / "keras.json").string()), std::string::npos) << msg;
  }
  ScopedEnv env("KILN_HOME", "/nonexistent-kiln-home");
  backend::reload_config();
  EXPECT_NE(errorOf([] { backend::set_floatx("float16"); }).find("computes in float32"),
            std::string::npos);
  EXPECT_NE(errorOf([] { backend::set_epsilon(0); }).find("epsilon must be"),
            std::string::npos);
}
