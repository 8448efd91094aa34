// Tests the `kiln` command on saved models: summary, evaluate and predict
// against the frontend's own results, train (History CSV, saved model), the
// IR of every stage, a real Keras file on Fashion-MNIST, and bad arguments.
#include "frontend/Keras.h"
#include "runtime/data/Npy.h"
#include "test/unit/Subprocess.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

namespace fs = std::filesystem;
using namespace kiln;
using kiln::test::Command;
using kiln::test::run;

namespace {

std::string kiln(const std::string &args) {
  return std::string(KILN_TOOL) + " " + args;
}

class KilnToolTest : public ::testing::Test {
protected:
  void SetUp() override {
    dir = kiln::test::scratchDir("kiln-tool");
    model = (dir / "clf.keras").string();
    utils::set_random_seed(5);
    Sequential m("clf");
    m.add(layers::Dense(8, {.activation = "relu", .input_shape = {6}}));
    m.add(layers::Dense(3, {.activation = "softmax"}));
    m.compile({.optimizer = optimizers::SGD{.learning_rate = 0.1},
               .loss = "sparse_categorical_crossentropy",
               .metrics = {"accuracy"}});
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    std::vector<float> xs(64 * 6);
    std::vector<int32_t> ys(64);
    for (size_t i = 0; i < ys.size(); ++i) {
      for (int j = 0; j < 6; ++j)
        xs[i * 6 + j] = u(rng);
      ys[i] = xs[i * 6] > 0.3f ? 2 : xs[i * 6 + 1] > 0 ? 1 : 0;
    }
    x = Tensor::fromVector(xs, {64, 6});
    y = Tensor::fromVector(ys, {64});
    m.save(model);
    io::writeNpy((dir / "x.npy").string(), x);
    io::writeNpy((dir / "y.npy").string(), y);
    data = (dir / "x.npy").string() + "," + (dir / "y.npy").string();
  }
  void TearDown() override { fs::remove_all(dir); }

  fs::path dir;
  std::string model, data;
  Tensor x, y;
};

TEST_F(KilnToolTest, SummaryEvaluateAndPredictAgreeWithTheModel) {
  Command r = run(kiln("summary " + model));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("Total params: 83"), std::string::npos) << r.output;

  Model m = load_model(model);
  std::vector<double> expected = m.evaluate(x, y, {.verbose = 0});
  r = run(kiln("evaluate " + model + " --data " + data));
  ASSERT_EQ(r.status, 0) << r.output;
  char want[128];
  std::snprintf(want, sizeof want, "loss: %.4f accuracy: %.4f", expected[0],
                expected[1]);
  EXPECT_NE(r.output.find(want), std::string::npos) << r.output << " vs "
                                                    << want;

  std::string out = (dir / "p.npy").string();
  r = run(kiln("predict " + model + " " + (dir / "x.npy").string() + " -o " +
               out));
  ASSERT_EQ(r.status, 0) << r.output;
  Tensor p = io::readNpy(out), q = m.predict(x, {.verbose = 0});
  ASSERT_EQ(p.shape(), q.shape());
  for (int64_t i = 0; i < p.size(); ++i)
    ASSERT_NEAR(p.data<float>()[i], q.data<float>()[i], 1e-6f) << i;
}

TEST_F(KilnToolTest, TrainSavesTheModelAndItsHistory) {
  std::string out = (dir / "trained.keras").string(),
              history = (dir / "h.csv").string();
  Command r = run(kiln("train " + model + " --data " + data +
                       " --epochs 3 --batch-size 8 --verbose 0 -o " + out +
                       " --history " + history));
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream h(history);
  std::string header, line;
  std::getline(h, header);
  // Keras's CSVLogger (Python's csv module) ends lines with \r\n.
  EXPECT_EQ(header, "epoch,accuracy,loss\r");
  std::vector<double> losses;
  while (std::getline(h, line))
    losses.push_back(std::stod(line.substr(line.rfind(',') + 1)));
  ASSERT_EQ(losses.size(), 3u);
  EXPECT_LT(losses.back(), losses.front());
  Model before = load_model(model), after = load_model(out);
  EXPECT_LT(after.evaluate(x, y, {.verbose = 0})[0],
            before.evaluate(x, y, {.verbose = 0})[0]);
}

