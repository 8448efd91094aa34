// RUN: kiln-opt %s --split-input-file --verify-diagnostics | FileCheck %s

// Tests that #kiln.target round-trips, defaults omitted.
// CHECK: module attributes {kiln.target = #kiln.target<cpu = "znver4", features = "-avx512f", vector_bits = 256, vector_registers = 16, fma = true, l1 = 32768, l2 = 1048576, threads = 2>}
module attributes {kiln.target = #kiln.target<cpu = "znver4", features = "-avx512f", vector_bits = 256, vector_registers = 16, fma = true, l1 = 32768, l1_ways = 8, l2 = 1048576, threads = 2>} {
}

// -----

// Tests that the verifier rejects a vector width no x86 CPU has.
// expected-error @+1 {{#kiln.target: vector_bits must be 128, 256 or 512, not 200}}
module attributes {kiln.target = #kiln.target<cpu = "haswell", vector_bits = 200, vector_registers = 16, l1 = 32768, l2 = 1048576>} {
}

// -----

// Tests that the verifier rejects an L2 smaller than the L1.
// expected-error @+1 {{#kiln.target: caches must be l1 >= 1024 and l2 >= l1 bytes (l1 = 32768, l2 = 1024, l3 = 8388608)}}
module attributes {kiln.target = #kiln.target<cpu = "haswell", vector_bits = 256, vector_registers = 16, l1 = 32768, l2 = 1024>} {
}

// -----

// Tests that zero threads is not a target (kiln-set-target resolves 0).
// expected-error @+1 {{#kiln.target: threads must be in [1, 1024], not 0}}
module attributes {kiln.target = #kiln.target<cpu = "haswell", vector_bits = 256, vector_registers = 16, l1 = 32768, l2 = 1048576, threads = 0>} {
}
