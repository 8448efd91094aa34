#!/usr/bin/env bash
# Builds the libFuzzer targets of the model-file readers with clang-22
# (AddressSanitizer + UndefinedBehaviorSanitizer) in ./build-fuzz and runs
# each for a bounded time from its seed corpus (test/fuzz/corpus/<target>).
# Exits non-zero if any target finds a crash, a leak or a sanitizer report;
# the input that did it is kept in build-fuzz/fuzz-artifacts/.
#   scripts/fuzz.sh [SECONDS]    seconds per target (default 60, or $FUZZ_SECONDS)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${KILN_FUZZ_BUILD_DIR:-$root/build-fuzz}"
seconds="${1:-${FUZZ_SECONDS:-60}}"
# One seed by default, so that a run is reproducible and CI judges the change,
# not the luck of the draw; FUZZ_SEED=0 (libFuzzer: a random seed) explores.
seed="${FUZZ_SEED:-1}"
"$root/scripts/bootstrap.sh" --fuzz
export CCACHE_BASEDIR="$root"
if [[ ! -f "$build/build.ninja" ]]; then
  CC=clang-22 CXX=clang++-22 cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release -DKILN_FUZZ=ON \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit >/dev/null
fi
targets=(config archive hdf5)
ninja -C "$build" "${targets[@]/#/kiln-fuzz-}"

status=0
mkdir -p "$build/fuzz-artifacts"
for t in "${targets[@]}"; do
  # New inputs go to a scratch folder; the committed corpus is only read.
  work="$build/fuzz-corpus/$t"
  mkdir -p "$work"
  echo "fuzz: kiln-fuzz-$t for ${seconds}s"
  if ! ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
       "$build/bin/kiln-fuzz-$t" -seed="$seed" -max_total_time="$seconds" -timeout=30 \
       -rss_limit_mb=2560 -max_len=65536 -print_final_stats=1 \
       -artifact_prefix="$build/fuzz-artifacts/$t-" \
       "$work" "$root/test/fuzz/corpus/$t" 2>"$build/fuzz-$t.log"; then
    echo "fuzz: kiln-fuzz-$t FAILED; see $build/fuzz-$t.log"
    tail -40 "$build/fuzz-$t.log"
    status=1
  else
    grep -E "stat::number_of_executed_units|cov:" "$build/fuzz-$t.log" | tail -2
  fi
done
exit $status