TEST_F(KilnToolTest, IrOfEveryStage) {
  struct Case {
    const char *stage, *mark;
  } cases[] = {{"kiln", "kiln.dense"},
               {"steps", "func.func @predict_step"},
               {"linalg", "linalg.matmul"},
               {"optimized", "vector.contract"},
               {"bufferized", "memref.alloc"},
               {"llvm", "llvm.func @train_step"}};
  for (const Case &c : cases) {
    Command r = run(kiln("ir " + model + " --stage " + c.stage +
                         " --target x86-64-v3 --threads 1"));
    ASSERT_EQ(r.status, 0) << c.stage << ": " << r.output;
    EXPECT_NE(r.output.find(c.mark), std::string::npos) << c.stage;
  }
}

// `kiln plot` writes what utils::plot_model writes: the DOT text for .dot,
// an SVG with the layer boxes; without -o it says what it needs.
TEST_F(KilnToolTest, PlotWritesTheModelsPicture) {
  std::string dot = (dir / "m.dot").string(), svg = (dir / "m.svg").string();
  Command r = run(kiln("plot " + model + " --show-shapes -o " + dot));
  ASSERT_EQ(r.status, 0) << r.output;
  Model m = load_model(model, {.compile = false});
  std::ifstream in(dot);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text, utils::model_to_dot(m, {.show_shapes = true}));
  r = run(kiln("plot " + model + " --rankdir LR -o " + svg));
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream svgIn(svg);
  std::string svgText((std::istreambuf_iterator<char>(svgIn)), {});
  EXPECT_NE(svgText.find("<svg"), std::string::npos);
  r = run(kiln("plot " + model));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("plot needs -o FILE"), std::string::npos) << r.output;
}

TEST_F(KilnToolTest, EvaluatesAKerasFileOnFashionMnist) {
  const std::string keras = KILN_SOURCE_DIR "/../shared/keras-files/"
                            "k3-cnn-dotkeras-fmnist/fashion_mnist_cnn.keras";
  if (!fs::exists(keras) ||
      !fs::exists("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"))
    GTEST_SKIP() << "needs " << keras << " and dataset-fashion-mnist";
  // Compiled by Keras with categorical cross-entropy: the integer labels
  // are one-hot encoded for it. ../shared/keras-files: 9096/10000.
  Command r = run(kiln("evaluate " + keras +
                       " --data fashion-mnist:test --batch-size 500"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("accuracy: 0.9096"), std::string::npos) << r.output;
}

// Every whole-model file of ../shared/keras-files that Kiln reads (the
// others hold layers of issue 22 and are refused by name elsewhere):
// evaluate gives the test-set accuracy of the references, predict the
// NumPy reference's probabilities on 100 test images, train runs an epoch
// and saves where the file says how to train (a compile config), and kilnc
// builds a program that classifies as evaluate does.
TEST_F(KilnToolTest, EverySupportedKerasFile) {
  const std::string files = KILN_SOURCE_DIR "/../shared/keras-files/";
  const std::string fmnist = "/usr/share/datasets/fashion-mnist";
  if (!fs::exists(files) || !fs::exists(fmnist + "/t10k-labels-idx1-ubyte.gz"))
    GTEST_SKIP() << "needs ../shared/keras-files and dataset-fashion-mnist";
  struct Case {
    const char *set, *file, *accuracy;
    bool trains;
  };
  const Case cases[] = {
      {"k3-cnn-dotkeras-fmnist", "fashion_mnist_cnn.keras", "0.9096", true},
      {"k3-cnn-legacy-h5-fmnist", "fashion_mnist.h5", "0.8961", true},
      {"k2-dotkeras-nested-fmnist", "fashion_mnist.keras", "0.8858", false}};
  const std::string scale = " --scale 0.00392156862745098";
  const std::string x100 = files + "ref/fmnist_test100_x.npy",
                    y100 = files + "ref/fmnist_test100_y.npy";
  for (const Case &c : cases) {
    SCOPED_TRACE(c.set);
    std::string file = files + c.set + "/" + c.file;
    Command r = run(kiln("evaluate " + file +
                         " --data fashion-mnist:test --batch-size 500"));
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find(std::string("accuracy: ") + c.accuracy),
              std::string::npos)
        << r.output;

    std::string out = (dir / "p.npy").string();
    r = run(kiln("predict " + file + " " + x100 + scale + " -o " + out));
    ASSERT_EQ(r.status, 0) << r.output;
    Tensor got = io::readNpy(out).astype(DType::f32);
    Tensor want = io::readNpy(files + c.set + "/expected_fmnist_test100.npy")
                      .astype(DType::f32);
    ASSERT_EQ(got.size(), want.size());
    float worst = 0;
    for (int64_t i = 0; i < got.size(); ++i)
      worst = std::max(worst, std::fabs(got.data<float>()[i] -
                                        want.data<float>()[i]));
    EXPECT_LE(worst, 1e-5f);

    std::string trained = (dir / "trained.keras").string();
    r = run(kiln("train " + file + " --data " + x100 + "," + y100 + scale +
                 " --epochs 1 --verbose 0 -o " + trained));
    if (c.trains) {
      EXPECT_EQ(r.status, 0) << r.output;
      EXPECT_TRUE(fs::exists(trained));
      fs::remove(trained);
    } else {
      EXPECT_EQ(r.status, 1) << r.output;
      EXPECT_NE(r.output.find("has no compile config"), std::string::npos)
          << r.output;
    }

    std::string exe = (dir / "classify").string();
    r = run(std::string(KILN_KILNC) + " " + file + " --emit=exe -o " + exe);
    ASSERT_EQ(r.status, 0) << r.output;
    r = run(exe + " " + fmnist + "/t10k-images-idx3-ubyte.gz" + scale +
            " --classes --labels " + fmnist + "/t10k-labels-idx1-ubyte.gz -o " +
            (dir / "classes.csv").string());
    ASSERT_EQ(r.status, 0) << r.output;
    std::string count = std::string(c.accuracy).substr(2) + "/10000";
    EXPECT_NE(r.output.find("accuracy: " + count), std::string::npos)
        << r.output;
  }
}

