//===- CompileCache.h - Keys of the persistent compile cache ----*- C++ -*-===//
//
// compileToJit keeps the object files of a compile in the compile cache
// (runtime/cache/CacheFile.h), under a key that hashes everything the
// objects depend on: the printed module and pre-pipeline, the target (the
// JIT options and the host's CPU name, features, caches and cores, from
// which code generation derives its target) and Kiln's build (its version
// and the build ids of the binaries holding Kiln, MLIR and LLVM, so a
// rebuilt compiler never reads another build's objects).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_JIT_COMPILECACHE_H
#define KILN_COMPILER_JIT_COMPILECACHE_H

#include "compiler/JIT/Jit.h"
#include "runtime/cache/CacheFile.h"

#include <optional>
#include <string>

namespace mlir {
class ModuleOp;
} // namespace mlir

namespace kiln {

/// The cache folder a compile with `options` uses: none without
/// JitOptions::cache or with KILN_CACHE=off, else JitOptions::cacheDir or
/// the environment's folder.
std::optional<cache::Folder> compileCacheFolder(const JitOptions &options);

/// What the target contributes to the key, one fact per line.
std::string describeCompileTarget(const JitOptions &options);

/// Kiln's version and the build ids of the binaries holding Kiln, MLIR and
/// LLVM.
std::string describeCompilerBuild();

/// The key (64 hex digits) of compiling `module` after `prePipeline` with
/// `options`.
std::string compileCacheKey(mlir::ModuleOp module,
                            const std::string &prePipeline,
                            const JitOptions &options);

} // namespace kiln

#endif // KILN_COMPILER_JIT_COMPILECACHE_H
