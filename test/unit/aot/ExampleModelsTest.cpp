// Tests the deployment path on the examples' own models: the Fashion-MNIST
// MLP and CNN, trained for an epoch by examples/fashion_mnist_{mlp,cnn} and
// saved, compile with kilnc into programs that classify Debian's test set
// (IDX, gzip) exactly as the JIT did, for the host and for x86-64-v2, with
// no LLVM or MLIR library; `kiln evaluate` on the same files says the same,
// and `kiln predict` and `kiln train` run on them.
#include "test/unit/Subprocess.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <regex>
#include <string>

namespace fs = std::filesystem;
using kiln::test::Command;
using kiln::test::run;

namespace {

const std::string kData = "/usr/share/datasets/fashion-mnist";

/// The number after `key` in `text`, or NaN.
double figure(const std::string &text, const std::string &key) {
  std::smatch m;
  if (std::regex_search(text, m, std::regex(key + "([0-9.]+)")))
    return std::stod(m[1]);
  return std::nan("");
}

class ExampleModelsTest : public ::testing::TestWithParam<const char *> {
protected:
  void SetUp() override { dir = kiln::test::scratchDir("kiln-examples-aot"); }
  void TearDown() override { fs::remove_all(dir); }
  fs::path dir;
};

TEST_P(ExampleModelsTest, ClassifyTheTestSetAsTheJit) {
  if (!fs::exists(kData + "/t10k-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "needs Debian's dataset-fashion-mnist";
  std::string example = GetParam();
  std::string keras = (dir / "model.keras").string();
  Command r = run(example + " --epochs 1 --verbose 0 --save " + keras);
  ASSERT_EQ(r.status, 0) << r.output;
  double jit = figure(r.output, "test_accuracy: ");
  ASSERT_FALSE(std::isnan(jit)) << r.output;
  // A trained model (chance is 0.1); one epoch lands between about 0.74
  // (seen under the sanitizers) and 0.87.
  EXPECT_GT(jit, 0.6) << r.output;

  const std::string classify =
      " " + kData + "/t10k-images-idx3-ubyte.gz --scale 0.00392156862745098"
      " --classes --labels " + kData + "/t10k-labels-idx1-ubyte.gz -o ";
  for (const char *target : {"host", "x86-64-v2"}) {
    std::string exe = (dir / (std::string("classify-") + target)).string();
    r = run(std::string(KILN_KILNC) + " " + keras + " --emit=exe --target=" +
            target + " -o " + exe);
    ASSERT_EQ(r.status, 0) << r.output;
    Command ldd = run("ldd " + exe);
    EXPECT_EQ(ldd.output.find("LLVM"), std::string::npos) << ldd.output;
    EXPECT_EQ(ldd.output.find("MLIR"), std::string::npos) << ldd.output;
    r = run(exe + classify + (dir / "classes.npy").string());
    ASSERT_EQ(r.status, 0) << r.output;
    double correct = figure(r.output, "accuracy: ");
    ASSERT_FALSE(std::isnan(correct)) << r.output;
    // The example prints four decimals: the same count of correct images.
    EXPECT_NEAR(correct / 10000, jit, 0.00005) << target << ": " << r.output;
  }

  const std::string tool = std::string(KILN_TOOL) + " ";
  r = run(tool + "evaluate " + keras + " --data fashion-mnist:test");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NEAR(figure(r.output, "accuracy: "), jit, 0.00005) << r.output;

  // kiln predict and kiln train on the same file: the program's scores for
  // the first test images, and one more epoch on them, saved.
  const std::string refs = KILN_SOURCE_DIR "/../shared/keras-files/ref/";
  if (!fs::exists(refs + "fmnist_test100_x.npy"))
    return;
  std::string scores = (dir / "scores.npy").string();
  r = run(tool + "predict " + keras + " " + refs +
          "fmnist_test100_x.npy --scale 0.00392156862745098 -o " + scores);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(fs::exists(scores));
  std::string trained = (dir / "more.keras").string();
  r = run(tool + "train " + keras + " --data " + refs +
          "fmnist_test100_x.npy," + refs +
          "fmnist_test100_y.npy --scale 0.00392156862745098 --epochs 1 "
          "--verbose 0 -o " + trained);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(fs::exists(trained));
}

INSTANTIATE_TEST_SUITE_P(Examples, ExampleModelsTest,
                         ::testing::Values(KILN_EXAMPLE_MLP, KILN_EXAMPLE_CNN),
                         [](const ::testing::TestParamInfo<const char *> &p) {
                           return std::string(p.param).find("cnn") !=
                                          std::string::npos
                                      ? std::string("Cnn")
                                      : std::string("Mlp");
                         });

} // namespace
