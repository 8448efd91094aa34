//===- Registration.h - Everything kiln-opt and the JIT register -*- C++ -*-===//
#ifndef KILN_COMPILER_REGISTRATION_H
#define KILN_COMPILER_REGISTRATION_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace kiln {

/// The kiln dialect plus every upstream dialect and extension (bufferization
/// and tiling models, translation interfaces) that Kiln's pipelines use.
void registerAllDialects(mlir::DialectRegistry &registry);

/// Kiln's passes and named pipelines, and the upstream passes.
void registerAllPasses();

} // namespace kiln

#endif // KILN_COMPILER_REGISTRATION_H
