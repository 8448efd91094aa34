//===- ExternalWeights.cpp - Weights in a file the artifact maps ----------===//
//
// kilnc --weights=external keeps the weights out of the artifact: kilnc
// writes them to a file (aotWeightsFile) and the artifact maps it, privately
// and lazily paged, when it is loaded: the file named by $<NAME>_WEIGHTS,
// else the one beside the binary that holds the model (its path, found with
// dladdr, and ".weights"). `<name>_load_weights(path)` maps another file of
// the same shapes in its place, so weights change without recompiling.
// Until a file is mapped the entry points return <NAME>_NO_WEIGHTS.
//
//===----------------------------------------------------------------------===//
#include "compiler/AOT/AotInternal.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/Transforms/Utils/ModuleUtils.h"

#include <cctype>
#include <cstring>

namespace kiln {
namespace aot {

uint64_t weightsFingerprint(const std::vector<AotTensor> &weights) {
  // FNV-1a over the count, then each rank and dimension.
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](int64_t v) {
    for (int i = 0; i < 8; ++i) {
      h ^= uint64_t(v >> (8 * i)) & 0xff;
      h *= 1099511628211ull;
    }
  };
  mix(int64_t(weights.size()));
  for (const AotTensor &w : weights) {
    mix(int64_t(w.shape.size()));
    for (int64_t d : w.shape)
      mix(d);
  }
  return h;
}

llvm::Error addWeightsLoader(llvm::Module &module, const Blob &params,
                             const std::vector<AotTensor> &weights,
                             const AotOptions &options) {
  llvm::LLVMContext &ctx = module.getContext();
  llvm::IRBuilder<> b(ctx);
  llvm::Type *i32 = b.getInt32Ty(), *i64 = b.getInt64Ty(),
             *ptr = b.getPtrTy();
  auto declare = [&](const char *name, llvm::Type *result,
                     llvm::ArrayRef<llvm::Type *> args) {
    return module.getOrInsertFunction(
        name, llvm::FunctionType::get(result, args, false));
  };
  llvm::FunctionCallee map = declare("kiln_aot_map_weights", ptr,
                                     {ptr, i64, i64, i32});
  llvm::FunctionCallee unmap = declare("munmap", i32, {ptr, i64});
  llvm::FunctionCallee beside = declare("kiln_aot_weights_beside", ptr, {ptr});
  llvm::FunctionCallee getenv = declare("getenv", ptr, {ptr});
  llvm::FunctionCallee freeFn = declare("free", b.getVoidTy(), {ptr});
  llvm::Value *bytes = b.getInt64(params.bytes);
  llvm::Value *fingerprint = b.getInt64(weightsFingerprint(weights));
  // An artifact that trains writes its (private, copy-on-write) mapping.
  llvm::Value *prot = b.getInt32(options.train ? 3 : 1);

  // <name>_load_weights(path): the new mapping replaces the old one.
  auto *load = llvm::Function::Create(
      llvm::FunctionType::get(i32, {ptr}, false),
      llvm::GlobalValue::ExternalLinkage, options.name + "_load_weights",
      module);
  auto block = [&](llvm::Function *fn, const char *name) {
    return llvm::BasicBlock::Create(ctx, name, fn);
  };
  llvm::BasicBlock *entry = block(load, "entry"), *go = block(load, "map"),
                   *mapped = block(load, "mapped"),
                   *release = block(load, "release"),
                   *done = block(load, "done"), *bad = block(load, "bad"),
                   *none = block(load, "none");
  b.SetInsertPoint(entry);
  llvm::Value *path = load->getArg(0);
  b.CreateCondBr(b.CreateIsNull(path), bad, go);
  b.SetInsertPoint(go);
  llvm::Value *base = b.CreateCall(map, {path, bytes, fingerprint, prot});
  b.CreateCondBr(b.CreateIsNull(base), none, mapped);
  b.SetInsertPoint(mapped);
  llvm::Value *old = b.CreateLoad(ptr, params.global);
  b.CreateStore(base, params.global);
  b.CreateCondBr(b.CreateIsNull(old), done, release);
  b.SetInsertPoint(release);
  b.CreateCall(unmap, {b.CreateConstGEP1_64(b.getInt8Ty(), old, -64),
                       b.getInt64(params.bytes + 64)});
  b.CreateBr(done);
  b.SetInsertPoint(done);
  b.CreateRet(b.getInt32(kOk));
  b.SetInsertPoint(bad);
  b.CreateRet(b.getInt32(kBadArgument));
  b.SetInsertPoint(none);
  b.CreateRet(b.getInt32(kNoWeights));

  // The constructor: $<NAME>_WEIGHTS, else the file beside the binary.
  std::string variable;
  for (char c : options.name)
    variable += char(std::toupper(static_cast<unsigned char>(c)));
  variable += "_WEIGHTS";
  auto *init = llvm::Function::Create(
      llvm::FunctionType::get(b.getVoidTy(), false),
      llvm::GlobalValue::InternalLinkage, options.name + "_map_weights",
      module);
  llvm::BasicBlock *start = block(init, "entry"),
                   *fromEnv = block(init, "from_env"),
                   *fromFile = block(init, "beside"),
                   *found = block(init, "found"), *end = block(init, "end");
  b.SetInsertPoint(start);
  llvm::Value *env =
      b.CreateCall(getenv, {b.CreateGlobalString(variable, "weights_env")});
  b.CreateCondBr(b.CreateIsNull(env), fromFile, fromEnv);
  b.SetInsertPoint(fromEnv);
  b.CreateCall(load, {env});
  b.CreateBr(end);
  b.SetInsertPoint(fromFile);
  llvm::Value *next = b.CreateCall(beside, {load});
  b.CreateCondBr(b.CreateIsNull(next), end, found);
  b.SetInsertPoint(found);
  b.CreateCall(load, {next});
  b.CreateCall(freeFn, {next});
  b.CreateBr(end);
  b.SetInsertPoint(end);
  b.CreateRetVoid();
  llvm::appendToGlobalCtors(module, init, 65535);
  return llvm::Error::success();
}

} // namespace aot

