// kiln: one command for a user who has a model file.
//
//   kiln summary MODEL
//   kiln evaluate MODEL --data fashion-mnist:test|fashion-mnist:train|X.npy,Y.npy
//   kiln predict MODEL IN.npy -o OUT.npy
//   kiln train MODEL --data ... --epochs N -o OUT.keras [--history H.csv]
//   kiln ir MODEL --stage kiln|steps|linalg|optimized|bufferized|llvm
//   kiln plot MODEL -o model.svg|png|pdf|dot [--show-shapes] [--rankdir LR]
//
// MODEL is a `.keras` archive, a legacy `.h5` model or a JSON config (then
// --weights). Fashion-MNIST comes from Debian's dataset-fashion-mnist, its
// pixels divided by 255 as in the tutorials (--scale changes the factor).
#include "compiler/Pipelines/Pipelines.h"
#include "compiler/Registration.h"
#include "frontend/Keras.h"
#include "runtime/data/Npy.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

namespace cl = llvm::cl;
using namespace kiln;

namespace {

cl::SubCommand summaryCmd("summary", "print the model's Keras summary");
cl::SubCommand evaluateCmd("evaluate",
                           "loss and metrics of the model on a data set");
cl::SubCommand predictCmd("predict", "the model's outputs for a .npy input");
cl::SubCommand trainCmd("train", "train the model and save it");
cl::SubCommand irCmd("ir", "the model's IR at a stage of the pipeline");
cl::SubCommand plotCmd("plot", "draw the model's layers (Keras's plot_model)");

cl::OptionCategory kilnCategory("kiln options");

cl::opt<std::string> modelPath(cl::Positional, cl::desc("MODEL"), cl::Required,
                               cl::sub(summaryCmd), cl::sub(evaluateCmd),
                               cl::sub(predictCmd), cl::sub(trainCmd),
                               cl::sub(irCmd), cl::sub(plotCmd),
                               cl::cat(kilnCategory));
cl::opt<std::string> weightsPath("weights",
                                 cl::desc("weights for a JSON config"),
                                 cl::sub(summaryCmd), cl::sub(evaluateCmd),
                                 cl::sub(predictCmd), cl::sub(trainCmd),
                                 cl::sub(irCmd), cl::sub(plotCmd),
                                 cl::cat(kilnCategory));
cl::opt<std::string> dataSpec(
    "data",
    cl::desc("fashion-mnist:test, fashion-mnist:train, or X.npy,Y.npy"),
    cl::sub(evaluateCmd), cl::sub(trainCmd), cl::cat(kilnCategory));
cl::opt<double> scaleOpt("scale",
                         cl::desc("factor for the inputs (default 1/255 for "
                                  "fashion-mnist, 1 for .npy)"),
                         cl::sub(evaluateCmd), cl::sub(predictCmd),
                         cl::sub(trainCmd), cl::cat(kilnCategory));
cl::opt<int64_t> batchSize("batch-size", cl::desc("samples per step"),
                           cl::init(32), cl::sub(evaluateCmd),
                           cl::sub(predictCmd), cl::sub(trainCmd),
                           cl::cat(kilnCategory));
cl::opt<std::string> predictIn(cl::Positional, cl::desc("IN.npy"),
                               cl::sub(predictCmd), cl::cat(kilnCategory));
cl::opt<std::string> outPath("o", cl::desc("output file"),
                             cl::sub(predictCmd), cl::sub(trainCmd),
                             cl::sub(irCmd), cl::sub(plotCmd),
                             cl::cat(kilnCategory));
cl::opt<bool> showShapes("show-shapes",
                         cl::desc("each box shows its input and output shapes"),
                         cl::sub(plotCmd), cl::cat(kilnCategory));
cl::opt<bool> showDtype("show-dtype", cl::desc("each box shows its dtype"),
                        cl::sub(plotCmd), cl::cat(kilnCategory));
cl::opt<std::string> rankdir("rankdir",
                             cl::desc("TB (top to bottom, default) or LR"),
                             cl::init("TB"), cl::sub(plotCmd),
                             cl::cat(kilnCategory));
cl::opt<int> dpi("dpi", cl::desc("dots per inch of a PNG"), cl::init(96),
                 cl::sub(plotCmd), cl::cat(kilnCategory));
cl::opt<int> epochs("epochs", cl::desc("training epochs"), cl::init(1),
                    cl::sub(trainCmd), cl::cat(kilnCategory));
cl::opt<double> validationSplit("validation-split",
                                cl::desc("fraction held out for validation"),
                                cl::init(0.0), cl::sub(trainCmd),
                                cl::cat(kilnCategory));
cl::opt<std::string> historyPath("history",
                                 cl::desc("write the History as CSV here"),
                                 cl::sub(trainCmd), cl::cat(kilnCategory));
cl::opt<int> verbose("verbose", cl::desc("0 silent, 1 progress bar, 2 one "
                                         "line per epoch"),
                     cl::init(1), cl::sub(trainCmd), cl::cat(kilnCategory));
cl::opt<std::string> stage(
    "stage",
    cl::desc("where to stop: kiln (the model as emitted), steps "
             "(kiln-make-steps), linalg (autodiff done, linalg on tensors), "
             "optimized (fused, tiled, vectorized for the target), "
             "bufferized, llvm (the LLVM dialect)"),
    cl::init("kiln"), cl::sub(irCmd), cl::cat(kilnCategory));
cl::opt<std::string> targetOpt("target",
                               cl::desc("CPU for the code generation stages"),
                               cl::init("host"), cl::sub(irCmd),
                               cl::cat(kilnCategory));
cl::opt<int64_t> threadsOpt("threads",
                            cl::desc("threads for the code generation "
                                     "stages (0: all cores)"),
                            cl::init(0), cl::sub(irCmd),
                            cl::cat(kilnCategory));

[[noreturn]] void die(const std::string &message) {
  std::cerr << "kiln: " << message << "\n";
  std::exit(1);
}

Model loadModel(bool compile) {
  Model model = load_model(modelPath, {.compile = compile});
  if (!weightsPath.empty())
    model.load_weights(weightsPath);
  return model;
}

/// `x` (n, ...) as the model's input (n, shape), times `scale`.
Tensor toInput(const Tensor &x, const Model &model, double scale) {
  Shape shape = model.input_shape();
  shape.front() = x.rank() ? x.shape().front() : 1;
  int64_t per = 1;
  for (size_t i = 1; i < shape.size(); ++i)
    per *= shape[i];
  if (x.rank() == 0 || x.size() != shape.front() * per)
    throwError("the inputs have shape ", shapeToString(x.shape()),
               ", but the model takes samples of shape ",
               shapeToString(model.input_shape()));
  Tensor f = x.astype(DType::f32).reshape(shape);
  return scale == 1.0 ? f : f / (1.0 / scale);
}

struct Data {
  Tensor x, y;
  double scale = 1.0;
};

Data loadData(const std::string &spec) {
  if (spec.empty())
    die("--data is required: fashion-mnist:test, fashion-mnist:train or "
        "X.npy,Y.npy");
  if (spec == "fashion-mnist:test" || spec == "fashion-mnist:train") {
    auto [train, test] = datasets::fashion_mnist::load_data();
    const datasets::Split &s = spec == "fashion-mnist:test" ? test : train;
    return {s.x, s.y, 1.0 / 255.0};
  }
  size_t comma = spec.find(',');
  if (comma == std::string::npos || spec.rfind("fashion-mnist", 0) == 0)
    die("--data '" + spec +
        "': expected fashion-mnist:test, fashion-mnist:train or X.npy,Y.npy");
  return {io::readNpy(spec.substr(0, comma)),
          io::readNpy(spec.substr(comma + 1)), 1.0};
}

/// A model loaded without a compile config gets the tutorials' classifier
/// settings for integer labels, or mse, so that it can be evaluated.
void compileIfNeeded(Model &model, const Tensor &y) {
  if (!model.metrics_names().empty())
    return;
  bool sparse = y.dtype() != DType::f32 &&
                (y.rank() == 1 || (y.rank() == 2 && y.shape()[1] == 1));
  std::cerr << "kiln: " << modelPath
            << " has no compile config; evaluating with "
            << (sparse ? "sparse_categorical_crossentropy and accuracy"
                       : "mse")
            << "\n";
  if (sparse)
    model.compile({.optimizer = "sgd",
                   .loss = "sparse_categorical_crossentropy",
                   .metrics = {"accuracy"}});
  else
    model.compile({.optimizer = "sgd", .loss = "mse"});
}

/// Integer class labels one-hot encoded where the model's loss wants that
/// (categorical cross-entropy, as the Keras 3 CNN of the tutorials has).
Tensor targetsFor(const Model &model, const Tensor &y) {
  bool integer = y.dtype() != DType::f32 && y.rank() == 1;
  Shape out = model.output_shape();
  if (integer && model.loss() == "categorical_crossentropy" && out.size() == 2)
    return utils::to_categorical(y, out.back());
  return y;
}

int evaluateModel() {
  Data d = loadData(dataSpec);
  Model model = loadModel(true);
  compileIfNeeded(model, d.y);
  d.y = targetsFor(model, d.y);
  double scale = scaleOpt.getNumOccurrences() ? scaleOpt : d.scale;
  std::vector<double> r = model.evaluate(
      toInput(d.x, model, scale), d.y, {.batch_size = batchSize, .verbose = 0});
  std::vector<std::string> names = model.metrics_names();
  for (size_t i = 0; i < r.size(); ++i)
    std::printf("%s%s: %.4f", i ? " " : "", names[i].c_str(), r[i]);
  std::printf("\n");
  return 0;
}

int predictModel() {
  if (predictIn.empty() || outPath.empty())
    die("usage: kiln predict MODEL IN.npy -o OUT.npy");
  Model model = loadModel(true);
  Tensor in = io::readNpy(predictIn);
  if (model.metrics_names().empty())
    model.compile({.optimizer = "sgd", .loss = "mse"});
  double scale = scaleOpt.getNumOccurrences() ? scaleOpt : 1.0;
  Tensor out = model.predict(toInput(in, model, scale),
                             {.batch_size = batchSize, .verbose = 0});
  io::writeNpy(outPath, out);
  return 0;
}

int trainModel() {
  if (outPath.empty())
    die("train needs -o OUT.keras (or .h5) for the trained model");
  if (epochs < 1)
    die("--epochs must be at least 1");
  Data d = loadData(dataSpec);
  Model model = loadModel(true);
  if (model.metrics_names().empty())
    die(modelPath + " has no compile config (loss, optimizer): kiln does "
        "not guess how to train it");
  d.y = targetsFor(model, d.y);
  double scale = scaleOpt.getNumOccurrences() ? scaleOpt : d.scale;
  FitOptions options{.epochs = epochs,
                     .batch_size = batchSize,
                     .verbose = verbose,
                     .validation_split = validationSplit};
  if (!historyPath.empty())
    options.callbacks.push_back(callbacks::CSVLogger(historyPath));
  model.fit(toInput(d.x, model, scale), d.y, options);
  model.save(outPath);
  return 0;
}

int printIR() {
  // Compiled as the file says (the compile cache makes it quick the second
  // time), so the IR has the training step; a file without a compile config
  // gives the prediction step alone.
  Model model = loadModel(true);
  std::string text = model.to_mlir();
  if (stage != "kiln") {
    mlir::DialectRegistry registry;
    registerAllDialects(registry);
    registerAllPasses();
    mlir::MLIRContext context(registry);
    auto module = mlir::parseSourceString<mlir::ModuleOp>(text, &context);
    if (!module)
      die("the model's kiln IR does not parse (a Kiln bug)");
    CodegenOptions codegen;
    codegen.cpu = targetOpt;
    codegen.threads = threadsOpt;
    mlir::PassManager pm(&context);
    if (!buildStepsPipeline(pm, codegen, stage))
      die("unknown stage '" + stage + "' (kiln, steps, linalg, optimized, "
          "bufferized, llvm)");
    if (mlir::failed(pm.run(*module)))
      die("the pipeline failed on " + modelPath);
    text.clear();
    llvm::raw_string_ostream os(text);
    module->print(os);
  }
  // Written whole or not at all ("-" is stdout).
  std::string out = outPath.empty() ? std::string("-") : outPath.getValue();
  if (llvm::Error error = llvm::writeToOutput(out, [&](llvm::raw_ostream &os) {
        os << text;
        return llvm::Error::success();
      }))
    die("cannot write " + out + ": " + llvm::toString(std::move(error)));
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  cl::HideUnrelatedOptions(kilnCategory);
  cl::ParseCommandLineOptions(argc, argv,
                              "kiln: summary, evaluate, predict, train, "
                              "inspect and plot a Keras model file\n");
  try {
    if (summaryCmd) {
      Model model = loadModel(false);
      model.summary();
      return 0;
    }
    if (evaluateCmd)
      return evaluateModel();
    if (predictCmd)
      return predictModel();
    if (trainCmd)
      return trainModel();
    if (irCmd)
      return printIR();
    if (plotCmd) {
      if (outPath.empty())
        die("plot needs -o FILE (.png, .svg, .pdf or .dot)");
      Model model = loadModel(false);
      utils::plot_model(model, outPath,
                        {.show_shapes = showShapes, .show_dtype = showDtype,
                         .rankdir = rankdir, .dpi = dpi});
      return 0;
    }
  } catch (const std::exception &e) {
    die(e.what());
  }
  std::cerr << "kiln: a command is needed: summary, evaluate, predict, "
               "train, ir or plot (kiln --help)\n";
  return 2;
}
