//===- CEntryPoints.cpp - The C ABI of an ahead-of-time model -------------===//
//
// `<name>_predict(in, n, out)` checks its arguments, builds the memref
// descriptors of predict_step (the parameters point into the embedded
// weights, the batch of n samples is the caller's) and reports an
// allocation failure of the step as an error code. The header declares it
// with the shapes as constants.
//
//===----------------------------------------------------------------------===//
#include "compiler/AOT/AotInternal.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/Object/ArchiveWriter.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cctype>
#include <cstring>
#include <limits>
#include <sstream>

namespace kiln {
namespace {

using aot::elements;
using aot::kBadArgument;
using aot::kOk;
using aot::kNoWeights;
using aot::kOutOfMemory;
constexpr uint64_t kWeightAlignment = 64;

llvm::Error fail(const std::string &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "kilnc: " + message);
}

std::string shapeText(const std::vector<int64_t> &shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

std::string upper(const std::string &s) {
  std::string u = s;
  for (char &c : u)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

/// An internal `i32 <name>_run_batch(ptr in, i64 rows, ptr out)`, empty.
llvm::Function *batchFunction(llvm::Module &module, const std::string &name) {
  llvm::LLVMContext &ctx = module.getContext();
  llvm::Type *ptr = llvm::PointerType::getUnqual(ctx);
  return llvm::Function::Create(
      llvm::FunctionType::get(llvm::Type::getInt32Ty(ctx),
                              {ptr, llvm::Type::getInt64Ty(ctx), ptr}, false),
      llvm::GlobalValue::InternalLinkage, name + "_run_batch", module);
}

/// predict_step's arguments: the weights (their blob's, or the copy at
/// `weightsStart`), then `rows` samples of input at `in` and of output at
/// `out`.
llvm::SmallVector<llvm::Value *>
stepArguments(llvm::IRBuilder<> &b, const AotSignature &signature,
              const std::vector<AotTensor> &weights, const aot::Blob &params,
              llvm::Value *weightsStart, llvm::Value *in, llvm::Value *rows,
              llvm::Value *out) {
  llvm::SmallVector<llvm::Value *> args;
  aot::blobDescriptors(b, params, weights, args, weightsStart);
  args.push_back(
      aot::descriptor(b, in, aot::batchSizes(b, rows, signature.input)));
  args.push_back(
      aot::descriptor(b, out, aot::batchSizes(b, rows, signature.output)));
  return args;
}

/// `i32 (ptr in, i64 rows, ptr out)`: predict_step on `rows` samples (the
/// batch the step is compiled for, or any), its failure flag as the code.
llvm::Function *batchRunner(llvm::Module &module, llvm::Function *step,
                            const AotSignature &signature,
                            const std::vector<AotTensor> &weights,
                            const aot::Blob &params, const std::string &name) {
  llvm::Function *fn = batchFunction(module, name);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(module.getContext(), "entry", fn));
  llvm::Value *in = fn->getArg(0), *rows = fn->getArg(1), *out = fn->getArg(2);
  b.CreateRet(aot::callStep(
      b, module, step,
      stepArguments(b, signature, weights, params, nullptr, in, rows, out)));
  return fn;
}

/// The same for a step that runs on a GPU: its kernels read
/// device-visible memory only, so the weights come from their managed copy
/// and the batch goes in and comes out through managed buffers
/// (runtime/gpu/AotGpu.h); kGpuFailed when the GPU fails or is missing.
llvm::Function *gpuBatchRunner(llvm::Module &module, llvm::Function *step,
                               const AotSignature &signature,
                               const std::vector<AotTensor> &weights,
                               const aot::Blob &params,
                               const std::string &name) {
  llvm::LLVMContext &ctx = module.getContext();
  llvm::IRBuilder<> b(ctx);
  llvm::Type *ptr = b.getPtrTy(), *i64 = b.getInt64Ty(), *i32 = b.getInt32Ty();
  llvm::Function *fn = batchFunction(module, name);
  auto block = [&](const char *label) {
    return llvm::BasicBlock::Create(ctx, label, fn);
  };
  llvm::BasicBlock *entry = block("entry"), *haveWeights = block("weights"),
                   *haveInput = block("input"), *run = block("run"),
                   *freeInput = block("free_input"), *failed = block("failed");
  llvm::FunctionCallee weightsFn = module.getOrInsertFunction(
      "kiln_gpu_aot_weights", llvm::FunctionType::get(ptr, {ptr, i64}, false));
  llvm::FunctionCallee uploadFn = module.getOrInsertFunction(
      "kiln_gpu_aot_upload", llvm::FunctionType::get(ptr, {ptr, i64}, false));
  llvm::FunctionCallee freeFn = module.getOrInsertFunction(
      "kiln_gpu_aot_free",
      llvm::FunctionType::get(b.getVoidTy(), {ptr}, false));
  llvm::FunctionCallee finishFn = module.getOrInsertFunction(
      "kiln_gpu_aot_finish",
      llvm::FunctionType::get(i32, {ptr, ptr, ptr, i64}, false));
  llvm::Value *in = fn->getArg(0), *rows = fn->getArg(1), *out = fn->getArg(2);

  b.SetInsertPoint(entry);
  llvm::Value *deviceWeights = b.CreateCall(
      weightsFn, {params.start(b), b.getInt64(int64_t(params.bytes))});
  b.CreateCondBr(b.CreateIsNull(deviceWeights), failed, haveWeights);
  b.SetInsertPoint(haveWeights);
  auto bytes = [&](const std::vector<int64_t> &sample) {
    return b.CreateMul(rows, b.getInt64(elements(sample) *
                                        int64_t(sizeof(float))));
  };
  llvm::Value *outBytes = bytes(signature.output);
  llvm::Value *deviceIn =
      b.CreateCall(uploadFn, {in, bytes(signature.input)});
  b.CreateCondBr(b.CreateIsNull(deviceIn), failed, haveInput);
  b.SetInsertPoint(haveInput);
  llvm::Value *deviceOut = b.CreateCall(
      uploadFn, {llvm::ConstantPointerNull::get(b.getPtrTy()), outBytes});
  b.CreateCondBr(b.CreateIsNull(deviceOut), freeInput, run);
  b.SetInsertPoint(freeInput);
  b.CreateCall(freeFn, {deviceIn});
  b.CreateBr(failed);

  b.SetInsertPoint(run);
  llvm::Value *code = aot::callStep(
      b, module, step,
      stepArguments(b, signature, weights, params, deviceWeights, deviceIn,
                    rows, deviceOut));
  llvm::Value *finished =
      b.CreateCall(finishFn, {deviceIn, deviceOut, out, outBytes});
  b.CreateRet(b.CreateSelect(b.CreateICmpNE(finished, b.getInt32(kOk)),
                             finished, code));
  b.SetInsertPoint(failed);
  b.CreateRet(b.getInt32(aot::kGpuFailed));
  return fn;
}

} // namespace

bool isCIdentifier(const std::string &name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])))
    return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
      return false;
  return true;
}

