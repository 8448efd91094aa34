// RUN: not kiln-opt %s --kiln-set-target="cpu=x86-64 threads=abc" 2>&1 | FileCheck %s --check-prefix=INT
// RUN: not kiln-opt %s --kiln-count-memory-passes="remarks=maybe" 2>&1 | FileCheck %s --check-prefix=BOOL
// RUN: not kiln-opt %s --kiln-count-memory-passes="batch=x" 2>&1 | FileCheck %s --check-prefix=BATCH

// Tests that a malformed option value is an error naming the pass, the
// option and the value (llvm::cl alone leaves MLIR's error message empty).
// INT: error: kiln-set-target: invalid value 'abc' for option 'threads'
// BOOL: error: kiln-count-memory-passes: invalid value 'maybe' for option 'remarks'
// BATCH: error: kiln-count-memory-passes: invalid value 'x' for option 'batch'
func.func @f() {
  return
}
