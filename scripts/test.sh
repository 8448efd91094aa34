#!/usr/bin/env bash
# The whole test suite: installs packages, builds, then runs lit and gtest
# through ctest. Exits non-zero when any test fails.
#   scripts/test.sh              into ./build (or $KILN_BUILD_DIR)
#   scripts/test.sh --sanitize   the same suite built with AddressSanitizer
#                                and UndefinedBehaviorSanitizer, into
#                                ./build-sanitize; any report fails its test
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ "${1:-}" == "--sanitize" ]]; then
  export KILN_BUILD_DIR="${KILN_SANITIZE_BUILD_DIR:-$root/build-sanitize}"
  export KILN_CMAKE_ARGS="-DKILN_SANITIZE=ON"
  # Debug info names the source folder; without this, ccache would not
  # share objects between two clones.
  export CCACHE_NOHASHDIR=1
  # intercept_tls_get_addr=0: gcc 12's LeakSanitizer misreads the dynamic
  # TLS of the OpenMP runtime (which the JIT dlopens) and its tracer
  # crashes at exit in every test that started OpenMP threads ("Tracer
  # caught signal 11" on a DTLS range of 2^32 bytes). Without the
  # interception, leak checking stays on everywhere; only dynamic TLS blocks
  # are not scanned as roots, which can add a report, never hide one.
  # allow_user_poisoning=0: LLVM's BumpPtrAllocator poisons and unpoisons
  # its slabs in inline header code. Our instrumented copies of that code
  # poison a fresh slab of an MLIR storage allocator, then the uninstrumented
  # copies inside libMLIR hand out the rest of it without unpoisoning
  # ("use-after-poison" in StringAttr::get after kiln.target's storage took
  # a new slab). Only manual poisoning is turned off; heap, stack and global
  # redzones are checked as before.
  export ASAN_OPTIONS="detect_leaks=1:intercept_tls_get_addr=0:allow_user_poisoning=0:strict_string_checks=1:check_initialization_order=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  # Caches that Debian's fontconfig and Graphviz hold for the whole process
  # are not Kiln's leaks (scripts/lsan.supp says which).
  export LSAN_OPTIONS="suppressions=$root/scripts/lsan.supp:print_suppressions=0"
fi
build="${KILN_BUILD_DIR:-$root/build}"
"$root/scripts/build.sh"
cd "$build"
ctest --output-on-failure -j "$(nproc)"