namespace aot {

int64_t elements(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

int64_t maxRows(int64_t perSample) {
  return std::numeric_limits<int64_t>::max() / int64_t(sizeof(float)) /
         std::max<int64_t>(perSample, 1);
}

std::vector<std::string> apiSymbols(const AotOptions &options) {
  std::vector<std::string> names = {"predict", "version"};
  if (options.externalWeights)
    names.push_back("load_weights");
  if (!options.gpuChip.empty())
    names.push_back("gpu_error");
  if (options.train)
    names.insert(names.end(),
                 {"train_step", "evaluate", "get_weights", "set_weights",
                  "get_learning_rate", "set_learning_rate", "iterations"});
  for (std::string &n : names)
    n = options.name + "_" + n;
  return names;
}

llvm::Value *descriptor(llvm::IRBuilder<> &b, llvm::Value *data,
                        llvm::ArrayRef<llvm::Value *> sizes) {
  llvm::LLVMContext &ctx = b.getContext();
  llvm::Type *i64 = b.getInt64Ty(), *ptr = b.getPtrTy();
  unsigned rank = sizes.size();
  llvm::SmallVector<llvm::Type *> fields = {ptr, ptr, i64};
  if (rank) {
    fields.push_back(llvm::ArrayType::get(i64, rank));
    fields.push_back(llvm::ArrayType::get(i64, rank));
  }
  llvm::StructType *type = llvm::StructType::get(ctx, fields);
  llvm::Value *desc = b.CreateAlloca(type);
  b.CreateStore(data, b.CreateStructGEP(type, desc, 0));
  b.CreateStore(data, b.CreateStructGEP(type, desc, 1));
  b.CreateStore(b.getInt64(0), b.CreateStructGEP(type, desc, 2));
  llvm::Value *stride = b.getInt64(1);
  for (unsigned d = rank; d-- > 0;) {
    b.CreateStore(sizes[d], b.CreateGEP(type, desc,
                                        {b.getInt32(0), b.getInt32(3),
                                         b.getInt32(d)}));
    b.CreateStore(stride, b.CreateGEP(type, desc,
                                      {b.getInt32(0), b.getInt32(4),
                                       b.getInt32(d)}));
    stride = b.CreateMul(stride, sizes[d]);
  }
  return desc;
}

uint64_t blobLayout(const std::vector<std::vector<int64_t>> &shapes,
                    std::vector<uint64_t> &offsets) {
  uint64_t size = 0;
  offsets.clear();
  for (const std::vector<int64_t> &shape : shapes) {
    size = (size + kWeightAlignment - 1) / kWeightAlignment * kWeightAlignment;
    offsets.push_back(size);
    size += uint64_t(elements(shape)) * sizeof(float);
  }
  return size;
}

std::string blobBytes(const std::vector<AotTensor> &tensors,
                      std::vector<uint64_t> &offsets) {
  std::vector<std::vector<int64_t>> shapes;
  for (const AotTensor &t : tensors)
    shapes.push_back(t.shape);
  std::string bytes(blobLayout(shapes, offsets), '\0');
  for (auto [t, offset] : llvm::zip(tensors, offsets))
    std::memcpy(bytes.data() + offset, t.data.data(),
                t.data.size() * sizeof(float));
  return bytes;
}

Blob makeBlob(llvm::Module &module, const std::string &symbol,
              const std::vector<AotTensor> &tensors, bool constant) {
  Blob blob;
  std::string bytes = blobBytes(tensors, blob.offsets);
  blob.bytes = bytes.size();
  if (bytes.empty())
    bytes.assign(kWeightAlignment, '\0');
  llvm::LLVMContext &ctx = module.getContext();
  llvm::Constant *init = llvm::ConstantDataArray::getRaw(
      bytes, bytes.size(), llvm::Type::getInt8Ty(ctx));
  blob.global = new llvm::GlobalVariable(
      module, init->getType(), constant, llvm::GlobalValue::InternalLinkage,
      init, symbol);
  blob.global->setAlignment(llvm::Align(kWeightAlignment));
  return blob;
}

Blob makeExternalBlob(llvm::Module &module, const std::string &symbol,
                      const std::vector<AotTensor> &tensors) {
  Blob blob;
  blob.indirect = true;
  std::vector<std::vector<int64_t>> shapes;
  for (const AotTensor &t : tensors)
    shapes.push_back(t.shape);
  blob.bytes = blobLayout(shapes, blob.offsets);
  auto *ptr = llvm::PointerType::get(module.getContext(), 0);
  blob.global = new llvm::GlobalVariable(
      module, ptr, false, llvm::GlobalValue::InternalLinkage,
      llvm::ConstantPointerNull::get(ptr), symbol);
  return blob;
}

llvm::Value *Blob::start(llvm::IRBuilder<> &b) const {
  if (indirect)
    return b.CreateLoad(b.getPtrTy(), global);
  return global;
}

void blobDescriptors(llvm::IRBuilder<> &b, const Blob &blob,
                     const std::vector<AotTensor> &tensors,
                     llvm::SmallVectorImpl<llvm::Value *> &args,
                     llvm::Value *start) {
  if (!start)
    start = blob.start(b);
  for (auto [t, offset] : llvm::zip(tensors, blob.offsets)) {
    llvm::SmallVector<llvm::Value *> sizes;
    for (int64_t d : t.shape)
      sizes.push_back(b.getInt64(d));
    llvm::Value *data =
        b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), start, offset);
    args.push_back(descriptor(b, data, sizes));
  }
}

