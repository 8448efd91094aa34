// RUN: not kiln-opt %s --kiln-set-target="cpu=notacpu" 2>&1 | FileCheck %s --check-prefix=CPU
// RUN: not kiln-opt %s --kiln-set-target="threads=-1" 2>&1 | FileCheck %s --check-prefix=THREADS
// RUN: not kiln-opt %s --kiln-set-target="cpu=haswell vector-bits=7" 2>&1 | FileCheck %s --check-prefix=BITS
// RUN: not kiln-opt %s --kiln-set-target="cpu=x86-64 vector-bits=512" 2>&1 | FileCheck %s --check-prefix=WIDE
// RUN: not kiln-opt %s --kiln-set-target="l1-kib=-4" 2>&1 | FileCheck %s --check-prefix=NEG
// RUN: not kiln-opt %s --kiln-set-target="l1-kib=64 l2-kib=32" 2>&1 | FileCheck %s --check-prefix=L2
// RUN: not kiln-opt %s --kiln-set-target="l1-kib=32 l1-ways=1024" 2>&1 | FileCheck %s --check-prefix=WAYS

// Tests that every bad option is an error that names it, and no target is
// written.

// CPU: error: kiln-set-target: unknown CPU 'notacpu'
// THREADS: error: kiln-set-target: threads must be 0 (all cores) or more, not -1
// BITS: error: kiln-set-target: vector-bits must be 0, 128, 256 or 512, not 7
// WIDE: error: kiln-set-target: vector-bits=512 is wider than x86-64's 128-bit vectors
// NEG: error: kiln-set-target: l1-kib, l2-kib and l1-ways must not be negative
// L2: error: kiln-set-target: the L2 cache (32 KiB) is smaller than the L1 (64 KiB)
// WAYS: error: kiln-set-target: l1-ways=1024 leaves less than a 64-byte line per set
module {
}
