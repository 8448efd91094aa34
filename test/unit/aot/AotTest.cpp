// Tests kilnc end to end: a model saved by the frontend becomes a shared
// library (loaded here with dlopen), a static library that a C program
// links, for the host and for a generic x86-64; its predictions are the
// JIT's, its C entry point refuses bad arguments with error codes, it needs
// no LLVM or MLIR library, and kilnc refuses bad arguments and bad files.
#include "frontend/Keras.h"
#include "runtime/data/Npy.h"
#include "test/unit/Subprocess.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <dlfcn.h>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace fs = std::filesystem;
using namespace kiln;
using kiln::test::Command;
using kiln::test::run;

namespace {

using PredictFn = int (*)(const float *, int64_t, float *);
using VersionFn = const char *(*)();

std::string kilnc(const std::string &args) {
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
    fs::remove_all(dir);
  }

  /// A small CNN with seeded weights, compiled for the JIT and saved.
  Sequential smallCnn(const std::string &path) {
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

  fs::path dir;
  std::vector<void *> handles;
};

Tensor inputs(int64_t n) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  std::vector<float> v(n * 64);
  for (float &x : v)
    x = u(rng);
  return Tensor::fromVector(v, {n, 8, 8, 1});
}

float maxAbsDiff(const float *a, const float *b, size_t n) {
  float m = 0;
  for (size_t i = 0; i < n; ++i)
    m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

TEST_F(AotTest, SharedLibraryPredictsAsTheJit) {
  std::string keras = (dir / "small.keras").string();
  Sequential model = smallCnn(keras);
  std::string lib = (dir / "libsmall.so").string();
  Command r = run(kilnc(keras + " --name=small -o " + lib));
  ASSERT_EQ(r.status, 0) << r.output;
  ASSERT_TRUE(fs::exists(dir / "small.h"));
  PredictFn predict = load(lib, "small");
  ASSERT_NE(predict, nullptr);

  const int64_t n = 37; // not a multiple of any tile
  Tensor x = inputs(n);
  Tensor expected = model.predict(x, {.verbose = 0});
  std::vector<float> out(n * 5, -1.f);
  ASSERT_EQ(predict(x.data<float>(), n, out.data()), 0);
  EXPECT_LE(maxAbsDiff(out.data(), expected.data<float>(), out.size()), 1e-6f);
  // One sample at a time gives the same.
  std::vector<float> one(5);
  ASSERT_EQ(predict(x.data<float>() + 10 * 64, 1, one.data()), 0);
  EXPECT_LE(maxAbsDiff(one.data(), expected.data<float>() + 10 * 5, 5), 1e-6f);
}

TEST_F(AotTest, EntryPointRefusesBadArgumentsWithErrorCodes) {
  std::string keras = (dir / "small.keras").string();
  smallCnn(keras);
  std::string lib = (dir / "libchecked.so").string();
  Command r = run(kilnc(keras + " --name=checked -o " + lib));
  ASSERT_EQ(r.status, 0) << r.output;
  PredictFn predict = load(lib, "checked");
  ASSERT_NE(predict, nullptr);
  auto version = reinterpret_cast<VersionFn>(
      dlsym(handles.back(), "checked_version"));
  ASSERT_NE(version, nullptr);
  EXPECT_EQ(std::string(version()).rfind("kiln ", 0), 0u) << version();
  EXPECT_NE(std::string(version()).find("small.keras"), std::string::npos);

  std::vector<float> in(64, 0.5f), out(5);
  EXPECT_EQ(predict(in.data(), -1, out.data()), 1);
  EXPECT_EQ(predict(nullptr, 1, out.data()), 1);
  EXPECT_EQ(predict(in.data(), 1, nullptr), 1);
  EXPECT_EQ(predict(in.data(), int64_t(1) << 60, out.data()), 1);
  EXPECT_EQ(predict(nullptr, 0, nullptr), 0);
  ASSERT_EQ(predict(in.data(), 1, out.data()), 0);
  float sum = 0;
  for (float p : out)
    sum += p;
  EXPECT_NEAR(sum, 1.0f, 1e-5f); // softmax
  // Only the model's own symbols are exported, and no LLVM is needed.
  Command nm = run("nm -D --defined-only " + lib);
  EXPECT_NE(nm.output.find("checked_predict"), std::string::npos);
  EXPECT_EQ(nm.output.find("predict_step"), std::string::npos) << nm.output;
  EXPECT_EQ(nm.output.find("_mlir_"), std::string::npos) << nm.output;
  Command ldd = run("ldd " + lib);
  ASSERT_EQ(ldd.status, 0) << ldd.output;
  EXPECT_EQ(ldd.output.find("LLVM"), std::string::npos) << ldd.output;
  EXPECT_EQ(ldd.output.find("MLIR"), std::string::npos) << ldd.output;
  EXPECT_EQ(ldd.output.find("kiln"), std::string::npos) << ldd.output;
}

TEST_F(AotTest, GenericTargetPredictsTheSame) {
  std::string keras = (dir / "small.keras").string();
  smallCnn(keras);
  std::string host = (dir / "libhost.so").string(),
              generic = (dir / "libgeneric.so").string();
  Command r = run(kilnc(keras + " --name=host -o " + host));
  ASSERT_EQ(r.status, 0) << r.output;
  r = run(kilnc(keras + " --name=generic --target=x86-64-v2 -o " + generic));
  ASSERT_EQ(r.status, 0) << r.output;
  // x86-64-v2 has no AVX: no ymm or zmm register in its code.
  Command dis = run("objdump -d " + generic + " | grep -cE 'ymm|zmm'");
  EXPECT_EQ(dis.output, "0\n");
  PredictFn a = load(host, "host"), b = load(generic, "generic");
  ASSERT_TRUE(a && b);
  const int64_t n = 20;
  Tensor x = inputs(n);
  std::vector<float> outA(n * 5), outB(n * 5);
  ASSERT_EQ(a(x.data<float>(), n, outA.data()), 0);
  ASSERT_EQ(b(x.data<float>(), n, outB.data()), 0);
  EXPECT_LE(maxAbsDiff(outA.data(), outB.data(), outA.size()), 1e-6f);
}

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
  std::mt19937 rng(5);
  std::normal_distribution<float> normal;
  std::vector<float> xv(n * 12);
  std::vector<int32_t> yv(n);
  for (int64_t i = 0; i < n; ++i) {
    yv[i] = int32_t(i % 4);
    for (int64_t j = 0; j < 12; ++j)
      xv[i * 12 + j] = normal(rng) + (j % 4 == yv[i] ? 1.5f : 0.f);
  }
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

// --weights=external: the artifact maps OUT.weights when it loads, predicts
// as the embedded one, swaps in another model's weights of the same shapes
// (and refuses other files, keeping its own); training writes a private
// copy, never the file.
TEST_F(AotTest, ExternalWeightsAreMappedAndSwapped) {
  std::string keras = (dir / "small.keras").string();
  Sequential model = smallCnn(keras);
  std::string lib = (dir / "libext.so").string();
  Command r = run(kilnc(keras + " --weights=external --train --name=ext -o " +
                        lib));
  ASSERT_EQ(r.status, 0) << r.output;
  std::string weights = lib + ".weights";
  ASSERT_TRUE(fs::exists(weights));
  EXPECT_LT(fs::file_size(lib), fs::file_size(weights) + 100000);
  std::string before = run("md5sum < " + weights).output;
  PredictFn predict = load(lib, "ext");
  ASSERT_NE(predict, nullptr);
  auto loadWeights = reinterpret_cast<int (*)(const char *)>(
      dlsym(handles.back(), "ext_load_weights"));
  auto trainStep = reinterpret_cast<int (*)(const float *, const float *,
                                            int64_t, float *)>(
      dlsym(handles.back(), "ext_train_step"));
  ASSERT_TRUE(loadWeights && trainStep);

  const int64_t n = 6;
  Tensor x = inputs(n);
  Tensor expected = model.predict(x, {.verbose = 0});
  std::vector<float> out(n * 5);
  ASSERT_EQ(predict(x.data<float>(), n, out.data()), 0);
  EXPECT_LE(maxAbsDiff(out.data(), expected.data<float>(), out.size()), 1e-6f);

  // Another model of the same shapes: its weights, no recompilation.
  utils::set_random_seed(99);
  Sequential other("other");
  other.add(layers::Conv2D(4, 3, {.activation = "relu",
                                  .input_shape = {8, 8, 1}}));
  other.add(layers::MaxPooling2D());
  other.add(layers::Flatten());
  other.add(layers::Dense(5, {.activation = "softmax"}));
  other.compile({.optimizer = "sgd", .loss = "categorical_crossentropy"});
  std::string otherKeras = (dir / "other.keras").string();
  other.save(otherKeras);
  std::string otherLib = (dir / "libother.so").string();
  r = run(kilnc(otherKeras + " --weights=external --name=other -o " +
                otherLib));
  ASSERT_EQ(r.status, 0) << r.output;
  ASSERT_EQ(loadWeights((otherLib + ".weights").c_str()), 0);
  Tensor otherExpected = other.predict(x, {.verbose = 0});
  ASSERT_EQ(predict(x.data<float>(), n, out.data()), 0);
  EXPECT_LE(maxAbsDiff(out.data(), otherExpected.data<float>(), out.size()),
            1e-6f);

  // Not this model's: refused, the mapped weights stay.
  std::string mlpKeras = (dir / "mlp.keras").string();
  Sequential mlp("mlp");
  mlp.add(layers::Dense(3, {.input_shape = {4}}));
  mlp.save(mlpKeras);
  r = run(kilnc(mlpKeras + " --weights=external -o " +
                (dir / "libmlp.so").string()));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(loadWeights((dir / "libmlp.so.weights").c_str()), 3);
  EXPECT_EQ(loadWeights((dir / "missing.weights").c_str()), 3);
  std::string truncated = (dir / "truncated.weights").string();
  ASSERT_EQ(run("head -c 1000 " + weights + " > " + truncated).status, 0);
  EXPECT_EQ(loadWeights(truncated.c_str()), 3);
  EXPECT_EQ(loadWeights(nullptr), 1);
  ASSERT_EQ(predict(x.data<float>(), n, out.data()), 0);
  EXPECT_LE(maxAbsDiff(out.data(), otherExpected.data<float>(), out.size()),
            1e-6f);

  // Training changes the mapped copy, not the file.
  ASSERT_EQ(loadWeights(weights.c_str()), 0);
  std::vector<float> y(n * 5, 0.f);
  for (int64_t i = 0; i < n; ++i)
    y[i * 5 + i % 5] = 1.f;
  float loss;
  ASSERT_EQ(trainStep(x.data<float>(), y.data(), n, &loss), 0);
  std::vector<float> after(n * 5);
  ASSERT_EQ(predict(x.data<float>(), n, after.data()), 0);
  EXPECT_GT(maxAbsDiff(after.data(), expected.data<float>(), after.size()),
            0.f);
  EXPECT_EQ(run("md5sum < " + weights).output, before);

  // An executable finds PROGRAM.weights, or takes --weights.
  std::string exe = (dir / "predict").string();
  r = run(kilnc(keras + " --weights=external --emit=exe -o " + exe));
  ASSERT_EQ(r.status, 0) << r.output;
  std::string csv = (dir / "x.csv").string();
  {
    std::ofstream f(csv);
    for (int64_t i = 0; i < 64; ++i)
      f << (i ? "," : "") << x.data<float>()[i];
    f << "\n";
  }
  r = run(exe + " " + csv);
  ASSERT_EQ(r.status, 0) << r.output;
  fs::rename(exe + ".weights", dir / "moved.weights");
  r = run(exe + " " + csv);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("no weights"), std::string::npos) << r.output;
  r = run(exe + " " + csv + " --weights " + (dir / "moved.weights").string());
  EXPECT_EQ(r.status, 0) << r.output;
}

