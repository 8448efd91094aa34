// compileToJit with the persistent compile cache: a second compile loads the
// first one's objects (and they compute what a fresh compile does), a
// corrupt, truncated, stale or unlinkable entry is recompiled and replaced,
// KILN_CACHE=off neither reads nor writes, and the key follows the IR, the
// pre-pipeline and the target.
#include "compiler/JIT/Compile.h"
#include "compiler/JIT/CompileCache.h"
#include "compiler/Transforms/StepLayoutAttr.h"
#include "compiler/Registration.h"
#include "runtime/cache/CacheFile.h"
#include "../ScopedEnv.h"
#include "Harness.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace kiln::test {
namespace {

namespace fs = std::filesystem;

// A 3-4-2 classifier as the frontend emits it.
const char *kModel = R"mlir(
func.func @forward(%w: tensor<3x4xf32> {kiln.param}, %b: tensor<4xf32> {kiln.param},
                   %v: tensor<4x2xf32> {kiln.param}, %c: tensor<2xf32> {kiln.param},
                   %x: tensor<?x3xf32>) -> tensor<?x2xf32> {
  %h = kiln.dense %x, %w, %b : tensor<?x3xf32>, tensor<3x4xf32>, tensor<4xf32>
  %a = kiln.relu %h : tensor<?x4xf32>
  %o = kiln.dense %a, %v, %c : tensor<?x4xf32>, tensor<4x2xf32>, tensor<2xf32>
  %p = kiln.softmax %o axis = -1 : tensor<?x2xf32>
  return %p : tensor<?x2xf32>
}
func.func @loss(%w: tensor<3x4xf32> {kiln.param, kiln.trainable}, %b: tensor<4xf32> {kiln.param, kiln.trainable},
                %v: tensor<4x2xf32> {kiln.param, kiln.trainable}, %c: tensor<2xf32> {kiln.param, kiln.trainable},
                %x: tensor<?x3xf32>, %y: tensor<?xi32>) -> tensor<f32> {
  %p = call @forward(%w, %b, %v, %c, %x) : (tensor<3x4xf32>, tensor<4xf32>, tensor<4x2xf32>, tensor<2xf32>, tensor<?x3xf32>) -> tensor<?x2xf32>
  %l = kiln.sparse_categorical_crossentropy %y, %p : tensor<?xi32>, tensor<?x2xf32>
  return %l : tensor<f32>
}
)mlir";

const char *kSteps = "kiln-make-steps";

class CompileCache : public ::testing::Test {
protected:
  void SetUp() override {
    registerKilnPasses();
    mlir::DialectRegistry registry;
    registerAllDialects(registry);
    context = std::make_unique<mlir::MLIRContext>(registry);
    std::string pattern =
        (fs::temp_directory_path() / "kiln-cache-test-XXXXXX").string();
    ASSERT_TRUE(mkdtemp(pattern.data()));
    dir = pattern;
    options.cache = true;
    options.cacheDir = dir;
    options.threads = 1;
  }
  void TearDown() override { fs::remove_all(dir); }

  mlir::OwningOpRef<mlir::ModuleOp> parse(const std::string &source = kModel) {
    return mlir::parseSourceString<mlir::ModuleOp>(source, context.get());
  }

  /// Compiles kModel; returns the JIT and whether it came from the cache.
  std::pair<std::unique_ptr<JitModule>, bool> compile() {
    auto module = parse();
    CompileTimings timings;
    auto jit = compileToJit(*module, kSteps, options, &timings);
    if (!jit) {
      ADD_FAILURE() << llvm::toString(jit.takeError());
      return {nullptr, false};
    }
    return {std::move(*jit), timings.cacheHit};
  }

  std::vector<std::string> files() const {
    std::vector<std::string> names;
    for (const auto &entry : fs::directory_iterator(dir))
      names.push_back(entry.path().filename().string());
    return names;
  }

  std::string entryFile() const {
    auto names = files();
    EXPECT_EQ(names.size(), 1u);
    return names.empty() ? "" : (fs::path(dir) / names[0]).string();
  }

  ScopedEnv cacheOn{"KILN_CACHE", nullptr};
  std::unique_ptr<mlir::MLIRContext> context;
  std::string dir;
  JitOptions options;
};

