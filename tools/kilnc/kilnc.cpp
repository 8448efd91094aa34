// kilnc: a Keras model file compiled ahead of time into native code that
// needs no LLVM, MLIR or Kiln at run time.
//
//   kilnc MODEL [-o OUT] [--emit=exe|lib|staticlib|obj|header|mlir|llvm|weights]
//         [--name=NAME] [--target=host|x86-64|x86-64-v2|...|CPU|sm_NN]
//         [--precision=fp32|tf32]
//         [--threads=N] [-O0..3] [--train] [--batch=N]
//         [--weights=embedded|external|FILE]
//         [--stage=kiln|steps|linalg|optimized|bufferized|gpu|llvm (--emit=mlir)]
//         [--print-ir-after-all] [--print-ir-after=PASS] [--timing]
//
// MODEL: a `.keras` archive, a legacy `.h5` model, a JSON config with
// --weights FILE, or a `.mlir` module in the kiln dialect (Model::to_mlir's
// or hand-written) with a Kiln weights file (--emit=weights writes one) or
// --weights=external. lib, staticlib and obj also write NAME.h (the C
// interface, compiler/AOT/Aot.h) next to OUT. exe is a program that runs
// the model on a .npy, IDX or CSV file (runtime/aot/ExeMain.c, embedded
// here). A shared library and an executable are linked by the C compiler
// driver (`cc`, or $CC). A GPU target (sm_80, sm_90, ...) runs the model's
// kernels on an NVIDIA GPU: the artifact carries their PTX and Kiln's GPU
// runtime (runtime/gpu, embedded here too), which loads the CUDA driver
// when the artifact loads; it is a shared or static library or an
// executable, and links libstdc++ and libdl besides.
#include "compiler/AOT/Aot.h"
#include "compiler/AOT/AotInternal.h"
#include "compiler/Registration.h"
#include "frontend/Keras.h"
#include "frontend/ModelImpl.h"
#include "runtime/train/ModelState.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>

namespace cl = llvm::cl;

namespace kiln {
/// The main program of --emit=exe, as an object (tools/kilnc/CMakeLists.txt).
extern const unsigned char kExeMainObject[];
extern const std::size_t kExeMainObjectSize;
/// Kiln's GPU runtime for GPU targets, as one object (tools/kilnc/CMakeLists.txt).
extern const unsigned char kGpuRuntimeObject[];
extern const std::size_t kGpuRuntimeObjectSize;
} // namespace kiln

