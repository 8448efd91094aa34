//===- Registration.cpp - Attach gradient implementations to kiln ops -----===//
//
// The one entry point: each file under Gradients/ attaches the
// GradientOpInterface models of its group of ops as a dialect extension, so
// they are in place whenever the kiln dialect is loaded.
//
//===----------------------------------------------------------------------===//
#include "compiler/Autodiff/Gradients/Gradients.h"
#include "compiler/Autodiff/Passes.h"

#include "mlir/IR/DialectRegistry.h"

void kiln::registerGradientInterfaces(mlir::DialectRegistry &registry) {
  grad::registerElementwiseGradients(registry);
  grad::registerLayerGradients(registry);
  grad::registerShapeGradients(registry);
  grad::registerReductionGradients(registry);
  grad::registerActivationGradients(registry);
  grad::registerLossGradients(registry);
  grad::registerLoopGradients(registry);
}