TEST_F(KilnToolTest, InstalledKilnBuildsAUserProject) {
  // cmake --install, then examples/cmake-user out of tree with
  // find_package(Kiln), and the same program through pkg-config.
  fs::path prefix = dir / "prefix", build = dir / "user";
  Command r = run("cmake --install " KILN_BINARY_DIR " --prefix " +
                  prefix.string());
  ASSERT_EQ(r.status, 0) << r.output;
  for (const char *f : {"bin/kilnc", "bin/kiln", "include/kiln/frontend/Keras.h",
                        "lib/cmake/Kiln/KilnConfig.cmake",
                        "lib/pkgconfig/kiln.pc", "lib/kiln/libKilnFrontend.a"})
    EXPECT_TRUE(fs::exists(prefix / f)) << f;
  r = run("cmake -S " KILN_SOURCE_DIR "/examples/cmake-user -B " +
          build.string() + " -G Ninja -DCMAKE_PREFIX_PATH=" + prefix.string() +
          " -DCMAKE_CXX_COMPILER=" KILN_CXX_COMPILER);
  ASSERT_EQ(r.status, 0) << r.output;
  r = run("cmake --build " + build.string());
  ASSERT_EQ(r.status, 0) << r.output;
  r = run((build / "xor").string());
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("loss: "), std::string::npos) << r.output;

  std::string pc = "PKG_CONFIG_PATH=" + (prefix / "lib/pkgconfig").string() +
                   " pkg-config --cflags --libs kiln";
  r = run(pc);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("-lKilnFrontend"), std::string::npos) << r.output;
}

TEST_F(KilnToolTest, BadArgumentsGetAMessageAndAnExitStatus) {
  Command r = run(kiln(""));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("a command is needed"), std::string::npos);
  struct Case {
    std::string args, message;
  } cases[] = {
      {"evaluate " + model + " --data nowhere", "--data 'nowhere'"},
      {"evaluate " + model, "--data is required"},
      {"summary " + (dir / "none.keras").string(), "none.keras"},
      {"predict " + model + " " + (dir / "x.npy").string(), "-o OUT.npy"},
      {"train " + model + " --data " + data + " --epochs 0 -o " +
           (dir / "t.keras").string(),
       "--epochs must be at least 1"},
      {"evaluate " + model + " --data " + (dir / "y.npy").string() + "," +
           (dir / "y.npy").string(),
       "inputs have shape (64)"},
  };
  for (const Case &c : cases) {
    r = run(kiln(c.args));
    EXPECT_EQ(r.status, 1) << c.args << ": " << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos)
        << c.args << ": " << r.output;
  }
  EXPECT_FALSE(fs::exists(dir / "t.keras"));
}

} // namespace
