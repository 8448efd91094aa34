//===- EmitObject.cpp - LLVM-dialect module to an object file -------------===//
#include "compiler/JIT/EmitObject.h"
#include "compiler/JIT/Timing.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ExecutionEngine/Orc/CompileUtils.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/MemoryBuffer.h"

#include <algorithm>

namespace kiln {

/// For every function `f` defined in `module`, defines `void _mlir_f(void
/// **args)` that loads f's arguments through args[0..n-1] and stores its
/// result through args[n]: mlir::ExecutionEngine's packed interface.
static void packFunctionArguments(llvm::Module &module) {
  llvm::LLVMContext &ctx = module.getContext();
  llvm::IRBuilder<> builder(ctx);
  llvm::SmallVector<llvm::Function *> defined;
  for (llvm::Function &f : module.functions())
    if (!f.isDeclaration())
      defined.push_back(&f);
  auto *packedType = llvm::FunctionType::get(builder.getVoidTy(),
                                             builder.getPtrTy(), false);
  for (llvm::Function *f : defined) {
    auto callee = module.getOrInsertFunction(("_mlir_" + f->getName()).str(),
                                             packedType);
    auto *packed = llvm::cast<llvm::Function>(callee.getCallee());
    builder.SetInsertPoint(llvm::BasicBlock::Create(ctx, "", packed));
    llvm::Value *argList = packed->arg_begin();
    llvm::SmallVector<llvm::Value *> args;
    for (auto [i, arg] : llvm::enumerate(f->args())) {
      llvm::Value *slot =
          builder.CreateGEP(builder.getPtrTy(), argList, builder.getInt64(i));
      llvm::Value *pointer = builder.CreateLoad(builder.getPtrTy(), slot);
      args.push_back(builder.CreateLoad(arg.getType(), pointer));
    }
    llvm::Value *result = builder.CreateCall(f, args);
    if (!result->getType()->isVoidTy()) {
      llvm::Value *slot = builder.CreateGEP(builder.getPtrTy(), argList,
                                            builder.getInt64(args.size()));
      builder.CreateStore(result,
                          builder.CreateLoad(builder.getPtrTy(), slot));
    }
    builder.CreateRetVoid();
  }
}

/// Replaces the appending global `list` (llvm.global_ctors or _dtors:
/// {priority, function, data} entries) by `void name()` calling its
/// functions in priority order (constructors) or the reverse
/// (destructors). Nothing when the module has no such list.
static void structorsToFunction(llvm::Module &module, llvm::StringRef list,
                                llvm::StringRef name, bool reverse) {
  llvm::GlobalVariable *global = module.getGlobalVariable(list);
  if (!global)
    return;
  std::vector<std::pair<uint64_t, llvm::Function *>> calls;
  if (auto *entries =
          llvm::dyn_cast_or_null<llvm::ConstantArray>(global->getInitializer()))
    for (llvm::Value *op : entries->operands()) {
      auto *entry = llvm::cast<llvm::ConstantStruct>(op);
      auto *priority = llvm::cast<llvm::ConstantInt>(entry->getOperand(0));
      if (auto *fn = llvm::dyn_cast<llvm::Function>(entry->getOperand(1)))
        calls.push_back({priority->getZExtValue(), fn});
    }
  std::stable_sort(calls.begin(), calls.end(),
                   [](const auto &a, const auto &b) { return a.first < b.first; });
  if (reverse)
    std::reverse(calls.begin(), calls.end());
  global->eraseFromParent();
  llvm::LLVMContext &ctx = module.getContext();
  auto *fn = llvm::Function::Create(
      llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), false),
      llvm::GlobalValue::ExternalLinkage, name, module);
  llvm::IRBuilder<> builder(llvm::BasicBlock::Create(ctx, "", fn));
  for (auto &[priority, callee] : calls)
    builder.CreateCall(callee);
  builder.CreateRetVoid();
}

llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
emitObject(mlir::ModuleOp module, llvm::TargetMachine &tm, unsigned optLevel,
           mlir::TimingScope &scope, StageTimes &times) {
  llvm::LLVMContext ctx;
  std::unique_ptr<llvm::Module> ir;
  {
    StageTimer timer(scope, times, "llvm-translate");
    ir = mlir::translateModuleToLLVMIR(module, ctx);
    if (!ir)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "cannot translate the module to LLVM IR");
    mlir::ExecutionEngine::setupTargetTripleAndDataLayout(ir.get(), &tm);
    structorsToFunction(*ir, "llvm.global_ctors", "kiln_module_init", false);
    structorsToFunction(*ir, "llvm.global_dtors", "kiln_module_fini", true);
    packFunctionArguments(*ir);
  }
  {
    StageTimer timer(scope, times, "llvm-optimize");
    auto optimize = mlir::makeOptimizingTransformer(optLevel, 0, &tm);
    if (llvm::Error error = optimize(ir.get()))
      return std::move(error);
  }
  StageTimer timer(scope, times, "llvm-codegen");
  llvm::orc::SimpleCompiler compile(tm);
  return compile(*ir);
}

} // namespace kiln
