//===- JitTest.cpp - JitModule on its own ---------------------------------===//
//
// The JIT's own contract, apart from any model: a module compiles at every
// optimization level, its entry points run, and a missing one is an error.
// Under the sanitizer build (scripts/test.sh --sanitize) these also guard the
// lifetime of the optimizing transformer ExecutionEngine::create calls.
//
//===----------------------------------------------------------------------===//
#include "Harness.h"

#include "gtest/gtest.h"

namespace kiln::test {
namespace {

// out = relu(x) * 2, on a dynamic batch.
constexpr const char *kSource = R"mlir(
func.func @f(%mx: memref<?x20xf32>, %mo: memref<?x20xf32>)
    attributes {llvm.emit_c_interface} {
  %x = bufferization.to_tensor %mx restrict : memref<?x20xf32> to tensor<?x20xf32>
  %r = kiln.relu %x : tensor<?x20xf32>
  %s = kiln.add %r, %r : tensor<?x20xf32>, tensor<?x20xf32>
  bufferization.materialize_in_destination %s in restrict writable %mo
      : (tensor<?x20xf32>, memref<?x20xf32>) -> ()
  return
}
)mlir";

class JitAtLevel : public ::testing::TestWithParam<unsigned> {};

TEST_P(JitAtLevel, CompilesAndRuns) {
  JitOptions options;
  options.optLevel = GetParam();
  options.threads = 1;
  auto jit = compileKiln(kSource, options);
  ASSERT_TRUE(jit);
  auto fn = jit->lookup("f");
  ASSERT_TRUE(static_cast<bool>(fn));
  std::mt19937 rng(3);
  HostBuffer x({3, 20}, uniform(rng, 60, -1, 1));
  HostBuffer out = HostBuffer::zeros({3, 20});
  call(*fn, {&x, &out});
  for (int64_t i = 0; i < 60; ++i)
    EXPECT_FLOAT_EQ(out.f32()[i], x.f32()[i] > 0 ? 2 * x.f32()[i] : 0.0f)
        << "element " << i;
}

INSTANTIATE_TEST_SUITE_P(Levels, JitAtLevel, ::testing::Values(0u, 2u, 3u));

TEST(Jit, MissingEntryPointIsAnError) {
  JitOptions options;
  options.threads = 1;
  auto jit = compileKiln(kSource, options);
  ASSERT_TRUE(jit);
  auto fn = jit->lookup("no_such_function");
  ASSERT_FALSE(static_cast<bool>(fn));
  EXPECT_NE(llvm::toString(fn.takeError()).find("no_such_function"),
            std::string::npos);
}

} // namespace
} // namespace kiln::test