// A .mlir model (Model::to_mlir's kiln IR) with a Kiln weights file
// (--emit=weights) compiles to the same predictions; with --train (the IR of
// a compiled model: @loss and #kiln.optimizer) it trains from a fresh
// optimizer state. Bad IR and bad weights files are refused with reasons.
TEST_F(AotTest, MlirModelWithAWeightsFile) {
  std::string keras = (dir / "small.keras").string();
  Sequential model = smallCnn(keras);
  std::string mlir = (dir / "small.mlir").string(),
              weights = (dir / "small.weights").string();
  Command r = run(kilnc(keras + " --train --emit=mlir -o " + mlir));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(run("grep -c 'func.func @loss' " + mlir).output, "0\n");
  r = run(kilnc(keras + " --emit=weights -o " + weights));
  ASSERT_EQ(r.status, 0) << r.output;
  std::string lib = (dir / "libfromir.so").string();
  r = run(kilnc(mlir + " --train --weights " + weights + " --name=fromir -o " +
                lib));
  ASSERT_EQ(r.status, 0) << r.output;
  PredictFn predict = load(lib, "fromir");
  ASSERT_NE(predict, nullptr);
  const int64_t n = 7;
  Tensor x = inputs(n);
  Tensor expected = model.predict(x, {.verbose = 0});
  std::vector<float> out(n * 5);
  ASSERT_EQ(predict(x.data<float>(), n, out.data()), 0);
  EXPECT_LE(maxAbsDiff(out.data(), expected.data<float>(), out.size()), 1e-6f);
  auto iterations = reinterpret_cast<int64_t (*)()>(
      dlsym(handles.back(), "fromir_iterations"));
  ASSERT_NE(iterations, nullptr);
  EXPECT_EQ(iterations(), 0);

  r = run(kilnc(mlir + " -o " + (dir / "none.so").string()));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("holds no weights"), std::string::npos) << r.output;
  std::string truncated = (dir / "truncated.weights").string();
  ASSERT_EQ(run("head -c 500 " + weights + " > " + truncated).status, 0);
  r = run(kilnc(mlir + " --weights " + truncated));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("truncated?"), std::string::npos) << r.output;
  std::string bad = (dir / "bad.mlir").string();
  {
    std::ofstream f(bad);
    f << "func.func @forward(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {\n"
         "  %y = kiln.relu %x : tensor<?x4xf32>\n"
         "  return %y : tensor<?x3xf32>\n}\n";
  }
  r = run(kilnc(bad + " --weights=external"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("bad.mlir is not valid kiln IR"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("bad.mlir\":2:"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "bad.so"));
}

// kilnc --train refuses a model file with no compile config, and an
// executable.
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
}

