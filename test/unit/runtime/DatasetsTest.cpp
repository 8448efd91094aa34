// Tests for fashion_mnist::load_data (synthetic and the real Debian files) and to_categorical.
#include "runtime/data/Datasets.h"

#include "TestUtil.h"

#include <array>
#include <filesystem>

using kiln::DType;
using kiln::Shape;
using kiln::Tensor;
using kiln::test::appendBigEndian32;
using kiln::test::containsAll;
using kiln::test::errorOf;
using kiln::test::TempDir;
using kiln::utils::to_categorical;
namespace fashion_mnist = kiln::datasets::fashion_mnist;

namespace {

std::string labelFile(const std::vector<uint8_t> &labels) {
  std::string s;
  appendBigEndian32(s, 0x801);
  appendBigEndian32(s, static_cast<uint32_t>(labels.size()));
  return s + std::string(labels.begin(), labels.end());
}

std::string imageFile(uint32_t n, uint8_t fill) {
  std::string s;
  appendBigEndian32(s, 0x803);
  appendBigEndian32(s, n);
  appendBigEndian32(s, 28);
  appendBigEndian32(s, 28);
  return s + std::string(n * 28 * 28, static_cast<char>(fill));
}

// A Fashion-MNIST-shaped directory: 3 training and 2 test examples; test
// files are left uncompressed to cover both spellings.
void writeTinyDataset(const TempDir &dir) {
  dir.writeGz("train-images-idx3-ubyte.gz", imageFile(3, 11));
  dir.writeGz("train-labels-idx1-ubyte.gz", labelFile({9, 0, 4}));
  dir.write("t10k-images-idx3-ubyte", imageFile(2, 22));
  dir.write("t10k-labels-idx1-ubyte", labelFile({1, 2}));
}

TEST(RuntimeDatasets, LoadsAFashionMnistDirectory) {
  TempDir dir;
  writeTinyDataset(dir);
  auto [train, test] = fashion_mnist::load_data(dir.path());
  auto [x_train, y_train] = train;
  EXPECT_EQ(x_train.shape(), (Shape{3, 28, 28}));
  EXPECT_EQ(x_train.dtype(), DType::u8);
  EXPECT_EQ(x_train.at<uint8_t>({2, 27, 27}), 11);
  EXPECT_EQ(y_train.shape(), (Shape{3}));
  EXPECT_EQ(y_train.at<uint8_t>({0}), 9);
  EXPECT_EQ(test.x.shape(), (Shape{2, 28, 28}));
  EXPECT_EQ(test.x.at<uint8_t>({0, 0, 0}), 22);
  EXPECT_EQ(test.y.at<uint8_t>({1}), 2);
}

TEST(RuntimeDatasets, MissingDirectorySaysHowToInstall) {
  TempDir dir;
  std::string absent = dir.file("no-such-dir");
  EXPECT_TRUE(containsAll(
      errorOf([&] { fashion_mnist::load_data(absent); }),
      {"Fashion-MNIST not found", absent, "does not exist",
       "apt-get install dataset-fashion-mnist"}));
}

TEST(RuntimeDatasets, MissingFileIsNamed) {
  TempDir dir;
  writeTinyDataset(dir);
  std::filesystem::remove(dir.file("t10k-labels-idx1-ubyte"));
  EXPECT_TRUE(containsAll(
      errorOf([&] { fashion_mnist::load_data(dir.path()); }),
      {dir.path(), "lacks t10k-labels-idx1-ubyte.gz",
       "apt-get install dataset-fashion-mnist"}));
}

TEST(RuntimeDatasets, ImageAndLabelCountsMustMatch) {
  TempDir dir;
  writeTinyDataset(dir);
  dir.write("t10k-labels-idx1-ubyte", labelFile({1, 2, 3}));
  EXPECT_TRUE(containsAll(
      errorOf([&] { fashion_mnist::load_data(dir.path()); }),
      {dir.file("t10k-images-idx3-ubyte"), "holds 2 images",
       dir.file("t10k-labels-idx1-ubyte"), "holds 3 labels"}));
}

TEST(RuntimeDatasets, LabelsOutsideTheClassesAreRejected) {
  TempDir dir;
  writeTinyDataset(dir);
  dir.writeGz("train-labels-idx1-ubyte.gz", labelFile({9, 10, 4}));
  EXPECT_TRUE(containsAll(
      errorOf([&] { fashion_mnist::load_data(dir.path()); }),
      {"train-labels-idx1-ubyte.gz", "label 10 at index 1", "0..9"}));
}

TEST(RuntimeDatasets, SwappedFilesReportTheMagicNumber) {
  TempDir dir;
  writeTinyDataset(dir);
  dir.writeGz("train-images-idx3-ubyte.gz", labelFile({1, 2, 3}));
  EXPECT_TRUE(containsAll(
      errorOf([&] { fashion_mnist::load_data(dir.path()); }),
      {"train-images-idx3-ubyte.gz", "expected 0x00000803",
       "got 0x00000801"}));
}

// The real data set from Debian's dataset-fashion-mnist package.
TEST(RuntimeDatasets, RealFashionMnist) {
  if (!std::filesystem::exists(fashion_mnist::kDefaultDir))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  auto [train, test] = fashion_mnist::load_data();
  EXPECT_EQ(train.x.shape(), (Shape{60000, 28, 28}));
  EXPECT_EQ(train.y.shape(), (Shape{60000}));
  EXPECT_EQ(test.x.shape(), (Shape{10000, 28, 28}));
  EXPECT_EQ(test.y.shape(), (Shape{10000}));
  EXPECT_EQ(train.x.dtype(), DType::u8);
  EXPECT_EQ(train.y.dtype(), DType::u8);

  std::array<int, 10> trainCounts{}, testCounts{};
  for (int64_t i = 0; i < train.y.size(); ++i) {
    uint8_t label = train.y.data<uint8_t>()[i];
    ASSERT_LT(label, 10) << "index " << i;
    ++trainCounts[label];
  }
  for (int64_t i = 0; i < test.y.size(); ++i)
    ++testCounts[test.y.data<uint8_t>()[i]];
  for (int c = 0; c < 10; ++c) {
    EXPECT_EQ(trainCounts[c], 6000) << "class " << c;
    EXPECT_EQ(testCounts[c], 1000) << "class " << c;
  }
  // Known values: the first training labels, Keras's first three test
  // predictions' targets (ankle boot, pullover, trouser), and the pixel sum
  // of the first training image (computed independently with Python's gzip).
  const uint8_t *y = train.y.data<uint8_t>();
  EXPECT_EQ((std::vector<int>{y[0], y[1], y[2], y[3], y[4]}),
            (std::vector<int>{9, 0, 0, 3, 0}));
  EXPECT_EQ(test.y.at<uint8_t>({0}), 9);
  EXPECT_EQ(test.y.at<uint8_t>({1}), 2);
  EXPECT_EQ(test.y.at<uint8_t>({2}), 1);
  int64_t sum = 0;
  for (int64_t i = 0; i < 28 * 28; ++i)
    sum += train.x.data<uint8_t>()[i];
  EXPECT_EQ(sum, 76247);
}

TEST(RuntimeCategorical, OneHotRows) {
  Tensor y = Tensor::fromVector<uint8_t>({2, 0, 1}, {3});
  Tensor onehot = to_categorical(y, 4);
  EXPECT_EQ(onehot.dtype(), DType::f32);
  EXPECT_EQ(onehot.shape(), (Shape{3, 4}));
  std::vector<float> got(onehot.data<float>(), onehot.data<float>() + 12);
  EXPECT_EQ(got, (std::vector<float>{0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0}));
}

TEST(RuntimeCategorical, InfersClassesFromTheLargestLabel) {
  Tensor y = Tensor::fromVector<int64_t>({3, 1}, {2});
  Tensor onehot = to_categorical(y);
  EXPECT_EQ(onehot.shape(), (Shape{2, 4}));
  EXPECT_EQ(onehot.at<float>({0, 3}), 1);
  EXPECT_EQ(onehot.at<float>({1, 1}), 1);
  EXPECT_EQ(onehot.at<float>({1, 3}), 0);
}

TEST(RuntimeCategorical, ColumnLabelsAndOtherDtypes) {
  Tensor column = Tensor::fromVector<int32_t>({1, 0}, {2, 1});
  EXPECT_EQ(to_categorical(column, 2).shape(), (Shape{2, 2}));
  Tensor grid = Tensor::fromVector<int32_t>({1, 0, 2, 1}, {2, 2});
  Tensor g = to_categorical(grid, 3);
  EXPECT_EQ(g.shape(), (Shape{2, 2, 3}));
  EXPECT_EQ(g.at<float>({1, 0, 2}), 1);
  Tensor floats = Tensor::fromVector<float>({2, 0}, {2});
  EXPECT_EQ(to_categorical(floats).at<float>({0, 2}), 1);
  Tensor none = Tensor::zeros({0}, DType::u8);
  EXPECT_EQ(to_categorical(none, 3).shape(), (Shape{0, 3}));
}

TEST(RuntimeCategorical, OutOfRangeLabelsNameValueAndIndex) {
  Tensor y = Tensor::fromVector<uint8_t>({1, 9, 10, 3}, {4});
  EXPECT_TRUE(containsAll(errorOf([&] { to_categorical(y, 10); }),
                          {"label 10 at index 2", "[0, 10)"}));
  Tensor negative = Tensor::fromVector<int32_t>({0, -1}, {2});
  EXPECT_TRUE(containsAll(errorOf([&] { to_categorical(negative); }),
                          {"label -1 at index 1", "negative"}));
  Tensor fraction = Tensor::fromVector<float>({0, 1, 1.5f}, {3});
  EXPECT_TRUE(containsAll(errorOf([&] { to_categorical(fraction); }),
                          {"label 1.5 at index 2", "not a whole number"}));
  EXPECT_TRUE(containsAll(errorOf([&] { to_categorical(y, 0); }),
                          {"num_classes", "got 0"}));
  Tensor none = Tensor::zeros({0}, DType::i64);
  EXPECT_TRUE(containsAll(errorOf([&] { to_categorical(none); }),
                          {"cannot infer num_classes", "empty"}));
}

// Tests that a stray huge label is an error naming it, not an allocation
// failure: 1000 labels and a label of 2e9 would need 8 TB of one-hot rows.
TEST(RuntimeCategorical, HugeLabelIsNamedInsteadOfBadAlloc) {
  std::vector<int64_t> values(1000, 1);
  values[7] = 2000000000;
  Tensor y = Tensor::fromVector<int64_t>(values, {1000});
  EXPECT_TRUE(containsAll(errorOf([&] { to_categorical(y); }),
                          {"label 2000000000 at index 7",
                           "num_classes 2000000001", "would not fit in memory"}));
  Tensor small = Tensor::fromVector<int64_t>(std::vector<int64_t>(1000, 1), {1000});
  EXPECT_TRUE(containsAll(errorOf([&] { to_categorical(small, 2000000001); }),
                          {"(1000, 2000000001)", "would not fit in memory"}));
}

} // namespace