/// predict_step's probabilities for a fixed batch of two.
std::vector<float> predict(JitModule &jit) {
  auto fn = jit.lookup("predict_step");
  EXPECT_TRUE(bool(fn)) << (fn ? "" : llvm::toString(fn.takeError()));
  if (!fn)
    return {};
  HostBuffer w({3, 4}, {0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f, 0.7f, -0.8f,
                        0.9f, 0.1f, 0.2f, -0.3f});
  HostBuffer b({4}, {0.01f, 0.02f, -0.03f, 0.04f});
  HostBuffer v({4, 2}, {0.5f, -0.5f, 0.25f, 0.75f, -1.f, 1.f, 0.3f, 0.2f});
  HostBuffer c({2}, {0.1f, -0.1f});
  HostBuffer x({2, 3}, {1.f, 2.f, 3.f, -1.f, 0.5f, 0.25f});
  HostBuffer out = HostBuffer::zeros({2, 2});
  call(*fn, {&w, &b, &v, &c, &x, &out});
  return std::vector<float>(out.f32(), out.f32() + 4);
}

void writeFile(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_F(CompileCache, SecondCompileLoadsTheFirstsObjects) {
  auto [fresh, firstHit] = compile();
  ASSERT_TRUE(fresh);
  EXPECT_FALSE(firstHit);
  ASSERT_EQ(files().size(), 1u);
  EXPECT_TRUE(files()[0].ends_with(".kiln"));

  CompileTimings timings;
  auto module = parse();
  auto cached = compileToJit(*module, kSteps, options, &timings);
  ASSERT_TRUE(bool(cached)) << llvm::toString(cached.takeError());
  EXPECT_TRUE(timings.cacheHit);
  // Nothing was lowered: the module is still as parsed, steps not made.
  EXPECT_TRUE(module->lookupSymbol("forward"));
  EXPECT_FALSE(module->lookupSymbol("train_step"));
  EXPECT_FALSE(timings.stage("kiln-optimize"));
  EXPECT_FALSE(timings.stage("llvm-codegen"));
  for (const char *step : {"train_step", "eval_step", "predict_step"}) {
    EXPECT_TRUE(bool((*cached)->lookup(step))) << step;
    // The argument layouts kiln-make-steps recorded come back from the cache.
    std::optional<abi::StepLayout> made = fresh->layout(step);
    ASSERT_TRUE(made) << step;
    EXPECT_EQ((*cached)->layout(step), made) << step;
  }
  EXPECT_EQ(fresh->layout("train_step"),
            abi::StepLayout::train(4, 0, 1, 1));
  EXPECT_EQ(fresh->layout("predict_step"), abi::StepLayout::predict(4, 1, 1));
  std::vector<float> expected = predict(*fresh);
  ASSERT_EQ(expected.size(), 4u);
  EXPECT_EQ(predict(**cached), expected);
}

TEST_F(CompileCache, DamagedEntriesAreRecompiledAndReplaced) {
  ASSERT_TRUE(compile().first);
  std::string file = entryFile();
  const std::string good = readFile(file);
  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x10;
  auto sections = cache::decode(good, fs::path(file).stem().string());
  ASSERT_TRUE(sections);
  // An entry whose bytes are intact but whose object LLVM cannot link.
  std::vector<cache::Section> garbage = *sections;
  for (cache::Section &s : garbage)
    if (s.name == "object")
      s.bytes = "not an object file";
  const std::map<std::string, std::string> damaged = {
      {"truncated", good.substr(0, good.size() - 100)},
      {"corrupt", flipped},
      {"stale", cache::encode(std::string(64, 'e'), *sections)},
      {"unlinkable", cache::encode(fs::path(file).stem().string(), garbage)},
      {"empty", ""}};
  for (const auto &[what, bytes] : damaged) {
    writeFile(file, bytes);
    auto [jit, hit] = compile();
    ASSERT_TRUE(jit) << what;
    EXPECT_FALSE(hit) << what;
    EXPECT_EQ(predict(*jit).size(), 4u) << what;
    EXPECT_EQ(files().size(), 1u) << what;
    EXPECT_EQ(readFile(file), good) << what << ": the entry was not replaced";
    EXPECT_TRUE(compile().second) << what << ": the replaced entry misses";
  }
}

TEST_F(CompileCache, OffSwitchNeitherReadsNorWrites) {
  {
    ScopedEnv off("KILN_CACHE", "off");
    auto [jit, hit] = compile();
    ASSERT_TRUE(jit);
    EXPECT_FALSE(hit);
    EXPECT_TRUE(files().empty());
  }
  ASSERT_TRUE(compile().first);
  ASSERT_EQ(files().size(), 1u);
  ScopedEnv off("KILN_CACHE", "off");
  auto [jit, hit] = compile();
  ASSERT_TRUE(jit);
  EXPECT_FALSE(hit) << "KILN_CACHE=off read an entry";
  // JitOptions::cache off too.
  options.cache = false;
  ScopedEnv on("KILN_CACHE", nullptr);
  EXPECT_FALSE(compile().second);
}

TEST_F(CompileCache, KeyFollowsTheIrThePipelineAndTheTarget) {
  auto module = parse();
  std::string key = compileCacheKey(*module, kSteps, options);
  EXPECT_EQ(key.size(), 64u);
  EXPECT_EQ(compileCacheKey(*parse(), kSteps, options), key);
  // Locations never reach the code.
  std::string located = std::string(kModel);
  std::string ret = "return %p : tensor<?x2xf32>";
  located.replace(located.find(ret), ret.size(),
                  ret + " loc(\"somewhere\")");
  EXPECT_EQ(compileCacheKey(*parse(located), kSteps, options), key);

  std::string other = std::string(kModel);
  other.replace(other.find("axis = -1"), 9, "axis = 1");
  EXPECT_NE(compileCacheKey(*parse(other), kSteps, options), key);
  EXPECT_NE(compileCacheKey(*module, "kiln-make-steps{bogus}", options), key);
  // The optimizer is part of the IR; its starting learning rate is not
  // code (train_step reads the rate from an argument) but is in the key.
  EXPECT_NE(compileCacheKey(
                *parse(withOptimizer(kModel, "kind = adam, learning_rate = 0.001")),
                kSteps, options),
            key);
  JitOptions threads = options;
  threads.threads = 2;
  EXPECT_NE(compileCacheKey(*module, kSteps, threads), key);
  JitOptions cpu = options;
  cpu.cpu = "x86-64";
  EXPECT_NE(compileCacheKey(*module, kSteps, cpu), key);
  JitOptions opt = options;
  opt.optLevel = 2;
  EXPECT_NE(compileCacheKey(*module, kSteps, opt), key);
  // The folder is not part of the key.
  JitOptions elsewhere = options;
  elsewhere.cacheDir = "/elsewhere";
  EXPECT_EQ(compileCacheKey(*module, kSteps, elsewhere), key);
}

TEST_F(CompileCache, BuildDescriptionNamesKilnMlirAndLlvmBuilds) {
  std::string build = describeCompilerBuild();
  for (const char *part : {"kiln ", "kiln-build ", "mlir-build ", "llvm-build "})
    EXPECT_NE(build.find(part), std::string::npos) << build;
  EXPECT_EQ(build.find("unknown\n"), std::string::npos) << build;
}

} // namespace
} // namespace kiln::test