llvm::Value *callStep(llvm::IRBuilder<> &b, llvm::Module &module,
                      llvm::Function *step,
                      llvm::ArrayRef<llvm::Value *> args) {
  llvm::GlobalVariable *failed = failedFlag(module);
  b.CreateStore(b.getInt32(0), failed);
  b.CreateCall(step, args);
  llvm::Value *flag = b.CreateLoad(b.getInt32Ty(), failed);
  return b.CreateSelect(b.CreateICmpNE(flag, b.getInt32(0)),
                        b.getInt32(kOutOfMemory), b.getInt32(kOk));
}

llvm::SmallVector<llvm::Value *> batchSizes(llvm::IRBuilder<> &b,
                                            llvm::Value *rows,
                                            const std::vector<int64_t> &sample) {
  llvm::SmallVector<llvm::Value *> sizes = {rows};
  for (int64_t d : sample)
    sizes.push_back(b.getInt64(d));
  return sizes;
}

llvm::GlobalVariable *failedFlag(llvm::Module &module) {
  if (llvm::GlobalVariable *g = module.getNamedGlobal("kiln_aot_failed"))
    return g;
  return new llvm::GlobalVariable(
      module, llvm::Type::getInt32Ty(module.getContext()), false,
      llvm::GlobalValue::ExternalLinkage, nullptr, "kiln_aot_failed", nullptr,
      llvm::GlobalValue::GeneralDynamicTLSModel);
}

