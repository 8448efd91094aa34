// RUN: not kiln-opt %s --kiln-make-steps="learning-rate=abc" 2>&1 | FileCheck %s --check-prefix=RATE
// RUN: not kiln-opt %s --kiln-make-steps="optimizer=sgd nesterov=maybe" 2>&1 | FileCheck %s --check-prefix=BOOL
// RUN: not kiln-opt %s --kiln-count-memory-passes="batch=x" 2>&1 | FileCheck %s --check-prefix=BATCH

// Tests that a malformed option value is an error naming the pass, the
// option and the value (llvm::cl alone leaves MLIR's error message empty).
// RATE: error: kiln-make-steps: invalid value 'abc' for option 'learning-rate'
// BOOL: error: kiln-make-steps: invalid value 'maybe' for option 'nesterov'
// BATCH: error: kiln-count-memory-passes: invalid value 'x' for option 'batch'
func.func @f() {
  return
}