llvm::Expected<std::vector<AotTensor>>
aotReadWeightsFile(llvm::StringRef bytes,
                   const std::vector<std::vector<int64_t>> &shapes) {
  auto fail = [](const std::string &why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), why);
  };
  std::vector<AotTensor> weights;
  for (const std::vector<int64_t> &shape : shapes)
    weights.push_back({shape, std::vector<float>(aot::elements(shape))});
  std::vector<uint64_t> offsets;
  uint64_t size = aot::blobLayout(shapes, offsets);
  uint64_t header[3];
  if (bytes.size() < 64)
    return fail("not a Kiln weights file (shorter than its header)");
  std::memcpy(header, bytes.data(), sizeof header);
  if (std::memcmp(bytes.data(), "KILNWTS1", 8) != 0)
    return fail("not a Kiln weights file (no KILNWTS1 header)");
  if (header[1] != aot::weightsFingerprint(weights))
    return fail("the weights file holds other shapes than the model's " +
                std::to_string(shapes.size()) + " weights");
  if (header[2] != size || bytes.size() != 64 + size)
    return fail("the weights file has " + std::to_string(bytes.size()) +
                " bytes, not the " + std::to_string(64 + size) +
                " of the model's weights (truncated?)");
  for (auto [w, offset] : llvm::zip(weights, offsets))
    std::memcpy(w.data.data(), bytes.data() + 64 + offset,
                w.data.size() * sizeof(float));
  return weights;
}

std::string aotWeightsFile(const std::vector<AotTensor> &weights) {
  std::vector<uint64_t> offsets;
  std::string data = aot::blobBytes(weights, offsets);
  std::string file(64, '\0');
  uint64_t header[3] = {0, aot::weightsFingerprint(weights), data.size()};
  std::memcpy(header, "KILNWTS1", 8);
  std::memcpy(file.data(), header, sizeof header);
  return file + data;
}

} // namespace kiln
