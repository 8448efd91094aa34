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

constexpr int kOk = 0, kBadArgument = 1, kOutOfMemory = 2;
constexpr uint64_t kWeightAlignment = 64;

llvm::Error fail(const std::string &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "kilnc: " + message);
}

int64_t elements(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
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

/// Fills a descriptor {allocated, aligned, offset, sizes[rank],
/// strides[rank]} for a row-major buffer of `sizes` at `data`.
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

llvm::Error addEntryPoints(llvm::Module &module, const AotSignature &signature,
                           const std::vector<AotTensor> &weights,
                           const AotOptions &options) {
  llvm::LLVMContext &ctx = module.getContext();
  llvm::Function *step = module.getFunction("_mlir_ciface_predict_step");
  if (!step)
    return fail("the compiled module has no predict_step");
  if (step->arg_size() != weights.size() + 2)
    return fail("predict_step takes " + std::to_string(step->arg_size()) +
                " arguments, but the model has " +
                std::to_string(weights.size()) +
                " weights, one input and one output");

  // The weights, each at a 64-byte boundary of one read-only blob.
  std::string blob;
  std::vector<uint64_t> offsets;
  for (const AotTensor &w : weights) {
    blob.resize((blob.size() + kWeightAlignment - 1) / kWeightAlignment *
                kWeightAlignment);
    offsets.push_back(blob.size());
    blob.append(reinterpret_cast<const char *>(w.data.data()),
                w.data.size() * sizeof(float));
  }
  if (blob.empty())
    blob.assign(kWeightAlignment, '\0');
  llvm::Constant *init = llvm::ConstantDataArray::getRaw(
      blob, blob.size(), llvm::Type::getInt8Ty(ctx));
  auto *weightsBlob = new llvm::GlobalVariable(
      module, init->getType(), /*isConstant=*/true,
      llvm::GlobalValue::InternalLinkage, init, options.name + "_weights");
  weightsBlob->setAlignment(llvm::Align(kWeightAlignment));

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
  int64_t perSample = std::max<int64_t>(
      {elements(signature.input), elements(signature.output), 1});
  // n * perSample floats must be addressable.
  int64_t maxRows =
      std::numeric_limits<int64_t>::max() / int64_t(sizeof(float)) / perSample;
  b.SetInsertPoint(entry);
  llvm::Value *outOfRange = b.CreateOr(
      b.CreateICmpSLT(n, b.getInt64(0)), b.CreateICmpSGT(n, b.getInt64(maxRows)));
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
  auto *failed = new llvm::GlobalVariable(
      module, i32, false, llvm::GlobalValue::ExternalLinkage, nullptr,
      "kiln_aot_failed", nullptr,
      llvm::GlobalValue::GeneralDynamicTLSModel);
  b.CreateStore(b.getInt32(0), failed);
  llvm::SmallVector<llvm::Value *> args;
  for (auto [w, offset] : llvm::zip(weights, offsets)) {
    llvm::SmallVector<llvm::Value *> sizes;
    for (int64_t d : w.shape)
      sizes.push_back(b.getInt64(d));
    llvm::Value *data = b.CreateConstInBoundsGEP1_64(b.getInt8Ty(),
                                                     weightsBlob, offset);
    args.push_back(descriptor(b, data, sizes));
  }
  auto batchOf = [&](const std::vector<int64_t> &sample) {
    llvm::SmallVector<llvm::Value *> sizes = {n};
    for (int64_t d : sample)
      sizes.push_back(b.getInt64(d));
    return sizes;
  };
  args.push_back(descriptor(b, in, batchOf(signature.input)));
  args.push_back(descriptor(b, out, batchOf(signature.output)));
  b.CreateCall(step, args);
  llvm::Value *flag = b.CreateLoad(i32, failed);
  b.CreateRet(b.CreateSelect(b.CreateICmpNE(flag, b.getInt32(0)),
                             b.getInt32(kOutOfMemory), b.getInt32(kOk)));
  b.SetInsertPoint(bad);
  b.CreateRet(b.getInt32(kBadArgument));
  b.SetInsertPoint(empty);
  b.CreateRet(b.getInt32(kOk));
  return llvm::Error::success();
}

} // namespace aot

std::string aotHeader(const AotArtifact &artifact, const AotOptions &options) {
  const std::string &n = options.name;
  std::string N = upper(n);
  const AotSignature &sig = artifact.signature;
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
    << "   for " << artifact.cpu << " (kiln " << options.version << "). */\n"
    << "#ifndef KILN_MODEL_" << N << "_H\n#define KILN_MODEL_" << N
    << "_H\n\n#include <stdint.h>\n\n#ifdef __cplusplus\nextern \"C\" {\n"
    << "#endif\n\n"
    << "/* What " << n << "_predict returns. */\n"
    << "enum {\n  " << N << "_OK = " << kOk << ",\n  " << N
    << "_BAD_ARGUMENT = " << kBadArgument
    << ", /* n < 0 or too large, or a null pointer with n > 0 */\n  " << N
    << "_OUT_OF_MEMORY = " << kOutOfMemory
    << " /* a temporary could not be allocated: out is not valid */\n};\n\n"
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
    << "/* \"kiln <version> ...\": what compiled the model, and from what. */\n"
    << "const char *" << n << "_version(void);\n\n"
    << "#ifdef __cplusplus\n} /* extern \"C\" */\n#endif\n\n#endif /* KILN_MODEL_"
    << N << "_H */\n";
  return h.str();
}

llvm::Expected<std::string> aotStaticLibrary(const std::string &object,
                                             const std::string &member) {
  llvm::NewArchiveMember m(llvm::MemoryBufferRef(object, member));
  auto archive = llvm::writeArchiveToBuffer(
      {std::move(m)}, llvm::SymtabWritingMode::NormalSymtab,
      llvm::object::Archive::K_GNU, /*Deterministic=*/true, /*Thin=*/false);
  if (!archive)
    return archive.takeError();
  return (*archive)->getBuffer().str();
}

} // namespace kiln
