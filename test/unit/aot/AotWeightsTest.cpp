// Tests where an artifact's weights and shapes come from: a weights file
// mapped at load and swapped (--weights=external), a .mlir module with a
// Kiln weights file, a batch fixed at compile time (--batch).
#include "test/unit/aot/AotFixture.h"

#include <fstream>

namespace fs = std::filesystem;
using namespace kiln;
using namespace kiln::test;

namespace {

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

} // namespace