namespace kiln::test {

// Tests the two forms of a step layout (the attribute on the step function,
// the text in a cache entry): each reads back what it wrote, and each
// refuses an unknown role, a role twice and a negative count.
TEST(StepLayoutForms, RoundTripAndRefusals) {
  abi::StepLayout layout = abi::StepLayout::train(6, 12, 1, 1);
  mlir::MLIRContext context;
  EXPECT_EQ(stepLayoutFromAttr(stepLayoutToAttr(&context, layout)), layout);
  EXPECT_EQ(stepLayoutToString(layout),
            "params=6 slots=12 iterations=1 learning_rate=1 inputs=1 "
            "targets=1 results=1");
  EXPECT_EQ(stepLayoutFromString(stepLayoutToString(layout)), layout);
  for (const char *bad : {"params=6 weights=2", "params=6 params=2",
                          "params=-1", "params", "params=x"})
    EXPECT_FALSE(stepLayoutFromString(bad)) << bad;
  mlir::Builder b(&context);
  auto pair = [&](const char *role, int64_t n) -> mlir::Attribute {
    return b.getArrayAttr({b.getStringAttr(role), b.getI64IntegerAttr(n)});
  };
  EXPECT_FALSE(stepLayoutFromAttr(b.getArrayAttr({pair("weights", 2)})));
  EXPECT_FALSE(
      stepLayoutFromAttr(b.getArrayAttr({pair("inputs", 1), pair("inputs", 1)})));
  EXPECT_FALSE(stepLayoutFromAttr(b.getArrayAttr({pair("params", -3)})));
  EXPECT_FALSE(stepLayoutFromAttr(b.getStringAttr("params=6")));
}

} // namespace kiln::test
