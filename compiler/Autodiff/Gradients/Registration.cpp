//===- Registration.cpp - Attach gradient implementations to kiln ops -----===//
// Placeholder: the autodiff work replaces this file.
#include "compiler/Autodiff/Passes.h"

#include "mlir/IR/DialectRegistry.h"

void kiln::registerGradientInterfaces(mlir::DialectRegistry &) {}