llvm::Error addEntryPoints(llvm::Module &module, const AotSignature &signature,
                           const std::vector<AotTensor> &weights,
                           const AotOptions &options,
                           const AotOptimizerState *training) {
  llvm::LLVMContext &ctx = module.getContext();
  llvm::Function *step = module.getFunction("_mlir_ciface_predict_step");
  if (!step)
    return fail("the compiled module has no predict_step");
  if (step->arg_size() != weights.size() + 2)
    return fail("predict_step takes " + std::to_string(step->arg_size()) +
                " arguments, but the model has " +
                std::to_string(weights.size()) +
                " weights, one input and one output");

  // The weights, read-only unless the artifact trains them.
  Blob params = options.externalWeights
                    ? makeExternalBlob(module, options.name + "_weights",
                                       weights)
                    : makeBlob(module, options.name + "_weights", weights,
                               /*constant=*/training == nullptr);

  llvm::IRBuilder<> b(ctx);
  llvm::Type *i32 = b.getInt32Ty(), *i64 = b.getInt64Ty(),
             *ptr = b.getPtrTy();

  // <name>_version
  llvm::Constant *text = llvm::ConstantDataArray::getString(
      ctx, "kiln " + options.version, /*AddNull=*/true);
  auto *versionText = new llvm::GlobalVariable(
      module, text->getType(), true, llvm::GlobalValue::PrivateLinkage, text,
      options.name + "_version_text");
  auto *version = llvm::Function::Create(
      llvm::FunctionType::get(ptr, false), llvm::GlobalValue::ExternalLinkage,
      options.name + "_version", module);
  b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "", version));
  b.CreateRet(versionText);

  if (options.exeShapes) {
    auto dims = [&](const char *symbol, const std::vector<int64_t> &shape) {
      std::vector<int64_t> values = {int64_t(shape.size())};
      values.insert(values.end(), shape.begin(), shape.end());
      llvm::Constant *init = llvm::ConstantDataArray::get(ctx, values);
      new llvm::GlobalVariable(module, init->getType(), true,
                               llvm::GlobalValue::ExternalLinkage, init,
                               symbol);
    };
    dims(kExeInputDims, signature.input);
    dims(kExeOutputDims, signature.output);
  }

  // <name>_predict
  auto *predict = llvm::Function::Create(
      llvm::FunctionType::get(i32, {ptr, i64, ptr}, false),
      llvm::GlobalValue::ExternalLinkage, options.name + "_predict", module);
  llvm::Value *in = predict->getArg(0), *n = predict->getArg(1),
              *out = predict->getArg(2);
  auto block = [&](const char *name) {
    return llvm::BasicBlock::Create(ctx, name, predict);
  };
  llvm::BasicBlock *entry = block("entry"), *nonEmpty = block("non_empty"),
                   *run = block("run"), *bad = block("bad"),
                   *empty = block("empty");
  // n * perSample floats must be addressable.
  int64_t rowsLimit = maxRows(
      std::max(elements(signature.input), elements(signature.output)));
  b.SetInsertPoint(entry);
  llvm::Value *outOfRange = b.CreateOr(
      b.CreateICmpSLT(n, b.getInt64(0)), b.CreateICmpSGT(n, b.getInt64(rowsLimit)));
  llvm::BasicBlock *inRange = block("in_range");
  b.CreateCondBr(outOfRange, bad, inRange);
  b.SetInsertPoint(inRange);
  b.CreateCondBr(b.CreateICmpEQ(n, b.getInt64(0)), empty, nonEmpty);
  b.SetInsertPoint(nonEmpty);
  llvm::Value *nullPointer = b.CreateOr(
      b.CreateICmpEQ(in, llvm::ConstantPointerNull::get(b.getPtrTy())),
      b.CreateICmpEQ(out, llvm::ConstantPointerNull::get(b.getPtrTy())));
  b.CreateCondBr(nullPointer, bad, run);

  b.SetInsertPoint(run);
  if (params.indirect) {
    llvm::BasicBlock *loaded = block("loaded"), *none = block("no_weights");
    b.CreateCondBr(b.CreateIsNull(params.start(b)), none, loaded);
    b.SetInsertPoint(none);
    b.CreateRet(b.getInt32(kNoWeights));
    b.SetInsertPoint(loaded);
  }
  bool gpu = !options.gpuChip.empty();
  llvm::Function *rows =
      gpu ? gpuBatchRunner(module, step, signature, weights, params,
                           options.name)
          : batchRunner(module, step, signature, weights, params, options.name);
  if (gpu) {
    // <name>_gpu_error: why the calling thread's last call failed.
    auto *gpuError = llvm::Function::Create(
        llvm::FunctionType::get(ptr, false), llvm::GlobalValue::ExternalLinkage,
        options.name + "_gpu_error", module);
    llvm::IRBuilder<> e(llvm::BasicBlock::Create(ctx, "", gpuError));
    e.CreateRet(e.CreateCall(module.getOrInsertFunction(
        "kiln_gpu_aot_error", llvm::FunctionType::get(ptr, false))));
  }
  if (options.batch <= 0) {
    b.CreateRet(b.CreateCall(rows, {in, n, out}));
  } else {
    // Compiled for a fixed batch: whole batches straight from the caller's
    // buffers, the rest through zero-padded copies.
    int64_t fixed = options.batch, inSize = elements(signature.input),
            outSize = elements(signature.output);
    llvm::Type *f32 = b.getFloatTy();
    llvm::Value *full = b.CreateSDiv(n, b.getInt64(fixed));
    llvm::BasicBlock *start = b.GetInsertBlock(), *loop = block("batches"),
                     *body = block("batch"), *next = block("next"),
                     *tail = block("tail"), *pad = block("pad"),
                     *padded = block("padded"), *done = block("done"),
                     *failed = block("failed");
    b.CreateBr(loop);
    b.SetInsertPoint(loop);
    llvm::PHINode *i = b.CreatePHI(i64, 2);
    i->addIncoming(b.getInt64(0), start);
    b.CreateCondBr(b.CreateICmpSLT(i, full), body, tail);
    b.SetInsertPoint(body);
    llvm::Value *first = b.CreateMul(i, b.getInt64(fixed));
    llvm::Value *code = b.CreateCall(
        rows, {b.CreateGEP(f32, in, b.CreateMul(first, b.getInt64(inSize))),
               b.getInt64(fixed),
               b.CreateGEP(f32, out, b.CreateMul(first, b.getInt64(outSize)))});
    b.CreateCondBr(b.CreateICmpEQ(code, b.getInt32(kOk)), next, failed);
    b.SetInsertPoint(failed);
    llvm::PHINode *failure = b.CreatePHI(i32, 2);
    failure->addIncoming(code, body);
    b.CreateRet(failure);
    b.SetInsertPoint(next);
    i->addIncoming(b.CreateAdd(i, b.getInt64(1)), next);
    b.CreateBr(loop);

    b.SetInsertPoint(tail);
    llvm::Value *done0 = b.CreateMul(full, b.getInt64(fixed));
    llvm::Value *left = b.CreateSub(n, done0);
    b.CreateCondBr(b.CreateICmpEQ(left, b.getInt64(0)), done, pad);
    b.SetInsertPoint(pad);
    llvm::FunctionCallee mallocFn = module.getOrInsertFunction(
        "malloc", llvm::FunctionType::get(ptr, {i64}, false));
    llvm::FunctionCallee freeFn = module.getOrInsertFunction(
        "free", llvm::FunctionType::get(b.getVoidTy(), {ptr}, false));
    uint64_t inBytes = uint64_t(fixed * inSize) * sizeof(float),
             outBytes = uint64_t(fixed * outSize) * sizeof(float);
    llvm::Value *scratchIn = b.CreateCall(mallocFn, {b.getInt64(inBytes)});
    llvm::Value *scratchOut = b.CreateCall(mallocFn, {b.getInt64(outBytes)});
    llvm::Value *gotBoth = b.CreateAnd(b.CreateIsNotNull(scratchIn),
                                       b.CreateIsNotNull(scratchOut));
    llvm::BasicBlock *noMemory = block("no_memory");
    b.CreateCondBr(gotBoth, padded, noMemory);
    b.SetInsertPoint(noMemory);
    b.CreateCall(freeFn, {scratchIn});
    b.CreateCall(freeFn, {scratchOut});
    b.CreateRet(b.getInt32(kOutOfMemory));
    b.SetInsertPoint(padded);
    b.CreateMemSet(scratchIn, b.getInt8(0), inBytes, llvm::MaybeAlign(4));
    llvm::Value *four = b.getInt64(sizeof(float));
    b.CreateMemCpy(
        scratchIn, llvm::MaybeAlign(4),
        b.CreateGEP(f32, in, b.CreateMul(done0, b.getInt64(inSize))),
        llvm::MaybeAlign(4),
        b.CreateMul(left, b.CreateMul(b.getInt64(inSize), four)));
    llvm::Value *last =
        b.CreateCall(rows, {scratchIn, b.getInt64(fixed), scratchOut});
    b.CreateMemCpy(
        b.CreateGEP(f32, out, b.CreateMul(done0, b.getInt64(outSize))),
        llvm::MaybeAlign(4), scratchOut, llvm::MaybeAlign(4),
        b.CreateMul(left, b.CreateMul(b.getInt64(outSize), four)));
    b.CreateCall(freeFn, {scratchIn});
    b.CreateCall(freeFn, {scratchOut});
    b.CreateRet(last);
    b.SetInsertPoint(done);
    b.CreateRet(b.getInt32(kOk));
  }
  b.SetInsertPoint(bad);
  b.CreateRet(b.getInt32(kBadArgument));
  b.SetInsertPoint(empty);
  b.CreateRet(b.getInt32(kOk));
  if (params.indirect)
    if (llvm::Error error = addWeightsLoader(module, params, weights, options))
      return error;
  if (training)
    return addTrainingEntryPoints(module, signature, weights, params,
                                  *training, options);
  return llvm::Error::success();
}

} // namespace aot

