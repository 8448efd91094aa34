//===- Harness.h - Compile kiln IR and call it, for unit tests --*- C++ -*-===//
//
// Tests hand kiln IR as text to `compileKiln`, which runs the kiln-to-llvm
// pipeline and the JIT, and call the result's steps with `HostBuffer`s.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TEST_UNIT_COMPILER_HARNESS_H
#define KILN_TEST_UNIT_COMPILER_HARNESS_H

#include "compiler/JIT/Jit.h"

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace kiln::test {

/// A dense row-major host buffer and the memref descriptor that points at it
/// ({allocated, aligned, offset, sizes[rank], strides[rank]}).
struct HostBuffer {
  HostBuffer() = default;
  HostBuffer(std::vector<int64_t> shape, std::vector<float> values);
  static HostBuffer zeros(std::vector<int64_t> shape);
  static HostBuffer ints(std::vector<int64_t> shape, std::vector<int32_t> values);
  static HostBuffer i64Scalar(int64_t value);

  float *f32() { return reinterpret_cast<float *>(bytes.data()); }
  const float *f32() const { return reinterpret_cast<const float *>(bytes.data()); }
  int64_t numElements() const;
  /// The descriptor, rebuilt so it points at the current storage.
  void *descriptor();

  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
  std::vector<int64_t> words;
};

/// Calls a packed entry point with the buffers' descriptors.
void call(JitModule::PackedFn fn, std::vector<HostBuffer *> args);

/// Parses `source`, runs `prePipeline` (a textual pass list such as
/// "kiln-make-steps", may be empty), then kiln-to-llvm, and
/// JIT-compiles it. Fails the test and returns nullptr, with the
/// diagnostics, when any stage fails.
std::unique_ptr<JitModule> compileKiln(const std::string &source,
                                       const JitOptions &options = {},
                                       const std::string &prePipeline = "");

/// `body` (functions) in a module that trains with `optimizer`, the
/// parameters of a #kiln.optimizer: "kind = adam, learning_rate = 0.05".
std::string withOptimizer(const std::string &body, const std::string &optimizer);

/// Uniform values in [lo, hi) from a seeded generator.
std::vector<float> uniform(std::mt19937 &rng, size_t n, float lo, float hi);

/// "tensor<2x3xf32>" / "memref<?x3xf32>" spelled from a shape (-1 = dynamic).
std::string typeString(const char *kind, const std::vector<int64_t> &shape,
                       const char *element = "f32");

} // namespace kiln::test

#endif // KILN_TEST_UNIT_COMPILER_HARNESS_H
