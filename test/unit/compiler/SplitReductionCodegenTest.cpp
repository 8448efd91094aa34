//===- SplitReductionCodegenTest.cpp - Sums split over threads -----------===//
//
// kiln-tile splits a sum into a small output (a bias gradient, a
// convolution's kernel gradient) along the batch, one partial per thread,
// and adds the partials to the op's init after the threads join. These run
// that path (two threads, a ragged batch split 7 + 6) and the one-thread
// path against double-precision loops; the init is not zero, so a merge
// that dropped it, or a partial counted twice, shows.
//
//===----------------------------------------------------------------------===//
#include "Harness.h"

#include "gtest/gtest.h"

#include <cmath>

namespace kiln::test {
namespace {

constexpr int64_t kBatch = 13, kSide = 26, kChannels = 32;

/// db[c] = init[c] + sum over (b, y, x) of dy[b, y, x, c].
const char *kBiasGradient = R"(
func.func @f(%mdy: memref<?x26x26x32xf32>, %minit: memref<32xf32>, %mout: memref<32xf32>) attributes {llvm.emit_c_interface} {
  %dy = bufferization.to_tensor %mdy restrict : memref<?x26x26x32xf32> to tensor<?x26x26x32xf32>
  %init = bufferization.to_tensor %minit restrict : memref<32xf32> to tensor<32xf32>
  %db = linalg.generic {indexing_maps = [affine_map<(b, y, x, c) -> (b, y, x, c)>, affine_map<(b, y, x, c) -> (c)>],
                        iterator_types = ["reduction", "reduction", "reduction", "parallel"]}
      ins(%dy : tensor<?x26x26x32xf32>) outs(%init : tensor<32xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %in, %acc : f32
    linalg.yield %s : f32
  } -> tensor<32xf32>
  bufferization.materialize_in_destination %db in restrict writable %mout : (tensor<32xf32>, memref<32xf32>) -> ()
  return
}
)";

/// dw[kh, kw, 0, f] = init + sum over (b, y, x) of
/// x[b, y + kh, x + kw, 0] * dy[b, y, x, f]: the first convolution's kernel
/// gradient (28x28x1 images, 3x3 kernels, 32 filters).
const char *kKernelGradient = R"(
func.func @f(%mx: memref<?x28x28x1xf32>, %mdy: memref<?x26x26x32xf32>, %minit: memref<3x3x1x32xf32>, %mout: memref<3x3x1x32xf32>) attributes {llvm.emit_c_interface} {
  %x = bufferization.to_tensor %mx restrict : memref<?x28x28x1xf32> to tensor<?x28x28x1xf32>
  %dy = bufferization.to_tensor %mdy restrict : memref<?x26x26x32xf32> to tensor<?x26x26x32xf32>
  %init = bufferization.to_tensor %minit restrict : memref<3x3x1x32xf32> to tensor<3x3x1x32xf32>
  %dw = linalg.generic {indexing_maps = [affine_map<(kh, kw, c, f, b, y, x) -> (b, y + kh, x + kw, c)>,
                                         affine_map<(kh, kw, c, f, b, y, x) -> (b, y, x, f)>,
                                         affine_map<(kh, kw, c, f, b, y, x) -> (kh, kw, c, f)>],
                        iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %dy : tensor<?x28x28x1xf32>, tensor<?x26x26x32xf32>) outs(%init : tensor<3x3x1x32xf32>) {
  ^bb0(%a: f32, %g: f32, %acc: f32):
    %p = arith.mulf %a, %g : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<3x3x1x32xf32>
  bufferization.materialize_in_destination %dw in restrict writable %mout : (tensor<3x3x1x32xf32>, memref<3x3x1x32xf32>) -> ()
  return
}
)";

void expectNear(const std::vector<double> &ref, const HostBuffer &out,
                double terms) {
  int64_t bad = 0;
  for (size_t i = 0; i < ref.size(); ++i)
    if (std::abs(out.f32()[i] - ref[i]) > 1e-4 * std::sqrt(terms) &&
        bad++ < 5)
      ADD_FAILURE() << "element " << i << " = " << out.f32()[i]
                    << ", expected " << ref[i];
  EXPECT_EQ(bad, 0);
}

/// Compiles `source` for `threads` and runs its @f on `args`.
void run(const char *source, int64_t threads,
         std::initializer_list<HostBuffer *> args) {
  JitOptions options;
  options.threads = threads;
  auto jit = compileKiln(source, options);
  ASSERT_TRUE(jit);
  auto fn = jit->lookup("f");
  ASSERT_TRUE(static_cast<bool>(fn));
  call(*fn, args);
}

void checkBiasGradient(int64_t threads) {
  std::mt19937 rng(3);
  int64_t rows = kBatch * kSide * kSide;
  HostBuffer dy({kBatch, kSide, kSide, kChannels},
                uniform(rng, rows * kChannels, -1, 1));
  HostBuffer init({kChannels}, uniform(rng, kChannels, 5, 6));
  HostBuffer out = HostBuffer::zeros({kChannels});
  run(kBiasGradient, threads, {&dy, &init, &out});
  std::vector<double> ref(kChannels);
  for (int64_t c = 0; c < kChannels; ++c) {
    ref[c] = init.f32()[c];
    for (int64_t r = 0; r < rows; ++r)
      ref[c] += dy.f32()[r * kChannels + c];
  }
  expectNear(ref, out, double(rows));
}

void checkKernelGradient(int64_t threads) {
  std::mt19937 rng(5);
  HostBuffer x({kBatch, 28, 28, 1}, uniform(rng, kBatch * 28 * 28, 0, 1));
  HostBuffer dy({kBatch, kSide, kSide, kChannels},
                uniform(rng, kBatch * kSide * kSide * kChannels, -1, 1));
  HostBuffer init({3, 3, 1, kChannels}, uniform(rng, 9 * kChannels, 5, 6));
  HostBuffer out = HostBuffer::zeros({3, 3, 1, kChannels});
  run(kKernelGradient, threads, {&x, &dy, &init, &out});
  std::vector<double> ref(9 * kChannels);
  for (int64_t kh = 0; kh < 3; ++kh)
    for (int64_t kw = 0; kw < 3; ++kw)
      for (int64_t f = 0; f < kChannels; ++f) {
        int64_t i = (kh * 3 + kw) * kChannels + f;
        ref[i] = init.f32()[i];
        for (int64_t b = 0; b < kBatch; ++b)
          for (int64_t y = 0; y < kSide; ++y)
            for (int64_t xx = 0; xx < kSide; ++xx)
              ref[i] += double(x.f32()[(b * 28 + y + kh) * 28 + xx + kw]) *
                        dy.f32()[((b * kSide + y) * kSide + xx) * kChannels + f];
      }
  expectNear(ref, out, double(kBatch * kSide * kSide));
}

TEST(SplitReductionCodegen, BiasGradientOnTwoThreads) { checkBiasGradient(2); }
TEST(SplitReductionCodegen, BiasGradientOnOneThread) { checkBiasGradient(1); }
TEST(SplitReductionCodegen, KernelGradientOnTwoThreads) {
  checkKernelGradient(2);
}
TEST(SplitReductionCodegen, KernelGradientOnOneThread) {
  checkKernelGradient(1);
}

} // namespace
} // namespace kiln::test