/// The header's declarations of kilnc --train's entry points.
std::string trainingSection(const AotArtifact &artifact,
                            const AotOptions &options) {
  if (!options.train)
    return "";
  const std::string &n = options.name;
  std::string N = upper(n);
  const AotSignature &sig = artifact.signature;
  const char *target = sig.intTarget ? "int32_t" : "float";
  std::ostringstream h;
  int64_t total = 0;
  for (const auto &shape : artifact.weightShapes)
    total += elements(shape);
  h << "/* Training. The weights, the optimizer's state and the learning "
       "rate are the\n   artifact's own (one model per process): call "
       "these and " << n << "_predict\n   from one thread at a time. */\n\n"
    << "/* One sample's target, " << target << ", row-major: shape "
    << shapeText(sig.target)
    << (sig.intTarget
            ? ", class labels in [0, " + std::to_string(sig.classes) + ")"
            : std::string())
    << ". */\n"
    << "#define " << N << "_TARGET_RANK " << sig.target.size() << "\n"
    << "#define " << N << "_TARGET_SIZE " << elements(sig.target) << "\n";
  if (sig.intTarget)
    h << "#define " << N << "_CLASSES " << sig.classes << "\n";
  h << "\n/* What train_step and evaluate write: the loss, then each "
       "metric. */\n"
    << "#define " << N << "_RESULTS " << sig.results << "\n"
    << "static const char *const " << n << "_result_names[] = {";
  for (int64_t i = 0; i < sig.results; ++i) {
    std::string r = size_t(i) < options.resultNames.size()
                        ? options.resultNames[i]
                        : (i ? "metric_" + std::to_string(i) : "loss");
    h << (i ? ", " : "") << "\"" << r << "\"";
  }
  h << "};\n\n/* The weights as Keras's get_weights lists them, each "
       "row-major, back to back. */\n"
    << "#define " << N << "_WEIGHTS " << artifact.weightShapes.size() << "\n"
    << "#define " << N << "_WEIGHTS_SIZE " << total << "\n"
    << "static const int64_t " << n << "_weight_sizes[] = {";
  for (size_t i = 0; i < artifact.weightShapes.size(); ++i)
    h << (i ? ", " : "") << elements(artifact.weightShapes[i]);
  h << "};\n/* Shapes:";
  for (const auto &shape : artifact.weightShapes)
    h << " " << shapeText(shape);
  h << " */\n\n"
    << "/* One optimizer step on n > 0 samples (x: n * " << N
    << "_INPUT_SIZE floats, y: n * " << N
    << "_TARGET_SIZE\n   values); writes the batch's results. " << N
    << "_BAD_ARGUMENT for a label out of\n   range, a null pointer or "
       "n <= 0, before anything changes. */\n"
    << "int " << n << "_train_step(const float *x, const " << target
    << " *y, int64_t n, float *results);\n\n"
    << "/* The results over n samples, in batches of batch_size (32 when "
       "<= 0), as\n   Keras's evaluate averages them. */\n"
    << "int " << n << "_evaluate(const float *x, const " << target
    << " *y, int64_t n, int64_t batch_size,\n    float *results);\n\n"
    << "/* Copies " << N << "_WEIGHTS_SIZE floats out of or into the "
       "model. */\n"
    << "int " << n << "_get_weights(float *out);\n"
    << "int " << n << "_set_weights(const float *in);\n\n"
    << "/* The learning rate the next train steps use (finite, >= 0), and "
       "the steps\n   taken so far (Keras's optimizer.iterations). */\n"
    << "float " << n << "_get_learning_rate(void);\n"
    << "int " << n << "_set_learning_rate(float rate);\n"
    << "int64_t " << n << "_iterations(void);\n\n";
  return h.str();
}

