// Tests for the .npy reader and writer: round trips, NumPy's layout, malformed files.
#include "runtime/data/Npy.h"

#include "TestUtil.h"

#include <cmath>
#include <cstring>
#include <limits>

using kiln::DType;
using kiln::Shape;
using kiln::Tensor;
using kiln::io::readNpy;
using kiln::io::writeNpy;
using kiln::test::containsAll;
using kiln::test::errorOf;
using kiln::test::readBytes;
using kiln::test::TempDir;
using namespace std::string_literals;

namespace {

// A .npy file of format `major`.0 with `dict` padded as NumPy pads it.
std::string npy(int major, std::string dict, const std::string &data) {
  size_t lengthBytes = major == 1 ? 2 : 4;
  size_t total = 8 + lengthBytes + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict += '\n';
  std::string s = "\x93NUMPY"s + static_cast<char>(major) + '\0';
  for (size_t i = 0; i < lengthBytes; ++i)
    s += static_cast<char>((dict.size() >> (8 * i)) & 0xFF);
  return s + dict + data;
}

template <typename T>
std::string rawBytes(std::vector<T> values) {
  return std::string(reinterpret_cast<const char *>(values.data()),
                     values.size() * sizeof(T));
}

TEST(RuntimeNpy, RoundTripsEveryDtypeAndRank) {
  TempDir dir;
  std::vector<Tensor> tensors = {
      Tensor::fromVector<float>({1.5f, -2, 3e-8f, 4e20f, 5, 6}, {2, 3}),
      Tensor::fromVector<int32_t>({-1, 2147483647, 0}, {3}),
      Tensor::fromVector<int64_t>({int64_t(1) << 50, -7}, {2, 1, 1}),
      Tensor::fromVector<uint8_t>({0, 128, 255, 1}, {1, 4}),
      Tensor::fromVector<float>({42}, {}),
      Tensor::zeros({0, 3}, DType::i32)};
  for (size_t k = 0; k < tensors.size(); ++k) {
    const Tensor &t = tensors[k];
    std::string path = dir.file("t" + std::to_string(k) + ".npy");
    writeNpy(path, t);
    Tensor back = readNpy(path);
    EXPECT_EQ(back.dtype(), t.dtype()) << k;
    EXPECT_EQ(back.shape(), t.shape()) << k;
    ASSERT_EQ(back.nbytes(), t.nbytes()) << k;
    EXPECT_EQ(std::memcmp(back.raw(), t.raw(), t.nbytes()), 0) << k;
  }
}

TEST(RuntimeNpy, WritesNumPysExactLayout) {
  TempDir dir;
  std::string path = dir.file("a.npy");
  writeNpy(path, Tensor::fromVector<float>({1, 2, 3, 4, 5, 6}, {2, 3}));
  std::string expected =
      npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
          rawBytes<float>({1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(readBytes(path), expected);
  EXPECT_EQ(expected.size(), 128u + 24u) << "data starts at a 64-byte boundary";

  writeNpy(path, Tensor::fromVector<uint8_t>({9}, {1}));
  std::string oneD = readBytes(path);
  EXPECT_NE(oneD.find("'descr': '|u1'"), std::string::npos);
  EXPECT_NE(oneD.find("'shape': (1,)"), std::string::npos) << oneD;
  writeNpy(path, Tensor::fromVector<int64_t>({9}, {}));
  EXPECT_NE(readBytes(path).find("'shape': ()"), std::string::npos);
}

TEST(RuntimeNpy, ReadsFloat64AsFloat32) {
  TempDir dir;
  std::string path = dir.write(
      "f8.npy",
      npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 3), }",
          rawBytes<double>({1.5, -2.0, 0.1})));
  Tensor t = readNpy(path);
  EXPECT_EQ(t.dtype(), DType::f32);
  EXPECT_EQ(t.shape(), (Shape{1, 3}));
  EXPECT_EQ(t.at<float>({0, 0}), 1.5f);
  EXPECT_EQ(t.at<float>({0, 2}), 0.1f);

  std::string big = dir.write(
      "big.npy",
      npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }",
          rawBytes<double>({0, 1e300})));
  EXPECT_TRUE(containsAll(errorOf([&] { readNpy(big); }),
                          {big, "element 1", "1e+300", "does not fit in f32"}));
}

TEST(RuntimeNpy, ReadsFormatTwoAndThree) {
  TempDir dir;
  for (int major : {2, 3}) {
    std::string path = dir.write(
        "v" + std::to_string(major) + ".npy",
        npy(major, "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }",
            rawBytes<int32_t>({7, -9})));
    Tensor t = readNpy(path);
    EXPECT_EQ(t.shape(), (Shape{2})) << major;
    EXPECT_EQ(t.at<int32_t>({1}), -9) << major;
  }
}

TEST(RuntimeNpy, ParsesHeadersFromOtherWriters) {
  TempDir dir;
  // Key order, quote style, spacing, trailing comma and Python 2's "3L".
  for (const std::string &dict :
       {"{\"shape\":(3L,),\"fortran_order\":False,\"descr\":\"<i8\"}"s,
        "{ 'fortran_order' : False , 'shape' : ( 3 , ) , 'descr' : '=i8' }"s,
        "{'descr':'<i8','fortran_order':False,'shape':(3,)}"s}) {
    std::string path =
        dir.write("h.npy", npy(1, dict, rawBytes<int64_t>({1, 2, 3})));
    Tensor t = readNpy(path);
    EXPECT_EQ(t.dtype(), DType::i64) << dict;
    EXPECT_EQ(t.shape(), (Shape{3})) << dict;
    EXPECT_EQ(t.at<int64_t>({2}), 3) << dict;
  }
}

