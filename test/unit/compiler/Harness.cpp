//===- Harness.cpp - Compile kiln IR and call it, for unit tests ----------===//
#include "Harness.h"

#include "compiler/JIT/Compile.h"
#include "compiler/Registration.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"
#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>

namespace kiln::test {

HostBuffer::HostBuffer(std::vector<int64_t> s, std::vector<float> values)
    : shape(std::move(s)) {
  EXPECT_EQ((int64_t)values.size(), numElements());
  bytes.resize(values.size() * sizeof(float));
  std::memcpy(bytes.data(), values.data(), bytes.size());
}

HostBuffer HostBuffer::zeros(std::vector<int64_t> shape) {
  HostBuffer b;
  b.shape = std::move(shape);
  b.bytes.assign(b.numElements() * sizeof(float), 0);
  return b;
}

HostBuffer HostBuffer::ints(std::vector<int64_t> shape,
                            std::vector<int32_t> values) {
  HostBuffer b;
  b.shape = std::move(shape);
  EXPECT_EQ((int64_t)values.size(), b.numElements());
  b.bytes.resize(values.size() * sizeof(int32_t));
  std::memcpy(b.bytes.data(), values.data(), b.bytes.size());
  return b;
}

HostBuffer HostBuffer::i64Scalar(int64_t value) {
  HostBuffer b;
  b.bytes.resize(sizeof(int64_t));
  std::memcpy(b.bytes.data(), &value, sizeof(value));
  return b;
}

int64_t HostBuffer::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

void *HostBuffer::descriptor() {
  size_t rank = shape.size();
  words.assign(3 + 2 * rank, 0);
  auto ptr = reinterpret_cast<int64_t>(bytes.data());
  words[0] = words[1] = ptr;
  int64_t stride = 1;
  for (size_t i = rank; i-- > 0;) {
    words[3 + i] = shape[i];
    words[3 + rank + i] = stride;
    stride *= shape[i];
  }
  return words.data();
}

void call(JitModule::PackedFn fn, std::vector<HostBuffer *> args) {
  std::vector<void *> descriptors, packed;
  for (HostBuffer *b : args)
    descriptors.push_back(b->descriptor());
  for (void *&d : descriptors)
    packed.push_back(&d);
  fn(packed.data());
}

std::unique_ptr<JitModule> compileKiln(const std::string &source,
                                       const JitOptions &options,
                                       const std::string &prePipeline) {
  static bool registered = [] {
    kiln::registerAllPasses();
    return true;
  }();
  (void)registered;
  // KILN_TEST_DUMP=dir keeps every compiled source for kiln-opt replays.
  if (const char *dir = std::getenv("KILN_TEST_DUMP")) {
    static int counter = 0;
    std::string path = std::string(dir) + "/source" + std::to_string(counter++) + ".mlir";
    std::ofstream(path) << source;
  }
  mlir::DialectRegistry registry;
  kiln::registerAllDialects(registry);
  mlir::MLIRContext context(registry);
  std::string diagnostics;
  llvm::raw_string_ostream os(diagnostics);
  llvm::SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &context, os);
  auto module = mlir::parseSourceString<mlir::ModuleOp>(source, &context);
  if (!module) {
    ADD_FAILURE() << "parse failed:\n" << diagnostics << "\n" << source;
    return nullptr;
  }
  auto jit = compileToJit(*module, prePipeline, options);
  if (!jit) {
    ADD_FAILURE() << llvm::toString(jit.takeError()) << "\n" << source;
    return nullptr;
  }
  return std::move(*jit);
}

std::string withOptimizer(const std::string &body,
                          const std::string &optimizer) {
  return "module attributes {kiln.optimizer = #kiln.optimizer<" + optimizer +
         ">} {\n" + body + "}\n";
}

std::vector<float> uniform(std::mt19937 &rng, size_t n, float lo, float hi) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(rng);
  return v;
}

std::string typeString(const char *kind, const std::vector<int64_t> &shape,
                       const char *element) {
  std::string s = std::string(kind) + "<";
  for (int64_t d : shape)
    s += (d < 0 ? std::string("?") : std::to_string(d)) + "x";
  return s + element + ">";
}

} // namespace kiln::test
