// Each step of the Fashion-MNIST MLP and CNN, lowered from a module of its
// own (what compileToJit compiles in parallel), is the code the whole
// module lowers it to.
#include "compiler/JIT/Split.h"
#include "compiler/Pipelines/Pipelines.h"
#include "compiler/Registration.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

namespace kiln::test {
namespace {

std::string readSource(const std::string &relative) {
  std::ifstream in(std::string(KILN_SOURCE_DIR) + "/" + relative);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// Lowers `module` to the LLVM dialect for one fixed target.
void lower(mlir::ModuleOp module) {
  mlir::PassManager pm(module->getContext());
  CodegenOptions options;
  options.cpu = "haswell";
  options.threads = 2;
  buildKilnToLLVMPipeline(pm, options);
  ASSERT_TRUE(mlir::succeeded(pm.run(module)));
}

/// The printed llvm.func ops of `module`, by name.
std::map<std::string, std::string> functions(mlir::ModuleOp module) {
  std::map<std::string, std::string> texts;
  for (auto fn : module.getOps<mlir::LLVM::LLVMFuncOp>()) {
    std::string text;
    llvm::raw_string_ostream os(text);
    fn->print(os);
    texts[fn.getSymName().str()] = text;
  }
  return texts;
}

void expectSplitLowersLikeTheWhole(const char *file, const char *steps) {
  registerKilnPasses();
  mlir::DialectRegistry registry;
  registerAllDialects(registry);
  mlir::MLIRContext context(registry);
  auto whole = mlir::parseSourceString<mlir::ModuleOp>(readSource(file),
                                                       &context);
  ASSERT_TRUE(whole) << file;
  mlir::PassManager pre(&context);
  ASSERT_TRUE(mlir::succeeded(mlir::parsePassPipeline(steps, pre)));
  ASSERT_TRUE(mlir::succeeded(pre.run(*whole)));

  std::vector<FunctionModule> parts = splitByPublicFunction(*whole);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].name, "train_step") << "the largest comes first";
  lower(*whole);
  auto expected = functions(*whole);
  for (FunctionModule &part : parts) {
    lower(*part.module);
    auto actual = functions(*part.module);
    // The step, its C interface and every function they call.
    EXPECT_TRUE(actual.count(part.name)) << part.name;
    EXPECT_TRUE(actual.count("_mlir_ciface_" + part.name)) << part.name;
    for (const auto &[name, text] : actual) {
      ASSERT_TRUE(expected.count(name)) << part.name << " has " << name;
      EXPECT_EQ(text, expected[name]) << part.name << ": " << name;
    }
  }
}

TEST(JitSplit, MlpStepsLowerAsInTheWholeModule) {
  expectSplitLowersLikeTheWhole(
      "test/compiler/Transforms/count-memory-passes.mlir", "kiln-make-steps");
}

TEST(JitSplit, CnnStepsLowerAsInTheWholeModule) {
  expectSplitLowersLikeTheWhole(
      "test/compiler/Transforms/count-memory-passes-cnn.mlir",
      "kiln-make-steps");
}

TEST(JitSplit, OnePublicFunctionIsNotSplit) {
  mlir::MLIRContext context;
  context.loadDialect<mlir::func::FuncDialect>();
  auto module = mlir::parseSourceString<mlir::ModuleOp>(
      "func.func @f() { return }\nfunc.func private @g() { return }",
      &context);
  ASSERT_TRUE(module);
  EXPECT_TRUE(splitByPublicFunction(*module).empty());
}

TEST(JitSplit, APublicFunctionAnotherCallsStaysAsAPrivateCopy) {
  mlir::MLIRContext context;
  context.loadDialect<mlir::func::FuncDialect>();
  auto module = mlir::parseSourceString<mlir::ModuleOp>(R"mlir(
    func.func @callee() { return }
    func.func @caller() { call @callee() : () -> () return }
    func.func @other() { return }
  )mlir",
                                                        &context);
  ASSERT_TRUE(module);
  auto parts = splitByPublicFunction(*module);
  ASSERT_EQ(parts.size(), 3u);
  for (FunctionModule &part : parts) {
    auto fns = part.module->getOps<mlir::func::FuncOp>();
    std::map<std::string, bool> publics;
    for (auto fn : fns)
      publics[fn.getSymName().str()] = fn.isPublic();
    if (part.name == "caller") {
      EXPECT_EQ(publics, (std::map<std::string, bool>{{"caller", true},
                                                      {"callee", false}}));
    } else {
      EXPECT_EQ(publics, (std::map<std::string, bool>{{part.name, true}}));
    }
  }
}

} // namespace
} // namespace kiln::test
