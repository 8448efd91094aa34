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

/// Kiln's passes and named pipelines, and the upstream passes. Registers
/// once per process, however often it is called.
void registerAllPasses();

/// Kiln's passes and named pipelines alone (all a textual pre-pipeline of
/// compileToJit names), once per process.
void registerKilnPasses();

} // namespace kiln

#endif // KILN_COMPILER_REGISTRATION_H
