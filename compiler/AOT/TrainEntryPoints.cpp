//===- TrainEntryPoints.cpp - The C ABI of an artifact that trains --------===//
//
// kilnc --train: the weights blob is writable, the optimizer slots, the
// step counter and the learning rate are globals beside it, and C entry
// points call train_step and eval_step on the caller's batches:
//
//   int  <name>_train_step(const float *x, const T *y, int64_t n,
//                          float *results);
//   int  <name>_evaluate(const float *x, const T *y, int64_t n,
//                        int64_t batch_size, float *results);
//   int  <name>_get_weights(float *out);  int <name>_set_weights(const float *);
//   float <name>_get_learning_rate(void); int <name>_set_learning_rate(float);
//   int64_t <name>_iterations(void);
//
// T is int32_t for class labels (checked against the class count before any
// step runs) and float otherwise. evaluate weights each batch's results by
// its rows, as Keras's evaluate (and Kiln's) averages them.
//
//===----------------------------------------------------------------------===//
#include "compiler/AOT/AotInternal.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"

namespace kiln::aot {
namespace {

llvm::Error fail(const std::string &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "kilnc: " + message);
}

/// Builds one entry point: a function, its blocks, and the builder.
struct EntryBuilder {
  llvm::Module &module;
  llvm::LLVMContext &ctx;
  llvm::IRBuilder<> b;
  llvm::Function *fn = nullptr;

  explicit EntryBuilder(llvm::Module &m)
      : module(m), ctx(m.getContext()), b(m.getContext()) {}

  llvm::Function *begin(const std::string &name, llvm::Type *result,
                        llvm::ArrayRef<llvm::Type *> params) {
    fn = llvm::Function::Create(llvm::FunctionType::get(result, params, false),
                                llvm::GlobalValue::ExternalLinkage, name,
                                module);
    b.SetInsertPoint(block("entry"));
    return fn;
  }
  llvm::BasicBlock *block(const char *name) {
    return llvm::BasicBlock::Create(ctx, name, fn);
  }
  /// Continues in a new block when `ok`, else returns `code`.
  void require(llvm::Value *ok, int code) {
    llvm::BasicBlock *pass = block("ok"), *reject = block("reject");
    b.CreateCondBr(ok, pass, reject);
    b.SetInsertPoint(reject);
    b.CreateRet(b.getInt32(code));
    b.SetInsertPoint(pass);
  }
  llvm::Value *notNull(llvm::Value *p) {
    return b.CreateICmpNE(p, llvm::ConstantPointerNull::get(b.getPtrTy()));
  }
};

/// `i1 (ptr y, i64 count)`: whether every label lies in [0, classes).
llvm::Function *labelCheck(llvm::Module &module, const std::string &name,
                           int64_t classes) {
  EntryBuilder e(module);
  llvm::IRBuilder<> &b = e.b;
  llvm::Function *fn = e.begin(name, b.getInt1Ty(), {b.getPtrTy(),
                                                     b.getInt64Ty()});
  fn->setLinkage(llvm::GlobalValue::InternalLinkage);
  llvm::Value *y = fn->getArg(0), *count = fn->getArg(1);
  llvm::BasicBlock *entry = b.GetInsertBlock(), *loop = e.block("loop"),
                   *body = e.block("body"), *next = e.block("next"),
                   *yes = e.block("yes"), *no = e.block("no");
  b.CreateBr(loop);
  b.SetInsertPoint(loop);
  llvm::PHINode *i = b.CreatePHI(b.getInt64Ty(), 2);
  i->addIncoming(b.getInt64(0), entry);
  b.CreateCondBr(b.CreateICmpSLT(i, count), body, yes);
  b.SetInsertPoint(body);
  llvm::Value *label =
      b.CreateLoad(b.getInt32Ty(), b.CreateGEP(b.getInt32Ty(), y, i));
  // Unsigned: a negative label is out of range too.
  b.CreateCondBr(b.CreateICmpULT(label, b.getInt32(int32_t(classes))), next,
                 no);
  b.SetInsertPoint(next);
  i->addIncoming(b.CreateAdd(i, b.getInt64(1)), next);
  b.CreateBr(loop);
  b.SetInsertPoint(yes);
  b.CreateRet(b.getTrue());
  b.SetInsertPoint(no);
  b.CreateRet(b.getFalse());
  return fn;
}

} // namespace

