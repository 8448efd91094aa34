//===- CompileCache.cpp - Keys of the persistent compile cache ------------===//
#include "compiler/JIT/CompileCache.h"
#include "compiler/JIT/Compile.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/Support/BLAKE3.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"

#include <dlfcn.h>
#include <link.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#ifndef KILN_VERSION
#define KILN_VERSION "unknown"
#endif

namespace kiln {
namespace {

/// The GNU build id (hex) of the loaded binary that holds `address`, or its
/// path, size and modification time when it has none.
std::string buildIdOf(const void *address) {
  struct Search {
    uintptr_t address;
    std::string id;
  } search{reinterpret_cast<uintptr_t>(address), ""};
  dl_iterate_phdr(
      [](dl_phdr_info *info, size_t, void *data) {
        auto *s = static_cast<Search *>(data);
        bool holds = false;
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr) &p = info->dlpi_phdr[i];
          uintptr_t start = info->dlpi_addr + p.p_vaddr;
          if (p.p_type == PT_LOAD && s->address >= start &&
              s->address < start + p.p_memsz)
            holds = true;
        }
        if (!holds)
          return 0;
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr) &p = info->dlpi_phdr[i];
          if (p.p_type != PT_NOTE)
            continue;
          auto *note = reinterpret_cast<const char *>(info->dlpi_addr +
                                                      p.p_vaddr);
          const char *end = note + p.p_memsz;
          auto align = [](size_t n) { return (n + 3) & ~size_t(3); };
          while (note + sizeof(ElfW(Nhdr)) <= end) {
            auto *h = reinterpret_cast<const ElfW(Nhdr) *>(note);
            const char *name = note + sizeof(ElfW(Nhdr));
            const auto *desc =
                reinterpret_cast<const unsigned char *>(name + align(h->n_namesz));
            if (h->n_type == NT_GNU_BUILD_ID && h->n_namesz == 4 &&
                std::string_view(name, 3) == "GNU") {
              static const char *hex = "0123456789abcdef";
              for (size_t j = 0; j < h->n_descsz; ++j)
                s->id += {hex[desc[j] >> 4], hex[desc[j] & 15]};
              return 1;
            }
            note = name + align(h->n_namesz) + align(h->n_descsz);
          }
        }
        return 1;
      },
      &search);
  if (!search.id.empty())
    return search.id;
  Dl_info info;
  struct stat st;
  if (dladdr(address, &info) && info.dli_fname &&
      stat(info.dli_fname, &st) == 0)
    return std::string(info.dli_fname) + " " + std::to_string(st.st_size) +
           " " + std::to_string(st.st_mtim.tv_sec) + "." +
           std::to_string(st.st_mtim.tv_nsec);
  return "unknown";
}

} // namespace

std::optional<cache::Folder> compileCacheFolder(const JitOptions &options) {
  if (!options.cache || cache::disabledByEnvironment())
    return std::nullopt;
  if (!options.cacheDir.empty())
    return cache::Folder(options.cacheDir);
  if (auto folder = cache::folderFromEnvironment())
    return cache::Folder(*folder);
  return std::nullopt;
}

std::string describeCompileTarget(const JitOptions &options) {
  std::string s = "cpu " + options.cpu + "\nthreads " +
                  std::to_string(options.threads) + "\nopt " +
                  std::to_string(options.optLevel) + "\nhost " +
                  describeHostCpu() + "\ncores " +
                  std::to_string(std::thread::hardware_concurrency());
  if (options.device != "cpu")
    s += "\ndevice " + options.device + " " + options.gpuChip + " " +
         options.gpuFeatures + " " +
         std::to_string(options.gpuMultiprocessors) + " " +
         options.gpuPrecision;
  for (int name : {_SC_LEVEL1_DCACHE_SIZE, _SC_LEVEL1_DCACHE_ASSOC,
                   _SC_LEVEL1_DCACHE_LINESIZE, _SC_LEVEL2_CACHE_SIZE,
                   _SC_LEVEL2_CACHE_ASSOC, _SC_LEVEL3_CACHE_SIZE})
    s += "\ncache " + std::to_string(sysconf(name));
  return s;
}

std::string describeCompilerBuild() {
  return std::string("kiln ") + KILN_VERSION + "\nkiln-build " +
         buildIdOf(reinterpret_cast<const void *>(&compileToJit)) +
         "\nmlir-build " +
         buildIdOf(reinterpret_cast<const void *>(&mlir::translateModuleToLLVMIR)) +
         "\nllvm-build " +
         buildIdOf(reinterpret_cast<const void *>(&llvm::sys::getHostCPUName));
}

std::string compileCacheKey(mlir::ModuleOp module,
                            const std::string &prePipeline,
                            const JitOptions &options) {
  static const std::string build = describeCompilerBuild();
  llvm::BLAKE3 hasher;
  auto part = [&](llvm::StringRef label, llvm::StringRef text) {
    // Lengths keep the parts apart: no two inputs hash the same bytes.
    hasher.update(label);
    hasher.update(std::to_string(text.size()));
    hasher.update(text);
  };
  part("build", build);
  part("target", describeCompileTarget(options));
  part("pipeline", prePipeline);
  std::string ir;
  llvm::raw_string_ostream os(ir);
  // Locations name layers and never reach the code.
  module->print(os, mlir::OpPrintingFlags().enableDebugInfo(false));
  part("module", ir);
  auto digest = hasher.final();
  static const char *hex = "0123456789abcdef";
  std::string key;
  for (uint8_t byte : digest)
    key += {hex[byte >> 4], hex[byte & 15]};
  return key;
}

} // namespace kiln
