//===- MatmulCodegenTest.cpp - Generated matmuls against a reference -----===//
//
// kiln-tile's matmul paths run here on shapes that reach them on any host:
// B larger than half of any L2 Kiln has met (so K and N are cache-blocked),
// with B read in place (under 64 rows) and packed (from 64 rows on), K with
// no divisor near the block size (a partial K block), N not a multiple of
// the vector width (a masked last panel), a ragged batch, every operand
// layout, one and two threads. The reference is a double-precision triple
// loop.
//
//===----------------------------------------------------------------------===//
#include "Harness.h"

#include "gtest/gtest.h"

#include <cmath>
#include <sstream>

namespace kiln::test {
namespace {

struct Case {
  int64_t m, n, k;
  bool transposeA, transposeB;
  int64_t threads;
  /// Target CPU; empty is the host.
  const char *cpu = "";
};

std::string source(const Case &c) {
  std::vector<int64_t> a = c.transposeA ? std::vector<int64_t>{c.k, -1}
                                        : std::vector<int64_t>{-1, c.k};
  std::vector<int64_t> b = c.transposeB ? std::vector<int64_t>{c.n, c.k}
                                        : std::vector<int64_t>{c.k, c.n};
  std::vector<int64_t> out{-1, c.n};
  std::ostringstream os;
  os << "func.func @mm(%ma: " << typeString("memref", a)
     << ", %mb: " << typeString("memref", b)
     << ", %mc: " << typeString("memref", out)
     << ") attributes {llvm.emit_c_interface} {\n"
     << "  %a = bufferization.to_tensor %ma restrict : "
     << typeString("memref", a) << " to " << typeString("tensor", a) << "\n"
     << "  %b = bufferization.to_tensor %mb restrict : "
     << typeString("memref", b) << " to " << typeString("tensor", b) << "\n"
     << "  %c = kiln.matmul %a, %b" << (c.transposeA ? " transpose_lhs" : "")
     << (c.transposeB ? " transpose_rhs" : "") << " : "
     << typeString("tensor", a) << ", " << typeString("tensor", b) << "\n"
     << "  bufferization.materialize_in_destination %c in restrict writable %mc"
     << " : (" << typeString("tensor", out) << ", "
     << typeString("memref", out) << ") -> ()\n"
     << "  return\n}\n";
  return os.str();
}

void check(const Case &c) {
  JitOptions options;
  options.threads = c.threads;
  options.cpu = c.cpu;
  auto jit = compileKiln(source(c), options);
  ASSERT_TRUE(jit);
  auto fn = jit->lookup("mm");
  ASSERT_TRUE(static_cast<bool>(fn));
  std::mt19937 rng(7);
  HostBuffer a(c.transposeA ? std::vector<int64_t>{c.k, c.m}
                            : std::vector<int64_t>{c.m, c.k},
               uniform(rng, c.m * c.k, -1, 1));
  HostBuffer b(c.transposeB ? std::vector<int64_t>{c.n, c.k}
                            : std::vector<int64_t>{c.k, c.n},
               uniform(rng, c.k * c.n, -1, 1));
  HostBuffer out = HostBuffer::zeros({c.m, c.n});
  call(*fn, {&a, &b, &out});
  auto at = [&](int64_t i, int64_t p) {
    return c.transposeA ? a.f32()[p * c.m + i] : a.f32()[i * c.k + p];
  };
  auto bt = [&](int64_t p, int64_t j) {
    return c.transposeB ? b.f32()[j * c.k + p] : b.f32()[p * c.n + j];
  };
  int64_t bad = 0;
  for (int64_t i = 0; i < c.m; ++i)
    for (int64_t j = 0; j < c.n; ++j) {
      double ref = 0;
      for (int64_t p = 0; p < c.k; ++p)
        ref += double(at(i, p)) * bt(p, j);
      double got = out.f32()[i * c.n + j];
      // float accumulation over k terms of size ~1/3: error ~ sqrt(k) ulps.
      if (std::abs(got - ref) > 1e-3 * std::sqrt(double(c.k)) && bad++ < 5)
        ADD_FAILURE() << "C[" << i << ", " << j << "] = " << got
                      << ", expected " << ref;
    }
  EXPECT_EQ(bad, 0) << "wrong elements of " << c.m << "x" << c.n << "x"
                    << c.k;
}

TEST(MatmulCodegen, CacheBlockedWithPartialKBlockMaskedPanelAndRaggedRows) {
  // 1009 is prime: the last K block is partial. 1040 = 32 * 32 + 16.
  check({37, 1040, 1009, false, false, 1});
  check({93, 1040, 1009, false, false, 1});
}

TEST(MatmulCodegen, CacheBlockedOnTwoThreads) {
  check({45, 1040, 1009, false, false, 2});
  check({101, 1040, 1009, false, false, 2});
}

TEST(MatmulCodegen, CacheBlockedPowerOfTwo) {
  check({64, 1024, 1024, false, false, 2});
}

TEST(MatmulCodegen, CacheBlockedTransposedOperands) {
  check({19, 1000, 1030, false, true, 1});
  check({23, 1000, 1030, true, false, 2});
}

TEST(MatmulCodegen, CacheBlockedOnGenericAndAvx2Targets) {
  // SSE2 (4-wide, 16 registers) and AVX2 (8-wide): other register tiles,
  // panel widths and kc.
  check({37, 1040, 1009, false, false, 2, "x86-64"});
  check({21, 1000, 1030, false, true, 1, "haswell"});
  check({75, 1040, 1009, false, false, 2, "x86-64"});
  check({66, 1000, 1030, true, true, 1, "haswell"});
}

TEST(MatmulCodegen, UnblockedMlpShapes) {
  check({33, 300, 784, false, false, 2});
  check({33, 300, 100, false, true, 1});
  check({784, 300, 33, true, false, 2});
}

} // namespace
} // namespace kiln::test