// --batch=4: static shapes; any n still predicts (10 = 2 x 4 + a padded 2),
// as the JIT does.
TEST_F(AotTest, FixedBatchPredictsAnyCount) {
  std::string keras = (dir / "small.keras").string();
  Sequential model = smallCnn(keras);
  std::string lib = (dir / "libfixed.so").string();
  Command r = run(kilnc(keras + " --batch=4 --name=fixed -o " + lib));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(run("cat " + (dir / "fixed.h").string()).output.find(
                "#define FIXED_BATCH 4"),
            std::string::npos);
  // The step is compiled for 4 samples: no dynamic batch in its IR.
  r = run(kilnc(keras + " --batch=4 --emit=mlir --stage=steps -o " +
                (dir / "steps.mlir").string()));
  ASSERT_EQ(r.status, 0) << r.output;
  std::string steps = run("cat " + (dir / "steps.mlir").string()).output;
  EXPECT_NE(steps.find("memref<4x8x8x1xf32>"), std::string::npos) << steps;
  EXPECT_EQ(steps.find("memref<?x"), std::string::npos);
  PredictFn predict = load(lib, "fixed");
  ASSERT_NE(predict, nullptr);
  for (int64_t n : {1, 4, 10}) {
    Tensor x = inputs(n);
    Tensor expected = model.predict(x, {.verbose = 0});
    std::vector<float> out(n * 5, -1.f);
    ASSERT_EQ(predict(x.data<float>(), n, out.data()), 0) << n;
    EXPECT_LE(maxAbsDiff(out.data(), expected.data<float>(), out.size()),
              1e-6f)
        << n;
  }
  r = run(kilnc(keras + " --batch=4 --train -o " + (dir / "t.so").string()));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("a fixed batch is for prediction"),
            std::string::npos)
      << r.output;
  r = run(kilnc(keras + " --batch=-2 -o " + (dir / "t.so").string()));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("the batch must be positive"), std::string::npos)
      << r.output;
}

