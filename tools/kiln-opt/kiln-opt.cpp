//===- kiln-opt.cpp - Kiln's mlir-opt ---------------------------------------===//
//
// mlir-opt with the kiln dialect, Kiln's passes and pipelines, and the
// upstream dialects and passes Kiln lowers through, so every stage of every
// model can be reproduced from a .mlir file.
//
//===----------------------------------------------------------------------===//
#include "compiler/Registration.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  kiln::registerAllDialects(registry);
  kiln::registerAllPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Kiln optimizer driver\n", registry));
}
