// Tests for the IDX reader on plain, gzipped and malformed files.
#include "runtime/data/Idx.h"

#include "TestUtil.h"

#include <cstring>

using kiln::DType;
using kiln::Shape;
using kiln::Tensor;
using kiln::io::readIdx;
using kiln::io::readIdxImages;
using kiln::io::readIdxLabels;
using kiln::test::appendBigEndian32;
using kiln::test::containsAll;
using kiln::test::errorOf;
using kiln::test::TempDir;
using namespace std::string_literals;

namespace {

// An IDX header for `magic` and `dims`, followed by `payload`.
std::string idx(uint32_t magic, std::vector<uint32_t> dims,
                const std::string &payload) {
  std::string s;
  appendBigEndian32(s, magic);
  for (uint32_t d : dims)
    appendBigEndian32(s, d);
  return s + payload;
}

std::string bytesUpTo(int n) {
  std::string s;
  for (int i = 0; i < n; ++i)
    s += static_cast<char>(i * 7 % 256);
  return s;
}

TEST(RuntimeIdx, ReadsPlainLabels) {
  TempDir dir;
  std::string path =
      dir.write("labels-idx1-ubyte", idx(0x801, {5}, "\x03\x00\x09\x01\x02"s));
  Tensor t = readIdxLabels(path);
  EXPECT_EQ(t.dtype(), DType::u8);
  EXPECT_EQ(t.shape(), (Shape{5}));
  std::vector<uint8_t> got(t.data<uint8_t>(), t.data<uint8_t>() + 5);
  EXPECT_EQ(got, (std::vector<uint8_t>{3, 0, 9, 1, 2}));
}

TEST(RuntimeIdx, ReadsGzipAndPlainImagesAlike) {
  TempDir dir;
  std::string content = idx(0x803, {3, 2, 4}, bytesUpTo(24));
  for (const std::string &path :
       {dir.write("images-idx3-ubyte", content),
        dir.writeGz("images-idx3-ubyte.gz", content)}) {
    Tensor t = readIdxImages(path);
    EXPECT_EQ(t.shape(), (Shape{3, 2, 4})) << path;
    EXPECT_EQ(t.at<uint8_t>({0, 0, 1}), 7) << path;
    // Row-major: element (2, 1, 3) is byte 2*8 + 1*4 + 3 = 23.
    EXPECT_EQ(t.at<uint8_t>({2, 1, 3}), 23 * 7 % 256) << path;
  }
  // The gzip file really is compressed, not copied.
  EXPECT_NE(kiln::test::readBytes(dir.file("images-idx3-ubyte.gz")), content);
}

TEST(RuntimeIdx, ReadsBigEndianIntAndFloatElements) {
  TempDir dir;
  std::string ints;
  appendBigEndian32(ints, 0x01020304);
  appendBigEndian32(ints, 0xFFFFFFFE); // -2
  Tensor i = readIdx(dir.write("ints", idx(0x0C01, {2}, ints)));
  EXPECT_EQ(i.dtype(), DType::i32);
  EXPECT_EQ(i.at<int32_t>({0}), 0x01020304);
  EXPECT_EQ(i.at<int32_t>({1}), -2);

  std::string floats;
  float value = -1.5f;
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  appendBigEndian32(floats, bits);
  Tensor f = readIdx(dir.write("floats", idx(0x0D02, {1, 1}, floats)));
  EXPECT_EQ(f.dtype(), DType::f32);
  EXPECT_EQ(f.shape(), (Shape{1, 1}));
  EXPECT_EQ(f.at<float>({0, 0}), -1.5f);
}

TEST(RuntimeIdx, MissingFileNamesThePath) {
  TempDir dir;
  std::string path = dir.file("nope-idx1-ubyte.gz");
  EXPECT_TRUE(containsAll(errorOf([&] { readIdxLabels(path); }),
                          {"file not found", path}));
  EXPECT_TRUE(containsAll(errorOf([&] { readIdx(dir.path()); }),
                          {dir.path(), "is a directory"}));
}

TEST(RuntimeIdx, WrongMagicPrintsExpectedAndGotInHex) {
  TempDir dir;
  std::string labels = dir.write("labels", idx(0x801, {1}, "\x01"s));
  std::string msg = errorOf([&] { readIdxImages(labels); });
  EXPECT_TRUE(containsAll(
      msg, {labels, "wrong IDX magic number", "expected 0x00000803",
            "3 dimensions", "got 0x00000801", "1 dimension)"}));

  std::string images = dir.write("images", idx(0x803, {1, 1, 1}, "\x01"s));
  EXPECT_TRUE(containsAll(errorOf([&] { readIdxLabels(images); }),
                          {"expected 0x00000801", "got 0x00000803"}));

  std::string zip = dir.write("zip", "PK\x03\x04 not idx at all"s);
  EXPECT_TRUE(containsAll(errorOf([&] { readIdx(zip); }),
                          {zip, "not an IDX file", "0x504b0304"}));
}

TEST(RuntimeIdx, UnsupportedTypeAndZeroDimensionsAreRejected) {
  TempDir dir;
  std::string shorts = dir.write("shorts", idx(0x0B01, {1}, "\x00\x01"s));
  EXPECT_TRUE(containsAll(errorOf([&] { readIdx(shorts); }),
                          {"unsupported IDX element type 0xb", "short"}));
  std::string zero = dir.write("zero", idx(0x0800, {}, ""));
  EXPECT_TRUE(containsAll(errorOf([&] { readIdx(zero); }),
                          {"0x00000800", "declares 0 dimensions"}));
}

TEST(RuntimeIdx, TruncatedHeaderSaysWhichField) {
  TempDir dir;
  std::string path = dir.write("short-header", idx(0x803, {60000}, "\x00"s));
  EXPECT_TRUE(containsAll(
      errorOf([&] { readIdxImages(path); }),
      {path, "truncated IDX header (size of dimension 1 of 3)", "expected 4",
       "byte offset 8", "only 1 available"}));
  std::string tiny = dir.write("tiny", "\x00\x00"s);
  EXPECT_TRUE(containsAll(errorOf([&] { readIdx(tiny); }),
                          {"truncated IDX header (magic number)",
                           "only 2 available"}));
}

TEST(RuntimeIdx, TruncatedDataSaysExpectedAndAvailableBytes) {
  TempDir dir;
  std::string content = idx(0x803, {3, 2, 2}, bytesUpTo(7));
  std::string plain = dir.write("cut", content);
  std::string msg = errorOf([&] { readIdxImages(plain); });
  EXPECT_TRUE(containsAll(msg, {plain, "truncated IDX data", "(3, 2, 2)",
                                "12 bytes", "byte offset 16",
                                "only 7 available"}));
  std::string gz = dir.writeGz("cut.gz", content);
  EXPECT_TRUE(containsAll(errorOf([&] { readIdxImages(gz); }),
                          {gz, "truncated", "only 7 available"}));
}

TEST(RuntimeIdx, HugeDeclaredSizeFailsWithoutAllocatingIt) {
  TempDir dir;
  // 4 GB declared, 10 bytes present: must report truncation, not bad_alloc.
  std::string path =
      dir.write("huge", idx(0x803, {1000, 2000, 2000}, bytesUpTo(10)));
  EXPECT_TRUE(containsAll(errorOf([&] { readIdxImages(path); }),
                          {"truncated", "4000000000 bytes", "only 10"}));
  std::string overflow = dir.write(
      "overflow", idx(0x803, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, ""));
  EXPECT_TRUE(containsAll(errorOf([&] { readIdx(overflow); }),
                          {"too large"}));
}

TEST(RuntimeIdx, CutGzipStreamIsReportedAsTruncated) {
  TempDir dir;
  std::string content = idx(0x803, {20, 28, 28}, bytesUpTo(20 * 28 * 28));
  std::string whole = kiln::test::readBytes(
      dir.writeGz("whole.gz", content));
  std::string cut = dir.write("cut.gz", whole.substr(0, whole.size() / 2));
  EXPECT_TRUE(containsAll(errorOf([&] { readIdxImages(cut); }),
                          {cut, "truncated", "gzip stream itself ends early"}));
}

TEST(RuntimeIdx, CorruptGzipDataIsAnError) {
  TempDir dir;
  std::string content = idx(0x803, {20, 28, 28}, bytesUpTo(20 * 28 * 28));
  std::string gz = kiln::test::readBytes(dir.writeGz("whole.gz", content));
  for (size_t i = 20; i < gz.size() - 8; ++i)
    gz[i] = static_cast<char>(gz[i] ^ 0x5A);
  std::string bad = dir.write("bad.gz", gz);
  std::string msg = errorOf([&] { readIdxImages(bad); });
  EXPECT_TRUE(containsAll(msg, {bad}));
}

TEST(RuntimeIdx, TrailingBytesAreRejected) {
  TempDir dir;
  std::string path = dir.write("extra", idx(0x801, {2}, "\x01\x02\x03\x04"s));
  EXPECT_TRUE(containsAll(errorOf([&] { readIdxLabels(path); }),
                          {path, "2 unexpected trailing bytes",
                           "byte offset 10"}));
}

} // namespace
