// The command-line flags the Fashion-MNIST examples share, through LLVM's
// command-line library (already linked by every Kiln program).
#ifndef KILN_EXAMPLES_EXAMPLEFLAGS_H
#define KILN_EXAMPLES_EXAMPLEFLAGS_H

#include "frontend/Keras.h"

#include "llvm/Support/CommandLine.h"

#include <cstdio>
#include <string>

namespace examples {

struct Flags {
  int epochs;
  int batch_size;
  int verbose;
  /// --save PATH: save the trained model (.keras or .h5) and load it back.
  std::string save;
  /// --plots DIR: draw the model and its learning curves there.
  std::string plots;
  /// --augment: train on ImageDataGenerator batches (the image examples).
  bool augment;
};

/// Parses --epochs, --batch-size and --verbose with the tutorial's defaults,
/// and the flags that set process-wide choices (--seed, --device,
/// --distributed).
inline Flags parseFlags(int argc, char **argv, int epochs, int batchSize,
                        const char *overview) {
  static llvm::cl::OptionCategory category("Example options");
  static llvm::cl::opt<int> epochsOpt("epochs", llvm::cl::desc("Training epochs"),
                                      llvm::cl::init(epochs), llvm::cl::cat(category));
  static llvm::cl::opt<int> batchOpt("batch-size", llvm::cl::desc("Samples per batch"),
                                     llvm::cl::init(batchSize), llvm::cl::cat(category));
  static llvm::cl::opt<int> verboseOpt(
      "verbose", llvm::cl::desc("0 silent, 1 progress bar, 2 one line per epoch"),
      llvm::cl::init(1), llvm::cl::cat(category));
  static llvm::cl::opt<std::string> saveOpt(
      "save", llvm::cl::desc("Save the trained model to this .keras or .h5 file and reload it"),
      llvm::cl::init(""), llvm::cl::cat(category));
  static llvm::cl::opt<std::string> plotsOpt(
      "plots",
      llvm::cl::desc("Draw the model (plot_model) and its learning curves "
                     "(plot_history) as PNGs in this folder"),
      llvm::cl::init(""), llvm::cl::cat(category));
  static llvm::cl::opt<bool> augmentOpt(
      "augment",
      llvm::cl::desc("Train on ImageDataGenerator batches: rotation 10, "
                     "shifts 0.1, zoom 0.1 (the image examples)"),
      llvm::cl::init(false), llvm::cl::cat(category));
  static llvm::cl::opt<long long> seedOpt(
      "seed",
      llvm::cl::desc("Seed the weights, the shuffles and the augmentation "
                     "(utils::set_random_seed); unset: a different run each time"),
      llvm::cl::init(-1), llvm::cl::cat(category));
  static llvm::cl::opt<bool> distributedOpt(
      "distributed",
      llvm::cl::desc("Train data-parallel across the processes mpirun starts "
                     "(distribution::DataParallel); only rank 0 prints"),
      llvm::cl::init(false), llvm::cl::cat(category));
  static llvm::cl::opt<std::string> deviceOpt(
      "device",
      llvm::cl::desc("Where the model runs: cpu, gpu, gpu:N or auto "
                     "(config::set_device; default: KILN_DEVICE, else cpu)"),
      llvm::cl::init(""), llvm::cl::cat(category));
  llvm::cl::HideUnrelatedOptions(category);
  llvm::cl::ParseCommandLineOptions(argc, argv, overview);
  if (!deviceOpt.empty()) {
    kiln::config::set_device(deviceOpt);
    std::printf("device: %s\n", kiln::resolve_device("").c_str());
  }
  if (seedOpt >= 0)
    kiln::utils::set_random_seed(static_cast<uint64_t>(seedOpt));
  if (distributedOpt) {
    kiln::distribution::DataParallel dp;
    kiln::distribution::set_distribution(dp);
    // Every replica evaluates and predicts the same; rank 0 says so.
    if (kiln::distribution::communicator_of(dp)->rank() != 0)
      (void)std::freopen("/dev/null", "w", stdout);
  }
  return {epochsOpt, batchOpt, verboseOpt, saveOpt, plotsOpt, augmentOpt};
}

/// With --plots DIR: writes DIR/<name>_model.png (plot_model with shapes)
/// and DIR/<name>_history.png (loss and accuracy, training and validation).
inline void drawPictures(kiln::Model &model, const kiln::History &history,
                         const std::string &dir, const std::string &name) {
  if (dir.empty())
    return;
  std::string modelPng = dir + "/" + name + "_model.png",
              historyPng = dir + "/" + name + "_history.png";
  kiln::utils::plot_model(model, modelPng, {.show_shapes = true});
  kiln::utils::plot_history(history, historyPng, {.metrics = {"loss", "accuracy"}});
  std::printf("drew %s and %s\n", modelPng.c_str(), historyPng.c_str());
}

/// With --save: saves `model`, loads the file back and reports whether the
/// copy predicts `x` exactly as the original does (Keras's save/load_model).
inline void saveAndReload(kiln::Model &model, const kiln::Tensor &x,
                          const std::string &path) {
  if (path.empty())
    return;
  model.save(path);
  kiln::Model copy = kiln::load_model(path);
  kiln::Tensor a = model.predict(x), b = copy.predict(x);
  bool same = a.shape() == b.shape() &&
              std::equal(a.data<float>(), a.data<float>() + a.size(), b.data<float>());
  std::printf("saved %s; the reloaded model's predictions are %s\n", path.c_str(),
              same ? "identical" : "DIFFERENT");
}

} // namespace examples

#endif // KILN_EXAMPLES_EXAMPLEFLAGS_H
