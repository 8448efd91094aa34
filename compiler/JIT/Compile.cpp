//===- Compile.cpp - kiln module to JIT-compiled steps --------------------===//
#include "compiler/JIT/Compile.h"
#include "compiler/JIT/CompileCache.h"
#include "compiler/JIT/EmitObject.h"
#include "compiler/JIT/Split.h"
#include "compiler/JIT/Timing.h"
#include "compiler/Pipelines/Pipelines.h"
#include "compiler/Transforms/StepLayoutAttr.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Threading.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Support/raw_ostream.h"
#include <algorithm>
#include <chrono>

namespace kiln {
namespace {

using Clock = std::chrono::steady_clock;

constexpr llvm::StringLiteral kCInterface("_mlir_ciface_");

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

using Layouts = std::map<std::string, abi::StepLayout>;

/// The layouts kiln-make-steps recorded on the module's functions.
llvm::Expected<Layouts> layoutsOf(mlir::ModuleOp module) {
  Layouts layouts;
  for (auto fn : module.getOps<mlir::func::FuncOp>()) {
    mlir::Attribute attr = fn->getAttr(kStepLayoutAttrName);
    if (!attr)
      continue;
    std::optional<abi::StepLayout> layout = stepLayoutFromAttr(attr);
    if (!layout)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "kiln: @" + fn.getSymName().str() + " has a malformed " +
              kStepLayoutAttrName.str() + " attribute");
    layouts[fn.getSymName().str()] = *layout;
  }
  return layouts;
}

/// What compiles on its own: the whole module, or one public function's.
struct Part {
  FunctionModule source;
  mlir::ModuleOp module;
  std::unique_ptr<llvm::MemoryBuffer> object;
  /// Names of its C-interface functions, for JitModule::lookup.
  std::vector<std::string> entries;
  Clock::time_point lowered;
};

/// Loads every dialect the stages' passes depend on: loading is not
/// thread-safe, and the parts run the stages in parallel.
void loadDependentDialects(mlir::MLIRContext *ctx,
                           const std::vector<PipelineStage> &stages) {
  mlir::PassManager pm(ctx);
  for (const PipelineStage &stage : stages)
    stage.build(pm);
  mlir::DialectRegistry registry;
  pm.getDependentDialects(registry);
  ctx->appendDialectRegistry(registry);
  for (llvm::StringRef name : registry.getDialectNames())
    ctx->getOrLoadDialect(name);
}

/// Links `objects` and resolves `entries` now, so that the link is timed
/// here rather than at the caller's first lookup.
llvm::Expected<std::unique_ptr<JitModule>>
link(std::vector<std::unique_ptr<llvm::MemoryBuffer>> objects,
     const std::vector<std::string> &entries, const JitOptions &options,
     mlir::TimingScope &root, StageTimes &times) {
  StageTimer timer(root, times, "jit-link");
  auto jit = JitModule::load(std::move(objects), options);
  if (!jit)
    return jit.takeError();
  for (const std::string &entry : entries)
    if (auto fn = (*jit)->lookup(entry); !fn)
      return fn.takeError();
  return jit;
}

/// A cache entry: one section per object, then the entry names.
std::vector<cache::Section>
toSections(const std::vector<std::unique_ptr<llvm::MemoryBuffer>> &objects,
           const std::vector<std::string> &entries, const Layouts &layouts) {
  std::vector<cache::Section> sections;
  for (const auto &object : objects)
    sections.push_back({"object", object->getBuffer().str()});
  std::string names;
  for (const std::string &entry : entries)
    names += entry + "\n";
  sections.push_back({"entries", names});
  std::string lines;
  for (const auto &[name, layout] : layouts)
    lines += name + " " + stepLayoutToString(layout) + "\n";
  sections.push_back({"layouts", lines});
  return sections;
}

/// Links the objects of a cache entry.
llvm::Expected<std::unique_ptr<JitModule>>
linkCached(const std::vector<cache::Section> &sections,
           const JitOptions &options, mlir::TimingScope &root,
           StageTimes &times) {
  std::vector<std::unique_ptr<llvm::MemoryBuffer>> objects;
  std::vector<std::string> entries;
  Layouts layouts;
  for (const cache::Section &section : sections) {
    if (section.name == "layouts") {
      llvm::SmallVector<llvm::StringRef> lines;
      llvm::StringRef(section.bytes)
          .split(lines, '\n', -1, /*KeepEmpty=*/false);
      for (llvm::StringRef line : lines) {
        auto [name, text] = line.split(' ');
        std::optional<abi::StepLayout> layout = stepLayoutFromString(text);
        if (!layout)
          return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                         "cache entry with a bad layout");
        layouts[name.str()] = *layout;
      }
    } else if (section.name == "object") {
      objects.push_back(
          llvm::MemoryBuffer::getMemBufferCopy(section.bytes, "cached"));
    } else if (section.name == "entries") {
      llvm::SmallVector<llvm::StringRef> names;
      llvm::StringRef(section.bytes)
          .split(names, '\n', -1, /*KeepEmpty=*/false);
      for (llvm::StringRef name : names)
        entries.push_back(name.str());
    }
  }
  if (objects.empty())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "cache entry without objects");
  auto jit = link(std::move(objects), entries, options, root, times);
  if (jit)
    (*jit)->setLayouts(std::move(layouts));
  return jit;
}

} // namespace

