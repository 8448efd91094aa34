// The command-line flags the Fashion-MNIST examples share, through LLVM's
// command-line library (already linked by every Kiln program).
#ifndef KILN_EXAMPLES_EXAMPLEFLAGS_H
#define KILN_EXAMPLES_EXAMPLEFLAGS_H

#include "llvm/Support/CommandLine.h"

namespace examples {

struct Flags {
  int epochs;
  int batch_size;
  int verbose;
};

/// Parses --epochs, --batch-size and --verbose with the tutorial's defaults.
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
  llvm::cl::HideUnrelatedOptions(category);
  llvm::cl::ParseCommandLineOptions(argc, argv, overview);
  return {epochsOpt, batchOpt, verboseOpt};
}

} // namespace examples

#endif // KILN_EXAMPLES_EXAMPLEFLAGS_H
