// Tests for kiln::Tensor: factories, checked access, reshape, slice, astype, printing.
#include "runtime/Tensor.h"

#include "TestUtil.h"

#include <cmath>
#include <limits>

using kiln::DType;
using kiln::Shape;
using kiln::Tensor;
using kiln::test::containsAll;
using kiln::test::errorOf;

namespace {

bool aligned(const void *p) {
  return reinterpret_cast<uintptr_t>(p) % Tensor::kAlignment == 0;
}

TEST(RuntimeTensor, ZerosHasShapeDtypeAndZeroedAlignedStorage) {
  for (DType dtype : {DType::f32, DType::i32, DType::i64, DType::u8}) {
    Tensor t = Tensor::zeros({2, 3, 5}, dtype);
    EXPECT_EQ(t.shape(), (Shape{2, 3, 5}));
    EXPECT_EQ(t.size(), 30);
    EXPECT_EQ(t.rank(), 3);
    EXPECT_EQ(t.dtype(), dtype);
    EXPECT_EQ(t.nbytes(), 30 * kiln::dtypeSize(dtype));
    EXPECT_TRUE(aligned(t.raw())) << kiln::dtypeName(dtype);
    const auto *bytes = static_cast<const unsigned char *>(t.raw());
    for (size_t i = 0; i < t.nbytes(); ++i)
      ASSERT_EQ(bytes[i], 0) << "byte " << i;
  }
  // Odd sizes must not break the alignment of the next allocation.
  for (int64_t n : {1, 3, 17, 63, 65})
    EXPECT_TRUE(aligned(Tensor::zeros({n}, DType::u8).raw())) << n;
}

TEST(RuntimeTensor, DatasetSizedTensorsAreZeroedAlignedAndCopied) {
  // From 4 MiB on, storage comes from huge-page-backed blocks.
  for (int64_t n : {(int64_t(1) << 20) - 1, int64_t(1) << 20,
                    (int64_t(5) << 20) + 3}) {
    Tensor t = Tensor::zeros({n});
    EXPECT_TRUE(aligned(t.raw())) << n;
    const float *p = t.data<float>();
    EXPECT_EQ(p[0], 0.0f);
    EXPECT_EQ(p[n / 2], 0.0f);
    EXPECT_EQ(p[n - 1], 0.0f);
    t.data<float>()[n - 1] = 7.0f;
    Tensor copy = t.astype(DType::f32);
    EXPECT_EQ(copy.data<float>()[n - 1], 7.0f);
    EXPECT_EQ(copy.data<float>()[0], 0.0f);
  }
}

TEST(RuntimeTensor, DefaultIsEmptyAndScalarHasOneElement) {
  Tensor empty;
  EXPECT_EQ(empty.shape(), (Shape{0}));
  EXPECT_EQ(empty.size(), 0);
  EXPECT_NE(empty.raw(), nullptr);

  Tensor scalar = Tensor::fromVector<float>({2.5f}, {});
  EXPECT_EQ(scalar.rank(), 0);
  EXPECT_EQ(scalar.size(), 1);
  EXPECT_EQ(scalar.at<float>({}), 2.5f);
}

TEST(RuntimeTensor, FromVectorCopiesEveryDtype) {
  Tensor f = Tensor::fromVector(std::vector<float>{1.5f, -2, 3, 4}, {2, 2});
  EXPECT_EQ(f.dtype(), DType::f32);
  EXPECT_EQ(f.at<float>({1, 0}), 3.0f);
  Tensor i = Tensor::fromVector(std::vector<int32_t>{7, -8}, {2});
  EXPECT_EQ(i.dtype(), DType::i32);
  EXPECT_EQ(i.data<int32_t>()[1], -8);
  Tensor l = Tensor::fromVector(std::vector<int64_t>{int64_t(1) << 40}, {1});
  EXPECT_EQ(l.dtype(), DType::i64);
  EXPECT_EQ(l.at<int64_t>({0}), int64_t(1) << 40);
  Tensor u = Tensor::fromVector<uint8_t>({0, 255, 128}, {3});
  EXPECT_EQ(u.dtype(), DType::u8);
  EXPECT_EQ(u.at<uint8_t>({1}), 255);
}

TEST(RuntimeTensor, FromVectorRejectsWrongCount) {
  std::string msg = errorOf(
      [] { Tensor::fromVector(std::vector<float>(5, 0.0f), {2, 3}); });
  EXPECT_TRUE(containsAll(msg, {"5 values", "(2, 3)", "holds 6"}));
}

TEST(RuntimeTensor, FromPointerCopies) {
  std::vector<int32_t> source = {1, 2, 3, 4, 5, 6};
  Tensor t = Tensor::fromPointer(source.data(), {3, 2});
  source[0] = 100;
  EXPECT_EQ(t.at<int32_t>({0, 0}), 1);
  EXPECT_EQ(t.at<int32_t>({2, 1}), 6);
  EXPECT_TRUE(containsAll(
      errorOf([] { Tensor::fromPointer<float>(nullptr, {2}); }),
      {"null pointer", "(2)"}));
}

TEST(RuntimeTensor, InvalidShapesAreRejected) {
  EXPECT_TRUE(containsAll(errorOf([] { Tensor::zeros({2, -1}); }),
                          {"(2, -1)", "dimension 1 is negative"}));
  int64_t big = int64_t(1) << 40;
  EXPECT_TRUE(containsAll(errorOf([&] { Tensor::zeros({big, big}); }),
                          {"invalid shape", "would exceed"}));
}

TEST(RuntimeTensor, DataChecksDtype) {
  Tensor t = Tensor::zeros({2, 3});
  EXPECT_NE(t.data<float>(), nullptr);
  EXPECT_TRUE(containsAll(errorOf([&] { t.data<int32_t>(); }),
                          {"data<i32>", "f32 tensor", "(2, 3)"}));
  const Tensor &c = t;
  EXPECT_TRUE(containsAll(errorOf([&] { c.data<uint8_t>(); }),
                          {"data<u8>", "f32"}));
  EXPECT_TRUE(
      containsAll(errorOf([&] { t.at<int64_t>({0, 0}); }), {"at<i64>"}));
}

TEST(RuntimeTensor, AtIsRowMajorAndBoundsChecked) {
  Tensor t = Tensor::zeros({2, 3, 4}, DType::i32);
  t.at<int32_t>({1, 2, 3}) = 42;
  EXPECT_EQ(t.data<int32_t>()[1 * 12 + 2 * 4 + 3], 42);
  EXPECT_EQ(t.at<int32_t>({1, 2, 3}), 42);

  EXPECT_TRUE(containsAll(errorOf([&] { t.at<int32_t>({1, 3, 0}); }),
                          {"index 3 on axis 1", "[0, 3)", "(2, 3, 4)"}));
  EXPECT_TRUE(containsAll(errorOf([&] { t.at<int32_t>({-1, 0, 0}); }),
                          {"index -1 on axis 0"}));
  EXPECT_TRUE(containsAll(errorOf([&] { t.at<int32_t>({0, 0}); }),
                          {"2 indices", "rank-3"}));
}

TEST(RuntimeTensor, ReshapeSharesStorageAndInfersOneDimension) {
  Tensor t = Tensor::fromVector<float>({0, 1, 2, 3, 4, 5}, {2, 3});
  Tensor r = t.reshape({3, -1});
  EXPECT_EQ(r.shape(), (Shape{3, 2}));
  EXPECT_EQ(r.raw(), t.raw());
  r.at<float>({2, 1}) = 50;
  EXPECT_EQ(t.at<float>({1, 2}), 50);
  EXPECT_EQ(t.reshape({6}).shape(), (Shape{6}));
  EXPECT_EQ(t.shape(), (Shape{2, 3})) << "reshape must not modify its source";
}

TEST(RuntimeTensor, ReshapeRejectsWrongCounts) {
  Tensor t = Tensor::zeros({2, 3});
  EXPECT_TRUE(containsAll(errorOf([&] { t.reshape({4, 2}); }),
                          {"6 elements", "(2, 3)", "(4, 2)", "8 elements"}));
  EXPECT_TRUE(containsAll(errorOf([&] { t.reshape({-1, -1}); }),
                          {"more than one -1"}));
  EXPECT_TRUE(containsAll(errorOf([&] { t.reshape({4, -1}); }),
                          {"cannot infer", "(4, -1)"}));
  EXPECT_TRUE(containsAll(errorOf([&] { t.reshape({-2, -3}); }),
                          {"negative"}));
}

TEST(RuntimeTensor, SliceCopiesRowsAlongAxisZero) {
  Tensor t = Tensor::fromVector<int64_t>({0, 1, 2, 3, 4, 5, 6, 7}, {4, 2});
  Tensor s = t.slice(1, 3);
  EXPECT_EQ(s.shape(), (Shape{2, 2}));
  EXPECT_EQ(s.at<int64_t>({0, 0}), 2);
  EXPECT_EQ(s.at<int64_t>({1, 1}), 5);
  s.at<int64_t>({0, 0}) = -1;
  EXPECT_EQ(t.at<int64_t>({1, 0}), 2) << "slice must copy";
  EXPECT_EQ(t.slice(4, 4).shape(), (Shape{0, 2}));
  EXPECT_EQ(t.slice(0, 4).at<int64_t>({3, 1}), 7);
}

TEST(RuntimeTensor, SliceRejectsBadRanges) {
  Tensor t = Tensor::zeros({4, 2});
  EXPECT_TRUE(containsAll(errorOf([&] { t.slice(2, 5); }),
                          {"slice(2, 5)", "end <= 4"}));
  EXPECT_TRUE(containsAll(errorOf([&] { t.slice(3, 1); }), {"slice(3, 1)"}));
  EXPECT_TRUE(containsAll(errorOf([&] { t.slice(-1, 2); }), {"slice(-1, 2)"}));
  Tensor scalar = Tensor::zeros({});
  EXPECT_TRUE(containsAll(errorOf([&] { scalar.slice(0, 0); }), {"scalar"}));
}

TEST(RuntimeTensor, AstypeConvertsLikeNumPy) {
  Tensor f = Tensor::fromVector<float>({2.7f, -2.7f, 0.0f, 255.9f}, {4});
  Tensor i = f.astype(DType::i32);
  EXPECT_EQ(i.dtype(), DType::i32);
  EXPECT_EQ(std::vector<int32_t>(i.data<int32_t>(), i.data<int32_t>() + 4),
            (std::vector<int32_t>{2, -2, 0, 255}));
  Tensor u = Tensor::fromVector<uint8_t>({0, 7, 255}, {3});
  Tensor uf = u.astype(DType::f32);
  EXPECT_EQ(uf.at<float>({2}), 255.0f);
  Tensor l = Tensor::fromVector<int32_t>({-5}, {1}).astype(DType::i64);
  EXPECT_EQ(l.at<int64_t>({0}), -5);
  // The same dtype still gives an independent copy.
  Tensor copy = f.astype(DType::f32);
  copy.at<float>({0}) = 9;
  EXPECT_EQ(f.at<float>({0}), 2.7f);
}

TEST(RuntimeTensor, AstypeRejectsValuesOutsideTheTargetRange) {
  Tensor f = Tensor::fromVector<float>({1, 300}, {2});
  EXPECT_TRUE(containsAll(errorOf([&] { f.astype(DType::u8); }),
                          {"astype(u8)", "element 1", "300", "[0, 255]"}));
  Tensor nan = Tensor::fromVector<float>(
      {0, 0, std::numeric_limits<float>::quiet_NaN()}, {3});
  EXPECT_TRUE(containsAll(errorOf([&] { nan.astype(DType::i32); }),
                          {"astype(i32)", "element 2", "nan"}));
  Tensor big = Tensor::fromVector<int64_t>({int64_t(1) << 31}, {1});
  EXPECT_TRUE(containsAll(errorOf([&] { big.astype(DType::i32); }),
                          {"element 0", "2147483648"}));
  Tensor neg = Tensor::fromVector<int32_t>({-1}, {1});
  EXPECT_TRUE(containsAll(errorOf([&] { neg.astype(DType::u8); }),
                          {"value -1"}));
  Tensor huge = Tensor::fromVector<float>({1e19f}, {1});
  EXPECT_TRUE(containsAll(errorOf([&] { huge.astype(DType::i64); }),
                          {"astype(i64)", "element 0"}));
}

TEST(RuntimeTensor, CloneIsIndependent) {
  Tensor t = Tensor::fromVector<float>({1, 2}, {2});
  Tensor c = t.clone();
  EXPECT_NE(c.raw(), t.raw());
  c.at<float>({0}) = 5;
  EXPECT_EQ(t.at<float>({0}), 1);
}

TEST(RuntimeTensor, ToStringPrintsNestedRows) {
  Tensor t = Tensor::fromVector<int32_t>({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(t.toString(),
            "Tensor(shape=(2, 3), dtype=i32)\n[[1, 2, 3],\n [4, 5, 6]]");
  Tensor u = Tensor::fromVector<uint8_t>({0, 255}, {2});
  EXPECT_EQ(u.toString(), "Tensor(shape=(2), dtype=u8)\n[0, 255]");
  EXPECT_EQ(Tensor::fromVector<float>({0.5f}, {}).toString(),
            "Tensor(shape=(), dtype=f32)\n0.5");
  Tensor cube = Tensor::fromVector<int64_t>({1, 2, 3, 4}, {2, 1, 2});
  EXPECT_EQ(cube.toString(),
            "Tensor(shape=(2, 1, 2), dtype=i64)\n[[[1, 2]],\n\n [[3, 4]]]");
}

TEST(RuntimeTensor, ToStringSummarizesLargeTensors) {
  std::vector<int32_t> values(2000);
  for (int i = 0; i < 2000; ++i)
    values[i] = i;
  std::string s = Tensor::fromVector(values, {2000}).toString();
  EXPECT_EQ(s, "Tensor(shape=(2000), dtype=i32)\n[0, 1, 2, ..., 1997, 1998, "
               "1999]");
}

TEST(RuntimeTensor, CopiesShareStorageCheaply) {
  Tensor a = Tensor::zeros({1000});
  Tensor b = a;
  EXPECT_EQ(b.raw(), a.raw());
  Tensor c = std::move(b);
  EXPECT_EQ(c.raw(), a.raw());
}

// borrow views memory it does not own (a NumPy array's) and keeps its owner
// alive through the shared pointer; misaligned memory is refused.
TEST(RuntimeTensor, BorrowViewsForeignMemory) {
  auto released = std::make_shared<bool>(false);
  alignas(64) static float block[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  {
    std::shared_ptr<void> owner(block, [released](void *) { *released = true; });
    Tensor t = Tensor::borrow(owner, {2, 4}, DType::f32);
    owner.reset();
    EXPECT_EQ(t.raw(), static_cast<void *>(block));
    EXPECT_EQ(t.at<float>({1, 2}), 7.0f);
    Tensor r = t.reshape({4, 2});
    t = Tensor();
    EXPECT_FALSE(*released);
    EXPECT_EQ(r.at<float>({3, 1}), 8.0f);
  }
  EXPECT_TRUE(*released);
  std::shared_ptr<void> odd(block + 1, [](void *) {});
  EXPECT_NE(errorOf([&] { Tensor::borrow(odd, {2}, DType::f32); }).find("is not 64-byte aligned"),
            std::string::npos);
}

} // namespace
