// Tests for the CSV loader: numbers, headers, quoting, and errors with line and column.
#include "runtime/data/Csv.h"

#include "TestUtil.h"

#include <cmath>

using kiln::Shape;
using kiln::Tensor;
using kiln::io::CsvOptions;
using kiln::io::readCsv;
using kiln::test::containsAll;
using kiln::test::errorOf;
using kiln::test::TempDir;
using namespace std::string_literals;

namespace {

std::vector<float> values(const Tensor &t) {
  return std::vector<float>(t.data<float>(), t.data<float>() + t.size());
}

TEST(RuntimeCsv, ReadsNumbersIntoRowsAndColumns) {
  TempDir dir;
  std::string path =
      dir.write("a.csv", "1,2.5,-3\n4e2, +5 ,-.5\n0.125,1E-3,7\n");
  Tensor t = readCsv(path);
  EXPECT_EQ(t.dtype(), kiln::DType::f32);
  EXPECT_EQ(t.shape(), (Shape{3, 3}));
  EXPECT_EQ(values(t), (std::vector<float>{1, 2.5f, -3, 400, 5, -0.5f, 0.125f,
                                           1e-3f, 7}));
}

TEST(RuntimeCsv, DetectsAnAllTextHeader) {
  TempDir dir;
  Tensor t = readCsv(dir.write("h.csv", "x,y,label\n1,2,0\n3,4,1\n"));
  EXPECT_EQ(t.shape(), (Shape{2, 3}));
  EXPECT_EQ(t.at<float>({1, 0}), 3);
  // pandas writes an empty first header cell for the index column.
  Tensor p = readCsv(dir.write("p.csv", ",a\n0,1.5\n"));
  EXPECT_EQ(values(p), (std::vector<float>{0, 1.5f}));
}

TEST(RuntimeCsv, SkipHeaderDropsTheFirstLineEvenIfNumeric) {
  TempDir dir;
  std::string path = dir.write("n.csv", "10,20\n1,2\n");
  CsvOptions skip;
  skip.skip_header = true;
  EXPECT_EQ(values(readCsv(path, skip)), (std::vector<float>{1, 2}));
  EXPECT_EQ(readCsv(path).shape(), (Shape{2, 2}));
}

TEST(RuntimeCsv, HeaderWithoutDetectionIsAnError) {
  TempDir dir;
  std::string path = dir.write("h.csv", "x,y\n1,2\n");
  CsvOptions strict;
  strict.detect_header = false;
  EXPECT_TRUE(containsAll(errorOf([&] { readCsv(path, strict); }),
                          {path, "line 1, column 1", "'x' is not a number"}));
}

TEST(RuntimeCsv, MixedFirstRowIsDataNotHeader) {
  TempDir dir;
  std::string path = dir.write("m.csv", "1,abc\n2,3\n");
  EXPECT_TRUE(containsAll(errorOf([&] { readCsv(path); }),
                          {"line 1, column 2", "'abc' is not a number"}));
}

TEST(RuntimeCsv, NonNumericCellNamesLineAndColumn) {
  TempDir dir;
  std::string path = dir.write("bad.csv", "a,b,c\n1,2,3\n\n4,5x,6\n");
  EXPECT_TRUE(containsAll(errorOf([&] { readCsv(path); }),
                          {path, "line 4, column 2", "'5x' is not a number"}));
}

TEST(RuntimeCsv, EmptyCellIsAnError) {
  TempDir dir;
  std::string path = dir.write("e.csv", "1,2,3\n4,,6\n");
  EXPECT_TRUE(containsAll(errorOf([&] { readCsv(path); }),
                          {"line 2, column 2", "empty cell"}));
  std::string trailing = dir.write("t.csv", "1,2,\n");
  EXPECT_TRUE(containsAll(errorOf([&] { readCsv(trailing); }),
                          {"line 1, column 3", "empty cell"}));
}

TEST(RuntimeCsv, RaggedRowsNameBothLines) {
  TempDir dir;
  std::string path = dir.write("r.csv", "x,y,z\n1,2,3\n4,5\n");
  EXPECT_TRUE(containsAll(
      errorOf([&] { readCsv(path); }),
      {path, "line 3 has 2 columns", "expected 3 like line 2", "ragged"}));
  std::string longer = dir.write("l.csv", "1,2\n3,4,5\n");
  EXPECT_TRUE(containsAll(errorOf([&] { readCsv(longer); }),
                          {"line 2 has 3 columns", "expected 2 like line 1"}));
}

TEST(RuntimeCsv, HandlesCrlfBlankLinesQuotesAndBom) {
  TempDir dir;
  std::string path = dir.write(
      "w.csv", "\xEF\xBB\xBF\"a\",\"b\"\r\n\r\n\"1.5\", 2 \r\n  \r\n3,\"4\"\r\n");
  Tensor t = readCsv(path);
  EXPECT_EQ(t.shape(), (Shape{2, 2}));
  EXPECT_EQ(values(t), (std::vector<float>{1.5f, 2, 3, 4}));
  std::string open = dir.write("q.csv", "1,\"2\n");
  EXPECT_TRUE(containsAll(errorOf([&] { readCsv(open); }),
                          {"line 1, column 2", "unterminated quoted cell"}));
  std::string after = dir.write("after.csv", "1,\"2\"x\n");
  EXPECT_TRUE(containsAll(errorOf([&] { readCsv(after); }),
                          {"line 1, column 2", "after a quoted cell"}));
}

TEST(RuntimeCsv, OtherDelimiters) {
  TempDir dir;
  CsvOptions semicolon;
  semicolon.delimiter = ';';
  EXPECT_EQ(values(readCsv(dir.write("s.csv", "1;2\n3;4\n"), semicolon)),
            (std::vector<float>{1, 2, 3, 4}));
  CsvOptions tab;
  tab.delimiter = '\t';
  Tensor t = readCsv(dir.write("t.tsv", "a\tb\n1\t2\n"), tab);
  EXPECT_EQ(values(t), (std::vector<float>{1, 2}));
  // With ';' as delimiter, "1,5" is one (non-numeric) cell, not two.
  EXPECT_TRUE(containsAll(
      errorOf([&] { readCsv(dir.write("c.csv", "1;1,5\n"), semicolon); }),
      {"'1,5' is not a number"}));
}

TEST(RuntimeCsv, NonFiniteValuesNeedOptIn) {
  TempDir dir;
  std::string path = dir.write("n.csv", "1,nan\n2,inf\n");
  EXPECT_TRUE(containsAll(errorOf([&] { readCsv(path); }),
                          {"line 1, column 2", "'nan' is not a finite number",
                           "allow_non_finite"}));
  CsvOptions lax;
  lax.allow_non_finite = true;
  Tensor t = readCsv(path, lax);
  EXPECT_TRUE(std::isnan(t.at<float>({0, 1})));
  EXPECT_TRUE(std::isinf(t.at<float>({1, 1})));
}

TEST(RuntimeCsv, OverflowIsAnErrorAndUnderflowIsZero) {
  TempDir dir;
  std::string path = dir.write("o.csv", "1\n1e50\n");
  EXPECT_TRUE(containsAll(errorOf([&] { readCsv(path); }),
                          {"line 2, column 1", "'1e50'", "outside the f32"}));
  Tensor t = readCsv(dir.write("u.csv", "1e-50\n-1e-60\n1e-400\n"));
  EXPECT_EQ(values(t), (std::vector<float>{0, 0, 0}));
  EXPECT_TRUE(std::signbit(t.at<float>({1, 0})));
}

TEST(RuntimeCsv, HeaderOnlyAndEmptyFiles) {
  TempDir dir;
  EXPECT_EQ(readCsv(dir.write("h.csv", "a,b,c\n")).shape(), (Shape{0, 3}));
  std::string empty = dir.write("e.csv", "\n  \n");
  EXPECT_TRUE(containsAll(errorOf([&] { readCsv(empty); }),
                          {empty, "CSV file is empty"}));
  std::string missing = dir.file("missing.csv");
  EXPECT_TRUE(containsAll(errorOf([&] { readCsv(missing); }),
                          {"file not found", missing}));
}

TEST(RuntimeCsv, ReadsGzipCompressedFiles) {
  TempDir dir;
  Tensor t = readCsv(dir.writeGz("a.csv.gz", "x,y\n1,2\n3,4\n"));
  EXPECT_EQ(values(t), (std::vector<float>{1, 2, 3, 4}));
}

TEST(RuntimeCsv, LastLineWithoutNewline) {
  TempDir dir;
  Tensor t = readCsv(dir.write("a.csv", "1,2\n3,4"));
  EXPECT_EQ(values(t), (std::vector<float>{1, 2, 3, 4}));
}

} // namespace
