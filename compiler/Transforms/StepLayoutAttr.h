//===- StepLayoutAttr.h - A step's argument layout as an attribute -*- C++ -*-===//
//
// kiln-make-steps records each step's abi::StepLayout on the step function:
//   func.func @train_step(...) attributes {kiln.step_layout =
//       [["params", 6], ["slots", 0], ["iterations", 1], ["inputs", 1],
//        ["targets", 1], ["results", 1]]}
// and compileToJit reads it back for the runtime. The text form (one line,
// "params=6 slots=0 ...") is what the compile cache stores.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_TRANSFORMS_STEPLAYOUTATTR_H
#define KILN_COMPILER_TRANSFORMS_STEPLAYOUTATTR_H

#include "runtime/abi/StepLayout.h"

#include "mlir/IR/BuiltinAttributes.h"

#include <optional>
#include <string>

namespace kiln {

constexpr llvm::StringLiteral kStepLayoutAttrName("kiln.step_layout");

mlir::ArrayAttr stepLayoutToAttr(mlir::MLIRContext *context,
                                 const abi::StepLayout &layout);

/// The layout an attribute written by stepLayoutToAttr holds; nullopt for
/// anything else (an unknown role, a role twice, a negative count).
std::optional<abi::StepLayout> stepLayoutFromAttr(mlir::Attribute attr);

/// "params=6 slots=0 iterations=1 inputs=1 targets=1 results=1".
std::string stepLayoutToString(const abi::StepLayout &layout);
std::optional<abi::StepLayout> stepLayoutFromString(llvm::StringRef text);

} // namespace kiln

#endif // KILN_COMPILER_TRANSFORMS_STEPLAYOUTATTR_H