namespace {

// kilnc's options live in a subcommand of their own, which main selects:
// libLLVM registers a global option named "threads" too.
cl::SubCommand compileCommand("compile", "compile a model ahead of time");
cl::OptionCategory kilncCategory("kilnc options");
cl::opt<std::string> modelPath(cl::Positional, cl::desc("MODEL"),
                               cl::Required, cl::cat(kilncCategory), cl::sub(compileCommand));
cl::opt<std::string> outPath("o", cl::desc("output file"),
                             cl::value_desc("OUT"), cl::cat(kilncCategory), cl::sub(compileCommand));
enum class Emit { exe, lib, staticlib, obj, header, mlir, llvm, weights };
cl::opt<Emit> emitOpt(
    "emit", cl::desc("what to write"), cl::init(Emit::lib),
    cl::values(clEnumValN(Emit::exe, "exe",
                          "a program that runs the model on a file"),
               clEnumValN(Emit::lib, "lib", "a shared library + NAME.h"),
               clEnumValN(Emit::staticlib, "staticlib",
                          "a static library + NAME.h"),
               clEnumValN(Emit::obj, "obj", "an object file + NAME.h"),
               clEnumValN(Emit::header, "header", "the C header alone"),
               clEnumValN(Emit::mlir, "mlir",
                          "the model's kiln IR (before any pass)"),
               clEnumValN(Emit::llvm, "llvm",
                          "the artifact's optimized LLVM IR"),
               clEnumValN(Emit::weights, "weights",
                          "the weights file alone (for --weights=external "
                          "artifacts and .mlir models)")),
    cl::cat(kilncCategory), cl::sub(compileCommand));
cl::opt<std::string> nameOpt("name",
                             cl::desc("prefix of the C symbols (default: "
                                      "the model's name)"),
                             cl::cat(kilncCategory), cl::sub(compileCommand));
cl::opt<std::string> targetOpt("target",
                               cl::desc("CPU to generate code for: host, "
                                        "x86-64, x86-64-v2, x86-64-v3, "
                                        "x86-64-v4 or an LLVM CPU name; or "
                                        "an NVIDIA GPU: sm_80, sm_90, ..."),
                               cl::init("host"), cl::cat(kilncCategory), cl::sub(compileCommand));
cl::opt<std::string> precisionOpt(
    "precision",
    cl::desc("a GPU target's f32 matmuls and convolutions: fp32 (CUDA "
             "cores, the CPU's results) or tf32 (tensor cores)"),
    cl::init("fp32"), cl::cat(kilncCategory), cl::sub(compileCommand));
cl::opt<int> threadsOpt("threads",
                        cl::desc("threads of the parallel loops (more than "
                                 "1 needs the OpenMP runtime)"),
                        cl::init(1), cl::cat(kilncCategory), cl::sub(compileCommand));
cl::opt<int64_t> batchOpt(
    "batch",
    cl::desc("compile for batches of N samples (static shapes; predict "
             "still takes any count, padding the last batch); 0: any batch"),
    cl::value_desc("N"), cl::init(0), cl::cat(kilncCategory),
    cl::sub(compileCommand));
cl::opt<unsigned> optLevel("O", cl::desc("optimization level 0-3"),
                           cl::Prefix, cl::init(3), cl::cat(kilncCategory), cl::sub(compileCommand));
cl::opt<std::string> stageOpt(
    "stage",
    cl::desc("with --emit=mlir: the IR after kiln (as emitted), steps, "
             "linalg, optimized, bufferized or llvm (a GPU target: steps, "
             "linalg, bufferized, gpu or llvm)"),
    cl::init("kiln"), cl::cat(kilncCategory), cl::sub(compileCommand));
cl::opt<bool> printAfterAll("print-ir-after-all",
                            cl::desc("print the IR after every pass"),
                            cl::cat(kilncCategory), cl::sub(compileCommand));
cl::list<std::string> printAfter(
    "print-ir-after", cl::desc("print the IR after the pass of this "
                               "argument name (kiln-tile, canonicalize...)"),
    cl::cat(kilncCategory), cl::sub(compileCommand));
cl::opt<bool> timingOpt("timing",
                        cl::desc("print the time of every pass and of "
                                 "LLVM's stages"),
                        cl::cat(kilncCategory), cl::sub(compileCommand));
cl::opt<bool> trainOpt(
    "train",
    cl::desc("also export <name>_train_step, _evaluate, _get_weights, "
             "_set_weights and the learning rate, with the optimizer state "
             "(a model saved after compile())"),
    cl::cat(kilncCategory), cl::sub(compileCommand));
cl::list<std::string> weightsOpt(
    "weights",
    cl::desc("embedded (the default: in the artifact), external (in "
             "OUT.weights, which the artifact maps when it loads), or the "
             "weights file of a JSON config (.weights.h5 or .h5)"),
    cl::value_desc("embedded|external|FILE"), cl::cat(kilncCategory),
    cl::sub(compileCommand));

[[noreturn]] void die(const std::string &message) {
  llvm::errs() << "kilnc: " << message << "\n";
  std::exit(1);
}

/// The compute capability `target` names as an NVIDIA chip ("sm_" and its
/// digits: 90 for sm_90), or 0 for a CPU. Dies for a chip Kiln does not
/// compile for: Volta (sm_70) to Hopper (sm_90) are, and the driver also
/// compiles their PTX for newer chips.
int gpuCapability(const std::string &target) {
  if (target.rfind("sm_", 0) != 0)
    return 0;
  std::string digits = target.substr(3);
  bool number = !digits.empty() && digits.size() <= 3 &&
                std::all_of(digits.begin(), digits.end(),
                            [](char c) { return std::isdigit(
                                             static_cast<unsigned char>(c)); });
  int capability = number ? std::stoi(digits) : 0;
  if (capability < 70 || capability > 90)
    die("--target=" + target + " is not an NVIDIA chip Kiln compiles for "
        "(sm_70 to sm_90: sm_80 for A100, sm_90 for H100 and H200 and, "
        "through the driver's PTX compiler, newer GPUs)");
  return capability;
}

/// A C identifier from the model's name: other characters become '_'.
std::string symbolName(const std::string &name) {
  std::string s;
  for (char c : name)
    s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0])))
    s = "model_" + s;
  return s;
}

