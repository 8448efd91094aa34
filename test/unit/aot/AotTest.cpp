// Tests kilnc end to end: a model saved by the frontend becomes a shared
// library (loaded here with dlopen), a static library that a C program
// links, for the host and for a generic x86-64; its predictions are the
// JIT's, its C entry point refuses bad arguments with error codes, it needs
// no LLVM or MLIR library, and kilnc refuses bad arguments and bad files.
#include "test/unit/aot/AotFixture.h"
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
using namespace kiln::test;

namespace {

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

// Embedding (masking id 0), the recurrent layers and their wrappers
// compile ahead of time: the time loop is a loop in the artifact, which
// predicts as the JIT does. A stateful model is refused, naming the layer.
TEST_F(AotTest, RecurrentLayersCompileAheadOfTime) {
  utils::set_random_seed(10);
  Sequential model("rnn");
  model.add(layers::Embedding(20, 4, {.mask_zero = true, .input_length = 6}));
  model.add(layers::Bidirectional(layers::LSTM(5, {.return_sequences = true})));
  model.add(layers::TimeDistributed(layers::Dense(3)));
  model.add(layers::GRU(4, {.return_sequences = true}));
  model.add(layers::SimpleRNN(3));
  model.add(layers::Dense(5, {.activation = "softmax"}));
  model.compile({.optimizer = "sgd", .loss = "categorical_crossentropy"});
  std::vector<float> ids(42);
  for (size_t i = 0; i < ids.size(); ++i)
    ids[i] = float((i * 7 + 3) % 20);
  expectCompiledAsTheJit(model, "rnn", Tensor::fromVector<float>(ids, {7, 6}));

  Sequential stateful("song");
  stateful.add(layers::LSTM(3, {.stateful = true, .batch_input_shape = {1, 4, 1}}));
  stateful.compile({.optimizer = "sgd", .loss = "mse"});
  std::string song = (dir / "song.keras").string();
  stateful.save(song);
  Command r = run(kilnc(song + " -o " + (dir / "libsong.so").string()));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("layer 'lstm"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("is stateful"), std::string::npos) << r.output;
}

// Layers of several outputs compile ahead of time: a Bidirectional LSTM
// with return_state and merge_mode None, its outputs and states joined
// into one output, predicts as the JIT does.
TEST_F(AotTest, ReturnStateCompilesAheadOfTime) {
  utils::set_random_seed(11);
  KerasTensor x = Input({5, 2}, "x");
  std::vector<KerasTensor> outs =
      layers::Bidirectional(layers::LSTM(3, {.return_state = true}),
                            {.merge_mode = "None"})
          .call_outputs(x);
  KerasTensor joined = layers::Concatenate()(outs);
  Model model(x, layers::Dense(4, {.activation = "softmax"})(joined), "states");
  model.compile({.optimizer = "sgd", .loss = "categorical_crossentropy"});
  std::vector<float> v(60);
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = std::sin(float(i));
  expectCompiledAsTheJit(model, "states", Tensor::fromVector<float>(v, {6, 5, 2}));
}

// Global pooling, Reshape and LeakyReLU compile ahead of time as the JIT
// runs them.
TEST_F(AotTest, GlobalPoolingAndReshapeCompileAheadOfTime) {
  utils::set_random_seed(9);
  Sequential model("pool_reshape");
  model.add(layers::Conv2D(6, 3, {.input_shape = {8, 8, 1}}));
  model.add(layers::LeakyReLU());
  model.add(layers::GlobalMaxPooling2D({.keepdims = true}));
  model.add(layers::Reshape({2, 3}));
  model.add(layers::Reshape({6, 1, 1}));
  model.add(layers::GlobalAveragePooling2D());
  model.add(layers::Dense(5, {.activation = "softmax"}));
  model.compile({.optimizer = "sgd", .loss = "categorical_crossentropy"});
  expectCompiledAsTheJit(model, "pool", inputs(9));
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
