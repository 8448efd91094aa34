#!/usr/bin/env bash
# Configures (once) and builds Kiln into ./build (or $KILN_BUILD_DIR).
# Extra arguments are ninja targets; $KILN_CMAKE_ARGS adds configure flags
# (scripts/test.sh --sanitize uses it).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${KILN_BUILD_DIR:-$root/build}"
"$root/scripts/bootstrap.sh"
export CCACHE_BASEDIR="$root"
if [[ ! -f "$build/build.ninja" ]]; then
  # shellcheck disable=SC2086
  cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit ${KILN_CMAKE_ARGS:-} >/dev/null
fi
ninja -C "$build" "$@"
