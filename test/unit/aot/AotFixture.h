// The fixture of the kilnc tests (AotTest*.cpp): a small CNN saved as a
// Keras file, dlopen'ed artifacts, seeded inputs.
#ifndef KILN_TEST_UNIT_AOT_AOTFIXTURE_H
#define KILN_TEST_UNIT_AOT_AOTFIXTURE_H

#include "frontend/Keras.h"
#include "test/unit/Subprocess.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <dlfcn.h>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace kiln::test {

using PredictFn = int (*)(const float *, int64_t, float *);
using VersionFn = const char *(*)();

inline std::string kilnc(const std::string &args) {
  return std::string(KILN_KILNC) + " " + args;
}

class AotTest : public ::testing::Test {
protected:
  void SetUp() override {
    dir = kiln::test::scratchDir("kiln-aot");
  }
  void TearDown() override {
    for (void *h : handles)
      dlclose(h);
    std::filesystem::remove_all(dir);
  }

  /// A small CNN with seeded weights, compiled for the JIT and saved.
  kiln::Sequential smallCnn(const std::string &path) {
    using namespace kiln;
    utils::set_random_seed(7);
    Sequential model("small_cnn");
    model.add(layers::Conv2D(
        4, 3, {.activation = "relu", .input_shape = {8, 8, 1}}));
    model.add(layers::MaxPooling2D());
    model.add(layers::Flatten());
    model.add(layers::Dense(5, {.activation = "softmax"}));
    model.compile({.optimizer = "sgd", .loss = "categorical_crossentropy"});
    model.save(path);
    return model;
  }

  /// dlopens `library` and returns its `<name>_predict`.
  PredictFn load(const std::string &library, const std::string &name) {
    void *h = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
    EXPECT_NE(h, nullptr) << dlerror();
    if (!h)
      return nullptr;
    handles.push_back(h);
    return reinterpret_cast<PredictFn>(dlsym(h, (name + "_predict").c_str()));
  }

  /// Saves `model` as <name>.keras, compiles it with kilnc (and `flags`)
  /// into lib<name>.so, and checks that its predict entry point gives the
  /// JIT's predictions for `x`. Returns the entry point, null on failure.
  PredictFn expectCompiledAsTheJit(kiln::Model &model, const std::string &name,
                                   const kiln::Tensor &x,
                                   const std::string &flags = "") {
    std::string keras = (dir / (name + ".keras")).string();
    model.save(keras);
    std::string lib = (dir / ("lib" + name + ".so")).string();
    kiln::test::Command r =
        kiln::test::run(kilnc(keras + " " + flags + " --name=" + name + " -o " + lib));
    EXPECT_EQ(r.status, 0) << r.output;
    PredictFn predict = r.status == 0 ? load(lib, name) : nullptr;
    EXPECT_NE(predict, nullptr);
    if (!predict)
      return nullptr;
    kiln::Tensor expected = model.predict(x, {.verbose = 0});
    std::vector<float> out(size_t(expected.size()));
    EXPECT_EQ(predict(x.data<float>(), x.shape()[0], out.data()), 0);
    float worst = 0;
    for (size_t i = 0; i < out.size(); ++i)
      worst = std::max(worst, std::abs(out[i] - expected.data<float>()[i]));
    EXPECT_LE(worst, 1e-6f) << name;
    return predict;
  }

  std::filesystem::path dir;
  std::vector<void *> handles;
};

inline kiln::Tensor inputs(int64_t n) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  std::vector<float> v(n * 64);
  for (float &x : v)
    x = u(rng);
  return kiln::Tensor::fromVector(v, {n, 8, 8, 1});
}

inline float maxAbsDiff(const float *a, const float *b, size_t n) {
  float m = 0;
  for (size_t i = 0; i < n; ++i)
    m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

} // namespace kiln::test

#endif // KILN_TEST_UNIT_AOT_AOTFIXTURE_H
