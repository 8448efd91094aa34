// RUN: not kiln-opt %s --kiln-set-target="threads=2" --kiln-parallel-to-openmp 2>&1 | FileCheck %s
// RUN: not kiln-opt %s --kiln-parallel-to-openmp 2>&1 | FileCheck %s --check-prefix=NOTARGET

// Reductions have no lowering here (Kiln's parallel loops come from
// scf.forall, which has none): a clear error, not a wrong loop.

// Without a #kiln.target on the module the pass says what to run first.
// NOTARGET: error: kiln-parallel-to-openmp needs the module's kiln.target attribute (#kiln.target<...>): run kiln-set-target first

// CHECK: error: kiln-parallel-to-openmp: scf.parallel with reductions is not supported
func.func @reduction(%n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %r = scf.parallel (%i) = (%c0) to (%n) step (%c1) init (%zero) -> f32 {
    scf.reduce(%one : f32) {
    ^bb0(%a: f32, %b: f32):
      %s = arith.addf %a, %b : f32
      scf.reduce.return %s : f32
    }
  }
  return %r : f32
}