TEST_F(AotTest, CProgramClassifiesFashionMnistLikeKeras) {
  const std::string keras = KILN_SOURCE_DIR "/../shared"
      "/keras-files/k3-cnn-dotkeras-fmnist/fashion_mnist_cnn.keras";
  const std::string data = "/usr/share/datasets/fashion-mnist";
  if (!fs::exists(keras) || !fs::exists(data + "/t10k-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "needs " << keras << " and Debian's dataset-fashion-mnist";
  std::string lib = (dir / "libmodel.a").string();
  Command r = run(kilnc(keras + " --name=model --emit=staticlib -o " + lib));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(run("head -c 8 " + lib).output, "!<arch>\n");
  std::string exe = (dir / "classify").string();
  r = run(std::string(KILN_C_COMPILER) + " -O2 -I" + dir.string() + " " +
          KILN_SOURCE_DIR "/examples/aot/classify.c " + lib +
          " -lz -lm -o " + exe);
  ASSERT_EQ(r.status, 0) << r.output;
  r = run(exe + " " + data);
  ASSERT_EQ(r.status, 0) << r.output;
  // ../shared/keras-files/README.md: 9096/10000 with Keras (and NumPy).
  EXPECT_NE(r.output.find("accuracy: 9096/10000"), std::string::npos)
      << r.output;

  // The same C program against the model as a shared library.
  fs::path shared = dir / "shared";
  fs::create_directories(shared);
  r = run(kilnc(keras + " --name=model -o " + (shared / "libmodel.so").string()));
  ASSERT_EQ(r.status, 0) << r.output;
  std::string sharedExe = (shared / "classify").string();
  r = run(std::string(KILN_C_COMPILER) + " -O2 -I" + shared.string() + " " +
          KILN_SOURCE_DIR "/examples/aot/classify.c -L" + shared.string() +
          " -lmodel -Wl,-rpath," + shared.string() + " -lz -lm -o " +
          sharedExe);
  ASSERT_EQ(r.status, 0) << r.output;
  r = run(sharedExe + " " + data);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("accuracy: 9096/10000"), std::string::npos)
      << r.output;

  // The same model as a program of its own, on the IDX files as Debian
  // ships them (gzip), for any x86-64 with SSE4.2.
  std::string program = (dir / "fmnist").string();
  r = run(kilnc(keras + " --emit=exe --target=x86-64-v2 -o " + program));
  ASSERT_EQ(r.status, 0) << r.output;
  r = run("ldd " + program);
  EXPECT_EQ(r.output.find("libz"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("LLVM"), std::string::npos) << r.output;
  r = run(program + " " + data + "/t10k-images-idx3-ubyte.gz --scale " +
          "0.00392156862745098 --classes --labels " + data +
          "/t10k-labels-idx1-ubyte.gz -o " + (dir / "classes.csv").string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("accuracy: 9096/10000"), std::string::npos)
      << r.output;
}

TEST_F(AotTest, CMakeProjectBuildsAgainstAKilncLibrary) {
  std::string keras = (dir / "small.keras").string();
  smallCnn(keras);
  // examples/aot's project, configured and built out of tree; classify
  // itself needs 784 inputs, so the build is what is checked here.
  fs::path build = dir / "build";
  Command r = run("cmake -S " KILN_SOURCE_DIR "/examples/aot -B " +
                  build.string() + " -G Ninja -DKILNC=" KILN_KILNC
                  " -DKILN_MODEL=" + keras +
                  " -DKILN_TARGET=x86-64-v3 -DCMAKE_C_COMPILER=" +
                  KILN_C_COMPILER);
  ASSERT_EQ(r.status, 0) << r.output;
  r = run("cmake --build " + build.string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(fs::exists(build / "model.h"));
  r = run((build / "classify").string() + " " + dir.string());
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("takes 64 values per sample"), std::string::npos)
      << r.output;
}

TEST_F(AotTest, ExecutableReadsNpyAndCsvAndRejectsWrongShapes) {
  std::string keras = (dir / "small.keras").string();
  Sequential model = smallCnn(keras);
  std::string exe = (dir / "small").string();
  Command r = run(kilnc(keras + " --emit=exe -o " + exe));
  ASSERT_EQ(r.status, 0) << r.output;
  r = run("ldd " + exe);
  EXPECT_EQ(r.output.find("libz"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("LLVM"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("stdc++"), std::string::npos) << r.output;

  const int64_t n = 9;
  Tensor x = inputs(n);
  Tensor expected = model.predict(x, {.verbose = 0});
  io::writeNpy((dir / "in.npy").string(), x);
  r = run(exe + " " + (dir / "in.npy").string() + " -o " +
          (dir / "out.npy").string());
  ASSERT_EQ(r.status, 0) << r.output;
  Tensor out = io::readNpy((dir / "out.npy").string());
  ASSERT_EQ(out.shape(), (Shape{n, 5}));
  EXPECT_LE(maxAbsDiff(out.data<float>(), expected.data<float>(), out.size()),
            1e-6f);

  // CSV in, classes out on stdout.
  {
    std::ofstream csv(dir / "in.csv");
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < 64; ++j)
        csv << x.data<float>()[i * 64 + j] << (j == 63 ? "\n" : ",");
  }
  r = run(exe + " --classes " + (dir / "in.csv").string());
  ASSERT_EQ(r.status, 0) << r.output;
  Tensor classes = model.predict_classes(x, {.verbose = 0});
  std::string want;
  for (int64_t i = 0; i < n; ++i)
    want += std::to_string(classes.data<int64_t>()[i]) + "\n";
  EXPECT_EQ(r.output, want);

  // A sample of the wrong size, an unknown option, a missing file.
  std::ofstream(dir / "short.csv") << "1,2,3\n";
  r = run(exe + " " + (dir / "short.csv").string() + " -o " +
          (dir / "never.npy").string());
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("has 3 values per sample, but the model takes 64 "
                          "(shape (8, 8, 1))"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(dir / "never.npy"));
  r = run(exe + " --frobnicate x");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("unknown option --frobnicate"), std::string::npos);
  r = run(exe + " " + (dir / "absent.npy").string());
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("absent.npy"), std::string::npos) << r.output;
  r = run(exe + " --help");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.output.find("(8, 8, 1)"), std::string::npos) << r.output;
}