llvm::Expected<std::unique_ptr<JitModule>>
compileToJit(mlir::ModuleOp module, const std::string &prePipeline,
             const JitOptions &options, CompileTimings *timings,
             mlir::TimingScope *timing) {
  auto start = Clock::now();
  mlir::MLIRContext *ctx = module->getContext();
  std::string diagnostics;
  llvm::raw_string_ostream os(diagnostics);
  mlir::ScopedDiagnosticHandler handler(ctx, [&](mlir::Diagnostic &d) {
    os << d.getLocation() << ": " << d << "\n";
    return mlir::success();
  });
  auto error = [&](const std::string &what) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   what + "\n" + diagnostics);
  };
  mlir::TimingScope untimed;
  mlir::TimingScope &root = timing ? *timing : untimed;
  StageTimes times(timings);
  auto finish = [&](std::unique_ptr<JitModule> jit, Clock::time_point lowered,
                    bool hit) {
    if (timings) {
      timings->pipelineSeconds =
          std::chrono::duration<double>(lowered - start).count();
      timings->jitSeconds = secondsSince(lowered);
      timings->totalSeconds = secondsSince(start);
      timings->cacheHit = hit;
    }
    return jit;
  };

  std::optional<cache::Folder> cacheFolder = compileCacheFolder(options);
  std::string key;
  if (cacheFolder) {
    StageTimer timer(root, times, "cache-lookup");
    key = compileCacheKey(module, prePipeline, options);
    if (auto sections = cacheFolder->load(key)) {
      timer.stop();
      auto jit = linkCached(*sections, options, root, times);
      if (jit)
        return finish(std::move(*jit), start, true);
      // An entry LLVM cannot link is as good as corrupt: compile anew and
      // replace it.
      llvm::consumeError(jit.takeError());
    }
  }

  if (!prePipeline.empty()) {
    std::string name = prePipeline.substr(0, prePipeline.find_first_of("{,"));
    StageTimer timer(root, times, name);
    mlir::PassManager pm(ctx);
    if (mlir::failed(mlir::parsePassPipeline(prePipeline, pm, os)))
      return error("kiln: invalid pipeline '" + prePipeline + "'");
    pm.enableTiming(timer.scope());
    if (mlir::failed(pm.run(module)))
      return error("kiln: lowering to LLVM failed");
  }
  llvm::Expected<Layouts> layouts = layoutsOf(module);
  if (!layouts)
    return layouts.takeError();

  CodegenOptions codegen;
  codegen.cpu = options.cpu.empty() ? "host" : options.cpu;
  codegen.threads = options.threads;
  NvvmOptions nvvm;
  nvvm.chip = options.gpuChip;
  nvvm.features = options.gpuFeatures;
  nvvm.multiprocessors = options.gpuMultiprocessors;
  nvvm.precision = options.gpuPrecision;
  if (options.device != "cpu" && options.device != "gpu")
    return error("kiln: unknown device '" + options.device +
                 "' (expected cpu or gpu)");
  std::vector<PipelineStage> stages = options.device == "gpu"
                                          ? kilnToNvvmStages(nvvm)
                                          : kilnToLLVMStages(codegen);
  std::vector<Part> parts;
  {
    StageTimer timer(root, times, "split");
    mlir::registerBuiltinDialectTranslation(*ctx);
    mlir::registerLLVMDialectTranslation(*ctx);
    mlir::registerOpenMPDialectTranslation(*ctx);
    if (options.device == "gpu")
      registerNvvmTranslations(ctx);
    loadDependentDialects(ctx, stages);
    // Each public function in parallel, when the context may be used from
    // several threads.
    std::vector<FunctionModule> split;
    if (ctx->isMultithreadingEnabled())
      split = splitByPublicFunction(module);
    for (FunctionModule &source : split) {
      parts.emplace_back();
      parts.back().source = std::move(source);
      parts.back().module = *parts.back().source.module;
    }
    if (parts.empty()) {
      parts.emplace_back();
      parts.back().source.name = "module";
      parts.back().module = module;
    }
  }

  auto lowerAndEmit = [&](Part &part) -> mlir::LogicalResult {
    mlir::TimingScope scope = root.nest(part.source.name);
    for (const PipelineStage &stage : stages) {
      StageTimer timer(scope, times, stage.name);
      mlir::PassManager pm(ctx);
      stage.build(pm);
      // Verified once, below: after every pass it costs 7% of a compile.
      pm.enableVerifier(false);
      pm.enableTiming(timer.scope());
      if (mlir::failed(pm.run(part.module)))
        return mlir::failure();
    }
    if (mlir::failed(mlir::verify(part.module)))
      return mlir::failure();
    part.lowered = Clock::now();
    for (auto fn : part.module.getOps<mlir::LLVM::LLVMFuncOp>())
      if (!fn.isExternal() &&
          fn.getSymName().starts_with(kCInterface))
        part.entries.push_back(
            fn.getSymName().drop_front(kCInterface.size()).str());
    auto tm = createTargetMachine(options);
    auto object = tm ? emitObject(part.module, **tm, options.optLevel, scope,
                                  times)
                     : tm.takeError();
    if (!object)
      return part.module.emitError("JIT compilation failed: ")
             << llvm::toString(object.takeError());
    part.object = std::move(*object);
    return mlir::success();
  };
  if (mlir::failed(mlir::failableParallelForEach(ctx, parts, lowerAndEmit)))
    return error("kiln: lowering to LLVM failed");

  std::vector<std::unique_ptr<llvm::MemoryBuffer>> objects;
  std::vector<std::string> entries;
  Clock::time_point lowered = start;
  for (Part &part : parts) {
    objects.push_back(std::move(part.object));
    entries.insert(entries.end(), part.entries.begin(), part.entries.end());
    lowered = std::max(lowered, part.lowered);
  }
  if (cacheFolder) {
    StageTimer timer(root, times, "cache-store");
    // A store that fails (read-only or full disk) only costs the next run
    // a compile.
    (void)cacheFolder->store(key, toSections(objects, entries, *layouts));
  }
  auto jit = link(std::move(objects), entries, options, root, times);
  if (!jit)
    return error("kiln: JIT compilation failed: " +
                 llvm::toString(jit.takeError()));
  (*jit)->setLayouts(std::move(*layouts));
  return finish(std::move(*jit), lowered, false);
}

} // namespace kiln