std::string aotHeader(const AotArtifact &artifact, const AotOptions &options) {
  const std::string &n = options.name;
  std::string N = upper(n);
  const AotSignature &sig = artifact.signature;
  bool gpu = !artifact.gpuChip.empty();
  auto shapeArray = [&](const char *what, const std::vector<int64_t> &shape) {
    std::ostringstream os;
    os << "#define " << N << "_" << upper(what) << "_RANK " << shape.size()
       << "\n";
    os << "#define " << N << "_" << upper(what) << "_SIZE " << elements(shape)
       << "\n";
    os << "static const int64_t " << n << "_" << what << "_shape[] = {";
    for (size_t i = 0; i < shape.size(); ++i)
      os << (i ? ", " : "") << shape[i];
    os << "};\n";
    return os.str();
  };
  std::ostringstream h;
  h << "/* " << n << ".h: the C interface of the model '" << n
    << "', compiled ahead of time by kilnc\n"
    << "   for "
    << (gpu ? "the NVIDIA " + artifact.gpuChip + " GPU (host code: " +
                  artifact.cpu + ")"
            : artifact.cpu)
    << " (kiln " << options.version << "). */\n"
    << "#ifndef KILN_MODEL_" << N << "_H\n#define KILN_MODEL_" << N
    << "_H\n\n#include <stdint.h>\n\n#ifdef __cplusplus\nextern \"C\" {\n"
    << "#endif\n\n"
    << "/* What " << n << "_predict returns. */\n"
    << "enum {\n  " << N << "_OK = " << kOk << ",\n  " << N
    << "_BAD_ARGUMENT = " << kBadArgument
    << ", /* n < 0 or too large, or a null pointer with n > 0 */\n  " << N
    << "_OUT_OF_MEMORY = " << kOutOfMemory
    << (options.externalWeights || gpu ? "," : "")
    << " /* a temporary could not be allocated: out is not valid */\n"
    << (options.externalWeights
            ? "  " + N + "_NO_WEIGHTS = " + std::to_string(kNoWeights) +
                  " /* no weights file is mapped (" + n +
                  "_load_weights) */\n"
            : std::string())
    << (gpu ? "  " + N + "_GPU_FAILED = " + std::to_string(aot::kGpuFailed) +
                  " /* no CUDA GPU, or it failed: " + n +
                  "_gpu_error() says why */\n"
            : std::string())
    << "};\n\n"
    << "/* One sample's input, float32, row-major: shape "
    << shapeText(sig.input) << ". */\n"
    << shapeArray("input", sig.input) << "\n"
    << "/* One sample's output, float32, row-major: shape "
    << shapeText(sig.output) << ". */\n"
    << shapeArray("output", sig.output) << "\n"
    << "/* Predicts n samples: reads n * " << N
    << "_INPUT_SIZE floats from `in` and writes\n   n * " << N
    << "_OUTPUT_SIZE floats to `out`. Safe to call from several threads;\n"
    << "   each keeps up to 16 freed temporaries of 64 KiB to 256 MiB for its\n"
    << "   next call. */\n"
    << "int " << n << "_predict(const float *in, int64_t n, float *out);\n\n"
    << (options.batch > 0
            ? "/* The code is compiled for batches of this many samples "
              "(kilnc --batch): a\n   last partial batch runs zero-padded. "
              "*/\n#define " +
                  N + "_BATCH " + std::to_string(options.batch) + "\n\n"
            : std::string())
    << "/* \"kiln <version> ...\": what compiled the model, and from what. */\n"
    << "const char *" << n << "_version(void);\n\n"
    << (gpu ? "/* Why the calling thread's last " + n +
                  "_predict returned " + N +
                  "_GPU_FAILED. The artifact loads the CUDA\n   driver "
                  "(libcuda.so.1) and its kernels' PTX when the program "
                  "starts or\n   dlopen loads it; the driver compiles the "
                  "PTX for the GPU it finds. */\n"
                  "const char *" + n + "_gpu_error(void);\n\n"
            : std::string())
    << (options.externalWeights
            ? "/* The weights live in a file (kilnc --weights=external), "
              "mapped when the\n   artifact loads: the file $" +
                  N + "_WEIGHTS names, else the one beside the\n   "
                  "binary that holds the model, its path + \".weights\". "
                  "This maps another\n   file of the same shapes in its "
                  "place (none of the other calls may run\n   meanwhile): " +
                  N + "_OK, " + N + "_BAD_ARGUMENT for a null path, or " +
                  N + "_NO_WEIGHTS\n   when the file is missing or not "
                  "this model's. */\nint " +
                  n + "_load_weights(const char *path);\n\n"
            : std::string())
    << trainingSection(artifact, options)
    << "#ifdef __cplusplus\n} /* extern \"C\" */\n#endif\n\n#endif /* KILN_MODEL_"
    << N << "_H */\n";
  return h.str();
}

llvm::Expected<std::string> aotStaticLibrary(
    const std::vector<std::pair<std::string, std::string>> &members) {
  std::vector<llvm::NewArchiveMember> m;
  for (const auto &[bytes, name] : members)
    m.emplace_back(llvm::MemoryBufferRef(bytes, name));
  auto archive = llvm::writeArchiveToBuffer(
      m, llvm::SymtabWritingMode::NormalSymtab,
      llvm::object::Archive::K_GNU, /*Deterministic=*/true, /*Thin=*/false);
  if (!archive)
    return archive.takeError();
  return (*archive)->getBuffer().str();
}

} // namespace kiln