llvm::Error addTrainingEntryPoints(llvm::Module &module,
                                   const AotSignature &sig,
                                   const std::vector<AotTensor> &weights,
                                   const Blob &params,
                                   const AotOptimizerState &state,
                                   const AotOptions &options) {
  const std::string &name = options.name;
  llvm::Function *trainStep = module.getFunction("_mlir_ciface_train_step");
  llvm::Function *evalStep = module.getFunction("_mlir_ciface_eval_step");
  if (!trainStep || !evalStep)
    return fail("the compiled module has no train_step or eval_step");
  // params, slots, iterations, learning rate, input, target, results.
  if (trainStep->arg_size() != weights.size() + state.slots.size() + 5 ||
      evalStep->arg_size() != weights.size() + 3)
    return fail("train_step or eval_step does not take the arguments the "
                "model's weights and optimizer state give");

  llvm::LLVMContext &ctx = module.getContext();
  llvm::Type *i64 = llvm::Type::getInt64Ty(ctx),
             *f32 = llvm::Type::getFloatTy(ctx),
             *f64 = llvm::Type::getDoubleTy(ctx),
             *ptr = llvm::PointerType::get(ctx, 0);
  Blob slots = makeBlob(module, name + "_slots", state.slots, false);
  auto *iterations = new llvm::GlobalVariable(
      module, i64, false, llvm::GlobalValue::InternalLinkage,
      llvm::ConstantInt::get(i64, state.iterations), name + "_step_count");
  auto *learningRate = new llvm::GlobalVariable(
      module, f32, false, llvm::GlobalValue::InternalLinkage,
      llvm::ConstantFP::get(f32, state.learningRate), name + "_lr");
  llvm::Function *labelsOk =
      sig.intTarget ? labelCheck(module, name + "_labels_ok", sig.classes)
                    : nullptr;
  int64_t inSize = elements(sig.input), targetSize = elements(sig.target);
  int64_t rowsLimit = maxRows(std::max({inSize, targetSize,
                                         elements(sig.output)}));
  llvm::Type *targetElement = sig.intTarget ? llvm::Type::getInt32Ty(ctx) : f32;

  // Checks (x, y, n, ...) as both steps take them; n must be positive.
  auto checkBatch = [&](EntryBuilder &e, llvm::Value *x, llvm::Value *y,
                        llvm::Value *n, llvm::Value *results) {
    llvm::IRBuilder<> &b = e.b;
    e.require(b.CreateAnd(b.CreateICmpSGT(n, b.getInt64(0)),
                          b.CreateICmpSLE(n, b.getInt64(rowsLimit))),
              kBadArgument);
    e.require(b.CreateAnd(b.CreateAnd(e.notNull(x), e.notNull(y)),
                          e.notNull(results)),
              kBadArgument);
    if (labelsOk)
      e.require(b.CreateCall(labelsOk,
                             {y, b.CreateMul(n, b.getInt64(targetSize))}),
                kBadArgument);
  };
  // External weights: nothing runs before a weights file is mapped.
  auto requireWeights = [&](EntryBuilder &e) {
    if (params.indirect)
      e.require(e.notNull(params.start(e.b)), kNoWeights);
  };
  llvm::Value *zero = llvm::ConstantInt::get(i64, 0);
  auto results = [&](llvm::IRBuilder<> &b, llvm::Value *data) {
    return descriptor(b, data, {b.getInt64(sig.results)});
  };

  // <name>_train_step(x, y, n, results)
  {
    EntryBuilder e(module);
    llvm::IRBuilder<> &b = e.b;
    llvm::Function *fn =
        e.begin(name + "_train_step", b.getInt32Ty(), {ptr, ptr, i64, ptr});
    llvm::Value *x = fn->getArg(0), *y = fn->getArg(1), *n = fn->getArg(2),
                *out = fn->getArg(3);
    checkBatch(e, x, y, n, out);
    requireWeights(e);
    llvm::SmallVector<llvm::Value *> args;
    blobDescriptors(b, params, weights, args);
    blobDescriptors(b, slots, state.slots, args);
    args.push_back(descriptor(b, iterations, {}));
    args.push_back(descriptor(b, learningRate, {}));
    args.push_back(descriptor(b, x, batchSizes(b, n, sig.input)));
    args.push_back(descriptor(b, y, batchSizes(b, n, sig.target)));
    args.push_back(results(b, out));
    b.CreateRet(callStep(b, module, trainStep, args));
  }

  // <name>_evaluate(x, y, n, batch_size, results): batches of batch_size
  // (32 when it is 0 or less), each batch's results weighted by its rows.
  {
    EntryBuilder e(module);
    llvm::IRBuilder<> &b = e.b;
    llvm::Function *fn = e.begin(name + "_evaluate", b.getInt32Ty(),
                                 {ptr, ptr, i64, i64, ptr});
    llvm::Value *x = fn->getArg(0), *y = fn->getArg(1), *n = fn->getArg(2),
                *batchArg = fn->getArg(3), *out = fn->getArg(4);
    checkBatch(e, x, y, n, out);
    requireWeights(e);
    llvm::Value *batch =
        b.CreateSelect(b.CreateICmpSGT(batchArg, zero), batchArg,
                       b.getInt64(32));
    llvm::Type *sumsType = llvm::ArrayType::get(f64, sig.results);
    llvm::Type *batchResultsType = llvm::ArrayType::get(f32, sig.results);
    llvm::Value *sums = b.CreateAlloca(sumsType);
    llvm::Value *batchResults = b.CreateAlloca(batchResultsType);
    for (int64_t j = 0; j < sig.results; ++j)
      b.CreateStore(llvm::ConstantFP::get(f64, 0.0),
                    b.CreateConstGEP2_64(sumsType, sums, 0, j));
    llvm::BasicBlock *before = b.GetInsertBlock(), *loop = e.block("batch"),
                     *next = e.block("accumulate"), *done = e.block("done"),
                     *oom = e.block("out_of_memory");
    b.CreateBr(loop);
    b.SetInsertPoint(loop);
    llvm::PHINode *start = b.CreatePHI(i64, 2);
    start->addIncoming(zero, before);
    llvm::Value *left = b.CreateSub(n, start);
    llvm::Value *rows = b.CreateSelect(b.CreateICmpSLT(left, batch), left,
                                       batch);
    llvm::SmallVector<llvm::Value *> args;
    blobDescriptors(b, params, weights, args);
    llvm::Value *xs =
        b.CreateGEP(f32, x, b.CreateMul(start, b.getInt64(inSize)));
    llvm::Value *ys = b.CreateGEP(targetElement, y,
                                  b.CreateMul(start, b.getInt64(targetSize)));
    args.push_back(descriptor(b, xs, batchSizes(b, rows, sig.input)));
    args.push_back(descriptor(b, ys, batchSizes(b, rows, sig.target)));
    args.push_back(results(b, batchResults));
    llvm::Value *code = callStep(b, module, evalStep, args);
    b.CreateCondBr(b.CreateICmpEQ(code, b.getInt32(kOk)), next, oom);
    b.SetInsertPoint(next);
    llvm::Value *weight = b.CreateSIToFP(rows, f64);
    for (int64_t j = 0; j < sig.results; ++j) {
      llvm::Value *slot = b.CreateConstGEP2_64(sumsType, sums, 0, j);
      llvm::Value *r = b.CreateFPExt(
          b.CreateLoad(f32, b.CreateConstGEP2_64(batchResultsType,
                                                 batchResults, 0, j)),
          f64);
      b.CreateStore(b.CreateFAdd(b.CreateLoad(f64, slot),
                                 b.CreateFMul(r, weight)),
                    slot);
    }
    llvm::Value *end = b.CreateAdd(start, rows);
    start->addIncoming(end, next);
    b.CreateCondBr(b.CreateICmpSLT(end, n), loop, done);
    b.SetInsertPoint(done);
    llvm::Value *count = b.CreateSIToFP(n, f64);
    for (int64_t j = 0; j < sig.results; ++j) {
      llvm::Value *mean = b.CreateFDiv(
          b.CreateLoad(f64, b.CreateConstGEP2_64(sumsType, sums, 0, j)),
          count);
      b.CreateStore(b.CreateFPTrunc(mean, f32),
                    b.CreateConstGEP1_64(f32, out, j));
    }
    b.CreateRet(b.getInt32(kOk));
    b.SetInsertPoint(oom);
    b.CreateRet(b.getInt32(kOutOfMemory));
  }

  // <name>_get_weights(out) / <name>_set_weights(in): every weight in
  // order, each row-major, back to back.
  for (bool get : {true, false}) {
    EntryBuilder e(module);
    llvm::IRBuilder<> &b = e.b;
    llvm::Function *fn =
        e.begin(name + (get ? "_get_weights" : "_set_weights"),
                b.getInt32Ty(), {ptr});
    llvm::Value *flat = fn->getArg(0);
    e.require(e.notNull(flat), kBadArgument);
    requireWeights(e);
    llvm::Value *start = params.start(b);
    int64_t at = 0;
    for (auto [w, offset] : llvm::zip(weights, params.offsets)) {
      llvm::Value *inBlob =
          b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), start, offset);
      llvm::Value *inFlat = b.CreateConstInBoundsGEP1_64(f32, flat, at);
      uint64_t bytes = w.data.size() * sizeof(float);
      if (get)
        b.CreateMemCpy(inFlat, llvm::MaybeAlign(4), inBlob,
                       llvm::MaybeAlign(64), bytes);
      else
        b.CreateMemCpy(inBlob, llvm::MaybeAlign(64), inFlat,
                       llvm::MaybeAlign(4), bytes);
      at += int64_t(w.data.size());
    }
    b.CreateRet(b.getInt32(kOk));
  }

  // The learning rate train_step reads, and the optimizer's step count.
  {
    EntryBuilder e(module);
    llvm::IRBuilder<> &b = e.b;
    e.begin(name + "_get_learning_rate", f32, {});
    b.CreateRet(b.CreateLoad(f32, learningRate));
  }
  {
    EntryBuilder e(module);
    llvm::IRBuilder<> &b = e.b;
    llvm::Function *fn =
        e.begin(name + "_set_learning_rate", b.getInt32Ty(), {f32});
    llvm::Value *rate = fn->getArg(0);
    // Finite and not negative (NaN compares false).
    e.require(b.CreateAnd(
                  b.CreateFCmpOGE(rate, llvm::ConstantFP::get(f32, 0.0)),
                  b.CreateFCmpOLT(rate, llvm::ConstantFP::getInfinity(f32))),
              kBadArgument);
    b.CreateStore(rate, learningRate);
    b.CreateRet(b.getInt32(kOk));
  }
  {
    EntryBuilder e(module);
    llvm::IRBuilder<> &b = e.b;
    e.begin(name + "_iterations", i64, {});
    b.CreateRet(b.CreateLoad(i64, iterations));
  }
  return llvm::Error::success();
}

} // namespace kiln::aot