void writeFile(const std::string &path, const std::string &bytes) {
  // Written whole or not at all: a failed run leaves no half file.
  llvm::Error error = llvm::writeToOutput(path, [&](llvm::raw_ostream &os) {
    os << bytes;
    return llvm::Error::success();
  });
  if (error)
    die("cannot write " + path + ": " + llvm::toString(std::move(error)));
}

std::string defaultOutput(Emit emit, const std::string &name) {
  switch (emit) {
  case Emit::exe:
    return name;
  case Emit::lib:
    return "lib" + name + ".so";
  case Emit::staticlib:
    return "lib" + name + ".a";
  case Emit::obj:
    return name + ".o";
  case Emit::header:
    return name + ".h";
  case Emit::mlir:
    return name + ".mlir";
  case Emit::llvm:
    return name + ".ll";
  case Emit::weights:
    return name + ".weights";
  }
  return name;
}

/// Links `objects` (with `flags`) into `out` with the C compiler driver.
void link(const std::vector<std::string> &objects, const std::string &out,
          const std::vector<std::string> &flags, int threads) {
  const char *cc = std::getenv("CC");
  std::string driver = cc && *cc ? cc : "cc";
  auto program = llvm::sys::findProgramByName(driver);
  if (!program)
    die("linking " + out + " needs a C compiler driver ('" + driver +
        "', or $CC); none is on PATH (apt install gcc), or use "
        "--emit=obj / --emit=staticlib and link it yourself");
  std::vector<std::string> args = {*program, "-o"};
  // A file is linked to OUT.partial and renamed (a failed link leaves no
  // half file); /dev/null and the like are written as they are.
  llvm::sys::fs::file_status status;
  bool whole = llvm::sys::fs::status(out, status) ||
               llvm::sys::fs::is_regular_file(status);
  llvm::SmallString<128> partial(out);
  if (whole)
    partial += ".partial";
  llvm::FileRemover partialRemover(partial, whole);
  args.push_back(partial.str().str());
  std::vector<std::unique_ptr<llvm::FileRemover>> removers;
  for (const std::string &bytes : objects) {
    llvm::SmallString<128> temp;
    if (std::error_code ec =
            llvm::sys::fs::createTemporaryFile("kilnc", "o", temp))
      die("cannot create a temporary file: " + ec.message());
    removers.push_back(std::make_unique<llvm::FileRemover>(temp));
    writeFile(temp.str().str(), bytes);
    args.push_back(temp.str().str());
  }
  args.insert(args.end(), flags.begin(), flags.end());
#ifdef KILN_LIBOMP_PATH
  if (threads > 1)
    args.push_back(KILN_LIBOMP_PATH);
#endif
  args.push_back("-lm");
  std::vector<llvm::StringRef> refs(args.begin(), args.end());
  std::string error;
  int rc = llvm::sys::ExecuteAndWait(*program, refs, std::nullopt, {}, 0, 0,
                                     &error);
  if (rc != 0)
    die("linking " + out + " with " + *program + " failed" +
        (error.empty() ? "" : ": " + error));
  if (!whole)
    return;
  if (std::error_code ec = llvm::sys::fs::rename(partial, out))
    die("cannot write " + out + ": " + ec.message());
}

/// What kilnc compiles: the model's kiln IR and what goes with it.
struct Source {
  std::string name;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  std::string kilnIR;
  std::vector<kiln::AotTensor> weights;
  std::vector<std::string> resultNames;
  std::optional<kiln::AotOptimizerState> optimizer;
};

std::vector<kiln::AotTensor> aotTensors(const std::vector<kiln::Tensor> &ts) {
  std::vector<kiln::AotTensor> out;
  for (const kiln::Tensor &t : ts) {
    kiln::Tensor f = t.astype(kiln::DType::f32);
    const float *p = f.data<float>();
    out.push_back({f.shape(), std::vector<float>(p, p + f.size())});
  }
  return out;
}