TEST(RuntimeNpy, ReadsGzipCompressedFiles) {
  TempDir dir;
  std::string path = dir.writeGz(
      "a.npy.gz",
      npy(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2), }",
          "\x01\x02\x03\x04"s));
  Tensor t = readNpy(path);
  EXPECT_EQ(t.at<uint8_t>({1, 0}), 3);
}

TEST(RuntimeNpy, RejectsFortranOrder) {
  TempDir dir;
  std::string path = dir.write(
      "f.npy",
      npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }",
          rawBytes<float>({1, 2, 3, 4})));
  EXPECT_TRUE(containsAll(errorOf([&] { readNpy(path); }),
                          {path, "Fortran", "fortran_order: True",
                           "C order only"}));
}

TEST(RuntimeNpy, RejectsTruncatedData) {
  TempDir dir;
  std::string path = dir.write(
      "t.npy",
      npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
          rawBytes<float>({1, 2}) + "\x01\x02"s));
  EXPECT_TRUE(containsAll(errorOf([&] { readNpy(path); }),
                          {path, "truncated .npy data", "(2, 3)", "'<f4'",
                           "needs 24 bytes", "byte offset 128",
                           "only 10 available"}));
  std::string header = dir.write("h.npy", npy(1, "{'descr': '<f4'", "")
                                              .substr(0, 30));
  EXPECT_TRUE(containsAll(errorOf([&] { readNpy(header); }),
                          {"truncated .npy header", "only 20 available"}));
}

TEST(RuntimeNpy, RejectsTrailingBytes) {
  TempDir dir;
  std::string path = dir.write(
      "x.npy",
      npy(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (1,), }",
          "\x01\x02\x03"s));
  EXPECT_TRUE(containsAll(errorOf([&] { readNpy(path); }),
                          {"2 unexpected trailing bytes", "byte offset 129"}));
}

TEST(RuntimeNpy, RejectsWrongMagicAndVersion) {
  TempDir dir;
  std::string notNpy = dir.write("n.npy", "PK\x03\x04zipfile-really"s);
  EXPECT_TRUE(containsAll(errorOf([&] { readNpy(notNpy); }),
                          {notNpy, "not a .npy file", "0x50 0x4b 0x3 0x4"}));
  std::string v4 = npy(1, "{}", "");
  v4[6] = 4;
  std::string path = dir.write("v4.npy", v4);
  EXPECT_TRUE(containsAll(errorOf([&] { readNpy(path); }),
                          {"unsupported .npy format version 4.0"}));
  EXPECT_TRUE(containsAll(errorOf([&] { readNpy(dir.file("missing.npy")); }),
                          {"file not found", dir.file("missing.npy")}));
}

TEST(RuntimeNpy, RejectsUnsupportedDtypes) {
  TempDir dir;
  auto withDescr = [&](const std::string &descr) {
    return dir.write(
        "d.npy", npy(1,
                     "{'descr': " + descr +
                         ", 'fortran_order': False, 'shape': (1,), }",
                     std::string(16, '\0')));
  };
  EXPECT_TRUE(containsAll(errorOf([&] { readNpy(withDescr("'<c8'")); }),
                          {"unsupported .npy dtype '<c8'", "'<f4'"}));
  EXPECT_TRUE(containsAll(errorOf([&] { readNpy(withDescr("'>f4'")); }),
                          {"big-endian dtype '>f4'"}));
  EXPECT_TRUE(containsAll(
      errorOf([&] { readNpy(withDescr("[('a', '<f4')]")); }),
      {"'descr' is a list", "structured"}));
}

TEST(RuntimeNpy, RejectsMalformedHeaders) {
  TempDir dir;
  auto errorFor = [&](const std::string &dict) {
    std::string path = dir.write("m.npy", npy(1, dict, std::string(4, '\0')));
    return errorOf([&] { readNpy(path); });
  };
  EXPECT_TRUE(containsAll(
      errorFor("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)"),
      {"bad .npy header at byte offset", "expected ',' or '}'"}));
  EXPECT_TRUE(containsAll(errorFor("{'descr': '<f4', 'shape': (1,), }"),
                          {"no 'fortran_order' key"}));
  EXPECT_TRUE(containsAll(
      errorFor("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), "
               "'extra': 1}"),
      {"unexpected key 'extra'"}));
  EXPECT_TRUE(containsAll(
      errorFor("{'descr': '<f4', 'fortran_order': False, 'shape': 1}"),
      {"'shape' must be a tuple, got an int"}));
  EXPECT_TRUE(containsAll(
      errorFor("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}"),
      {"negative"}));
  EXPECT_TRUE(containsAll(
      errorFor("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}"),
      {"'fortran_order' must be True or False"}));
  EXPECT_TRUE(containsAll(
      errorFor("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, "
               "'shape': (1,)}"),
      {"duplicate key 'descr'"}));
  EXPECT_TRUE(containsAll(
      errorFor("{'descr': '<f4', 'fortran_order': False, 'shape': "
               "(99999999999999999999,)}"),
      {"integer too large"}));
  EXPECT_TRUE(containsAll(errorFor("{'descr: '<f4'}"),
                          {"bad .npy header"}));
}

TEST(RuntimeNpy, WriteToMissingDirectoryNamesThePath) {
  TempDir dir;
  std::string path = dir.file("no/such/dir/a.npy");
  EXPECT_TRUE(containsAll(errorOf([&] { writeNpy(path, Tensor::zeros({1})); }),
                          {"cannot open", path, "No such file or directory"}));
}

} // namespace
