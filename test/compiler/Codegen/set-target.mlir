// RUN: kiln-opt %s --split-input-file --kiln-set-target="cpu=haswell threads=2 l1-kib=32 l2-kib=1024 l1-ways=8" | FileCheck %s
// RUN: kiln-opt %s --split-input-file --kiln-set-target="cpu=x86-64 threads=1 l1-kib=48 l2-kib=2048 l1-ways=12" | FileCheck %s --check-prefix=SSE
// RUN: kiln-opt %s --split-input-file --kiln-set-target="cpu=skylake-avx512 vector-bits=256 threads=1 l1-kib=32 l2-kib=1024" | FileCheck %s --check-prefix=NARROW
// RUN: kiln-opt %s --split-input-file --kiln-set-target="cpu=haswell if-missing=true" | FileCheck %s --check-prefix=KEEP
// RUN: kiln-opt %s --split-input-file --kiln-set-target | FileCheck %s --check-prefix=HOST

// Tests that a named CPU gives its vector facts, the given caches and
// threads; that vector-bits narrows the vectors; that if-missing keeps a
// target written by hand; and that the default detects the host.

// CHECK-LABEL: module attributes {kiln.target = #kiln.target<cpu = "haswell", vector_bits = 256, vector_registers = 16, fma = true, l1 = 32768, l2 = 1048576, l3 = {{[0-9]+}}, threads = 2>}
// SSE-LABEL: module attributes {kiln.target = #kiln.target<cpu = "x86-64", vector_bits = 128, vector_registers = 16, l1 = 49152, l1_ways = 12, l2 = 2097152, l3 = {{[0-9]+}}>}
// NARROW-LABEL: module attributes {kiln.target = #kiln.target<cpu = "skylake-avx512", vector_bits = 256, vector_registers = 32, fma = true, l1 = 32768, l1_ways = {{[0-9]+}}, l2 = 1048576
// KEEP-LABEL: module attributes {kiln.target = #kiln.target<cpu = "haswell"
// HOST-LABEL: module attributes {kiln.target = #kiln.target<cpu = "{{[a-z0-9-]+}}", {{.*}}vector_bits = {{128|256|512}}
module {
}

// -----

// KEEP-LABEL: module attributes {kiln.target = #kiln.target<cpu = "znver3", vector_bits = 256, vector_registers = 16, fma = true, l1 = 32768, l2 = 524288, threads = 2>}
module attributes {kiln.target = #kiln.target<cpu = "znver3", vector_bits = 256, vector_registers = 16, fma = true, l1 = 32768, l2 = 524288, threads = 2>} {
}