/// A Keras model file (and, for a JSON config, its weights file).
Source fromModelFile(mlir::MLIRContext &context,
                     const std::string &weightsPath) {
  // Training needs the compile config, and the optimizer state the file
  // holds; prediction neither.
  kiln::Model model = kiln::load_model(modelPath, {.compile = trainOpt});
  if (trainOpt && model.loss().empty())
    die("--train needs a model saved after compile(): " + modelPath +
        " has no compile config (training_config / compile_config)");
  if (!weightsPath.empty())
    model.load_weights(weightsPath);
  // The C entry points take any number of samples and have no
  // reset_states; a stateful layer's fixed batch and carried state need
  // both.
  for (const auto &layer : model.impl().layers)
    if (layer->statefulBatchSize() > 0)
      die(modelPath + ": layer '" + layer->name() +
          "' is stateful; kilnc compiles stateless models only (save the "
          "model with stateful = false for inference)");
  Source src;
  src.name = symbolName(model.name());
  src.kilnIR = model.to_mlir();
  src.weights = aotTensors(model.get_weights());
  src.resultNames = model.metrics_names();
  if (trainOpt) {
    const kiln::train::ModelState &state = *model.impl().state;
    kiln::AotOptimizerState optimizer;
    optimizer.slots = aotTensors(state.slots());
    optimizer.iterations = state.iterations();
    optimizer.learningRate = float(state.learning_rate());
    src.optimizer = std::move(optimizer);
  }
  src.module = mlir::parseSourceString<mlir::ModuleOp>(src.kilnIR, &context);
  if (!src.module)
    die("the model's kiln IR does not parse (a Kiln bug)");
  return src;
}

/// A module in the kiln dialect (Model::to_mlir's, or written by hand),
/// with its weights from a Kiln weights file, or external.
Source fromMlirFile(mlir::MLIRContext &context,
                    const std::string &weightsPath, bool external) {
  auto buffer = llvm::MemoryBuffer::getFile(modelPath);
  if (!buffer)
    die("cannot read " + modelPath + ": " + buffer.getError().message());
  Source src;
  src.name = symbolName(llvm::sys::path::stem(modelPath).str());
  src.kilnIR = (*buffer)->getBuffer().str();
  std::string diagnostics;
  {
    llvm::raw_string_ostream os(diagnostics);
    mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic &d) {
      os << d.getLocation() << ": " << d << "\n";
      return mlir::success();
    });
    llvm::SourceMgr sources;
    sources.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBuffer(
                                   src.kilnIR, modelPath, false),
                               llvm::SMLoc());
    src.module = mlir::parseSourceFile<mlir::ModuleOp>(sources, &context);
    if (src.module && mlir::failed(mlir::verify(*src.module)))
      src.module = nullptr;
  }
  if (!src.module)
    die(modelPath + " is not valid kiln IR:\n" + diagnostics);
  auto forward = src.module->lookupSymbol<mlir::func::FuncOp>("forward");
  if (!forward)
    die(modelPath + " has no @forward function (the model's prediction, "
                    "as Model::to_mlir writes it)");
  std::vector<std::vector<int64_t>> shapes;
  for (unsigned i = 0; i < forward.getNumArguments(); ++i) {
    if (!forward.getArgAttr(i, "kiln.param"))
      break;
    auto type = mlir::dyn_cast<mlir::RankedTensorType>(
        forward.getArgument(i).getType());
    if (!type || !type.hasStaticShape() || !type.getElementType().isF32())
      die(modelPath + ": weight #" + std::to_string(i) +
          " of @forward is not a static f32 tensor");
    shapes.push_back(type.getShape().vec());
  }
  if (!weightsPath.empty()) {
    auto file = llvm::MemoryBuffer::getFile(weightsPath);
    if (!file)
      die("cannot read " + weightsPath + ": " + file.getError().message());
    auto weights = kiln::aotReadWeightsFile((*file)->getBuffer(), shapes);
    if (!weights)
      die(weightsPath + ": " + llvm::toString(weights.takeError()));
    src.weights = std::move(*weights);
  } else if (external || emitOpt == Emit::mlir || emitOpt == Emit::header ||
             shapes.empty()) {
    // Only the shapes matter: nothing is embedded.
    for (const std::vector<int64_t> &shape : shapes)
      src.weights.push_back({shape, std::vector<float>(
                                        kiln::aot::elements(shape), 0.f)});
  } else {
    die(modelPath + " holds no weights: give --weights FILE.weights (kilnc "
                    "MODEL --emit=weights writes one) or --weights=external");
  }
  return src;
}

} // namespace