TEST_F(AotTest, KilncRefusesBadArgumentsAndFiles) {
  std::string keras = (dir / "small.keras").string();
  smallCnn(keras);
  std::string out = (dir / "out.so").string();
  struct Case {
    std::string args, message;
  } cases[] = {
      {(dir / "missing.keras").string(), "missing.keras"},
      {keras + " --name=9lives", "not a C identifier"},
      {keras + " --target=notacpu", "unknown CPU 'notacpu'"},
      {keras + " --threads=0", "--threads must be at least 1"},
      {keras + " -O7", "-O takes 0 to 3"},
  };
  for (const Case &c : cases) {
    Command r = run(kilnc(c.args + " -o " + out));
    EXPECT_EQ(r.status, 1) << c.args << ": " << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos)
        << c.args << ": " << r.output;
    EXPECT_FALSE(fs::exists(out)) << c.args;
  }
  // A file that is not a model.
  std::ofstream(dir / "junk.keras") << "not a zip archive";
  Command r = run(kilnc((dir / "junk.keras").string() + " -o " + out));
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("junk.keras"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(AotTest, EmitsHeaderMlirAndLlvm) {
  std::string keras = (dir / "small.keras").string();
  smallCnn(keras);
  std::string h = (dir / "m.h").string();
  Command r = run(kilnc(keras + " --name=m --emit=header -o " + h));
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream hs(h);
  std::string header((std::istreambuf_iterator<char>(hs)), {});
  EXPECT_NE(header.find("int m_predict(const float *in, int64_t n, "
                        "float *out);"),
            std::string::npos)
      << header;
  EXPECT_NE(header.find("#define M_INPUT_SIZE 64"), std::string::npos);
  EXPECT_NE(header.find("#define M_OUTPUT_SIZE 5"), std::string::npos);
  // The header compiles as C and as C++.
  std::string c = (dir / "use.c").string();
  std::ofstream(c) << "#include \"m.h\"\nint main(void) { return "
                      "M_INPUT_RANK == 3 && m_input_shape[0] == 8 ? 0 : 1; }\n";
  r = run(std::string(KILN_C_COMPILER) + " -fsyntax-only -Wall -Werror -I" +
          dir.string() + " " + c);
  EXPECT_EQ(r.status, 0) << r.output;

  r = run(kilnc(keras + " --emit=mlir -o " + (dir / "m.mlir").string()));
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream ms(dir / "m.mlir");
  std::string mlir((std::istreambuf_iterator<char>(ms)), {});
  EXPECT_NE(mlir.find("func.func @forward"), std::string::npos) << mlir;
  EXPECT_NE(mlir.find("kiln.conv2d"), std::string::npos) << mlir;

  // Any stage of the pipeline, for the target asked.
  r = run(kilnc(keras + " --emit=mlir --stage=optimized --target=x86-64-v3 "
                        "-o -"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("vector.contract"), std::string::npos);
  EXPECT_NE(r.output.find("cpu = \"x86-64-v3\""), std::string::npos);
  r = run(kilnc(keras + " --emit=mlir --stage=nowhere -o -"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("unknown stage 'nowhere'"), std::string::npos)
      << r.output;
  r = run(kilnc(keras + " --emit=obj -o " + (dir / "p.o").string() +
                " --print-ir-after=kiln-tile --timing"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("IR Dump After KilnTilePass"), std::string::npos);
  EXPECT_NE(r.output.find("Execution time report"), std::string::npos);
  EXPECT_NE(r.output.find("llvm-codegen"), std::string::npos);

  r = run(kilnc(keras + " --name=m --emit=llvm -o " +
                (dir / "m.ll").string()));
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream ls(dir / "m.ll");
  std::string ll((std::istreambuf_iterator<char>(ls)), {});
  EXPECT_NE(ll.find("i32 @m_predict(ptr"), std::string::npos);
  EXPECT_NE(ll.find("@m_weights = internal"), std::string::npos);
}

} // namespace