int main(int argc, char **argv) {
  cl::HideUnrelatedOptions(kilncCategory, compileCommand);
  std::vector<const char *> args(argv, argv + argc);
  if (argc < 2 || std::string(argv[1]) != "compile")
    args.insert(args.begin() + 1, "compile");
  cl::ParseCommandLineOptions(
      int(args.size()), args.data(),
      "kilnc: compile a Keras model ahead of time into a native library "
      "with a C interface\n");
  if (optLevel > 3)
    die("-O takes 0 to 3, not " + std::to_string(optLevel));
  if (threadsOpt < 1)
    die("--threads must be at least 1, not " + std::to_string(threadsOpt));
#ifndef KILN_LIBOMP_PATH
  if (threadsOpt > 1)
    die("--threads above 1 needs the OpenMP runtime, which this Kiln was "
        "built without (apt install libomp-22-dev)");
#endif
  try {
    bool external = false;
    std::string weightsPath;
    for (const std::string &w : weightsOpt) {
      if (w == "external" || w == "embedded")
        external = w == "external";
      else if (weightsPath.empty())
        weightsPath = w;
      else
        die("--weights names two files: " + weightsPath + " and " + w);
    }
    int capability = gpuCapability(targetOpt);
    bool gpu = capability > 0;
    if (precisionOpt != "fp32" && precisionOpt != "tf32")
      die("--precision takes fp32 or tf32, not '" + precisionOpt + "'");
    if (!gpu && precisionOpt != "fp32")
      die("--precision=" + precisionOpt + " is for GPU targets (--target="
          "sm_80, sm_90, ...)");
    if (gpu && precisionOpt == "tf32" && capability < 80)
      die("--precision=tf32 needs tensor cores with TF32: sm_80 or later, "
          "not " + targetOpt);
    if (gpu && emitOpt == Emit::obj)
      die("a GPU artifact needs Kiln's GPU runtime beside the model's "
          "object: use --emit=staticlib (which holds both), lib or exe");
    if (trainOpt && emitOpt == Emit::exe)
      die("--train makes a library or an object (--emit=lib, staticlib or "
          "obj); an executable only predicts");
    mlir::DialectRegistry registry;
    kiln::registerAllDialects(registry);
    mlir::MLIRContext context(registry);
    bool mlirInput = llvm::StringRef(modelPath).ends_with(".mlir");
    if (mlirInput && emitOpt == Emit::weights)
      die("--emit=weights writes a Keras model's weights; " + modelPath +
          " has none");
    Source src = mlirInput ? fromMlirFile(context, weightsPath, external)
                           : fromModelFile(context, weightsPath);
    std::string name = nameOpt.empty() ? src.name : nameOpt;
    if (!kiln::isCIdentifier(name))
      die("--name '" + name + "' is not a C identifier");
    std::string out = outPath.empty() ? defaultOutput(emitOpt, name) : outPath;
    if (emitOpt == Emit::mlir && stageOpt == "kiln") {
      writeFile(out, src.kilnIR);
      return 0;
    }
    if (emitOpt == Emit::weights) {
      writeFile(out, kiln::aotWeightsFile(src.weights));
      return 0;
    }
    if (emitOpt != Emit::mlir && stageOpt != "kiln")
      die("--stage goes with --emit=mlir");

    kiln::AotOptions options;
    // An executable's main program calls the model by a fixed name.
    options.name = emitOpt == Emit::exe ? "kiln_exe_model" : name;
    options.exeShapes = emitOpt == Emit::exe;
    if (emitOpt == Emit::mlir)
      options.stopAfter = stageOpt;
    options.keepLLVMIR = emitOpt == Emit::llvm;
    mlir::DefaultTimingManager timing;
    timing.setEnabled(timingOpt);
    mlir::TimingScope timingRoot = timing.getRootScope();
    options.instrument = [&](mlir::PassManager &pm) {
      std::vector<std::string> after(printAfter.begin(), printAfter.end());
      if (printAfterAll || !after.empty()) {
        // IR printing needs one thread (and prints to stderr).
        pm.getContext()->disableMultithreading();
        pm.enableIRPrinting(
            [](mlir::Pass *, mlir::Operation *) { return false; },
            [after](mlir::Pass *pass, mlir::Operation *) {
              return printAfterAll ||
                     std::find(after.begin(), after.end(),
                               pass->getArgument().str()) != after.end();
            },
            /*printModuleScope=*/true, /*printAfterOnlyOnChange=*/false);
      }
      if (timingOpt)
        pm.enableTiming(timingRoot);
    };
    // A GPU artifact's host code only launches kernels: any x86-64 runs it.
    options.cpu = gpu ? std::string("x86-64") : targetOpt.getValue();
    if (gpu) {
      options.gpuChip = targetOpt;
      options.gpuPrecision = precisionOpt;
    }
    options.threads = threadsOpt;
    options.batch = batchOpt;
    options.optLevel = optLevel;
    options.version = std::string(KILN_VERSION) + " " +
                      llvm::sys::path::filename(modelPath).str() + " " +
                      targetOpt +
                      (gpu ? " precision=" + precisionOpt : std::string()) +
                      " threads=" + std::to_string(threadsOpt) +
                      (batchOpt > 0 ? " batch=" + std::to_string(batchOpt)
                                    : std::string());
    options.train = trainOpt;
    options.externalWeights = external;
    options.resultNames = src.resultNames;
    const std::vector<kiln::AotTensor> &weights = src.weights;
    mlir::ModuleOp module = *src.module;
    auto artifact = kiln::compileAhead(
        module, weights, options, src.optimizer ? &*src.optimizer : nullptr);
    if (!artifact)
      die(llvm::toString(artifact.takeError()).substr(
          std::string("kilnc: ").size()));
    if (timingOpt) {
      timingRoot.stop();
      timing.print();
      timing.setEnabled(false); // printed once, not again at exit
      llvm::errs() << llvm::format(
          "kilnc: llvm-translate %.1f ms, llvm-optimize %.1f ms, "
          "llvm-codegen %.1f ms\n",
          artifact->translateSeconds * 1e3, artifact->optimizeSeconds * 1e3,
          artifact->codegenSeconds * 1e3);
    }
    if (emitOpt == Emit::mlir) {
      std::string text;
      llvm::raw_string_ostream os(text);
      module.print(os);
      writeFile(out, text);
      return 0;
    }
    std::string header = kiln::aotHeader(*artifact, options);
    if (emitOpt == Emit::exe && nameOpt.empty() && outPath.empty())
      out = name;
    // External weights: beside the artifact, named after it (an executable
    // or a shared library finds them there itself).
    if (external && emitOpt != Emit::header && emitOpt != Emit::llvm) {
      std::string file =
          emitOpt == Emit::exe || emitOpt == Emit::lib
              ? out + ".weights"
              : (llvm::sys::path::parent_path(out).empty()
                     ? std::string()
                     : llvm::sys::path::parent_path(out).str() + "/") +
                    name + ".weights";
      writeFile(file, kiln::aotWeightsFile(weights));
    }
    // A GPU artifact links Kiln's GPU runtime, which is C++ and loads the
    // driver with dlopen.
    std::string gpuRuntime(
        reinterpret_cast<const char *>(kiln::kGpuRuntimeObject),
        kiln::kGpuRuntimeObjectSize);
    auto withRuntime = [&](std::vector<std::string> objects) {
      if (gpu)
        objects.push_back(gpuRuntime);
      return objects;
    };
    auto withRuntimeLibs = [&](std::vector<std::string> flags) {
      if (gpu)
        flags.insert(flags.end(), {"-lstdc++", "-ldl", "-lpthread"});
      return flags;
    };
    auto headerNextTo = [&](const std::string &path) {
      llvm::SmallString<128> h(llvm::sys::path::parent_path(path));
      llvm::sys::path::append(h, name + ".h");
      writeFile(h.str().str(), header);
    };
    switch (emitOpt) {
    case Emit::header:
      writeFile(out, header);
      break;
    case Emit::llvm:
      writeFile(out, artifact->llvmIR);
      break;
    case Emit::obj:
      writeFile(out, artifact->object);
      headerNextTo(out);
      break;
    case Emit::staticlib: {
      std::vector<std::pair<std::string, std::string>> members = {
          {artifact->object, name + ".o"}};
      if (gpu)
        members.push_back({gpuRuntime, name + "-gpu-runtime.o"});
      auto archive = kiln::aotStaticLibrary(members);
      if (!archive)
        die(llvm::toString(archive.takeError()));
      writeFile(out, *archive);
      headerNextTo(out);
      break;
    }
    case Emit::lib:
      link(withRuntime({artifact->object}), out, withRuntimeLibs({"-shared"}),
           threadsOpt);
      headerNextTo(out);
      break;
    case Emit::exe: {
      // zlib (the program reads gzip files) linked in: the program needs
      // libc and libm alone.
      std::string main(reinterpret_cast<const char *>(kiln::kExeMainObject),
                       kiln::kExeMainObjectSize);
      link(withRuntime({artifact->object, main}), out,
           withRuntimeLibs({"-Wl,-Bstatic", "-lz", "-Wl,-Bdynamic"}),
           threadsOpt);
      break;
    }
    case Emit::mlir:
    case Emit::weights: // written before compiling
      break;
    }
  } catch (const std::exception &e) {
    die(e.what());
  }
  return 0;
}
