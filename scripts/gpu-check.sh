#!/usr/bin/env bash
# Issue 24's GPU checks and figures, on a machine with an NVIDIA GPU, in
# under 10 minutes. Every step has its own time limit, so one that hangs
# costs only its share, and none runs past the whole run's budget (570 s);
# the script goes on and reports each step's status, skipped ones too.
#
#   scripts/gpu-check.sh [BIN]
#
# BIN is the folder of Kiln's binaries: build/bin (the default) on a machine
# with Kiln's toolchain, or the bundle scripts/gpu-bundle.sh packs for one
# without it (the device machines here have no LLVM 22):
#   here:  scripts/gpu-bundle.sh     # writes .gpu-bundle/ and prints the
#                                    # device runs that carry its parts
#   there: scripts/gpu-check.sh /tmp/kiln-bundle
#
# Steps: the driver and its devices; the runtime's own GPU tests (a
# hand-written kernel); the MLP's and CNN's train, eval and predict steps on
# the GPU against the CPU's (1e-4; 5e-3 with TF32 tensor cores) and the MLP
# trained on both (test accuracy within half a point, TF32 too); the
# finite-difference gradient tests with every model on the GPU
# (KILN_DEVICE=gpu); the two examples with --device gpu and cpu, and the MLP
# on TF32 tensor cores; the CNN compiled ahead of time by kilnc for sm_90
# (in a bundle) against the same for the CPU; kiln-gpu-bench's table (matmul on CUDA and tensor
# cores, training, predict, per-step overhead). Output goes to stdout and
# to $OUT/gpu-check.log when OUT is set (the device tool's folder), else
# ./gpu-check.log.
set -uo pipefail
cd "$(dirname "$0")/.."

BIN=${1:-build/bin}
LOG=${OUT:-.}/gpu-check.log
: > "$LOG"
say() { echo "$@" | tee -a "$LOG"; }

if ls "$BIN"/bundle.tar.xz.part-* >/dev/null 2>&1; then
  # A bundle (scripts/gpu-bundle.sh): binaries, the libraries a bare
  # machine lacks, and a Fashion-MNIST subset for the default dataset
  # folder, in parts.
  DIR=$(mktemp -d /tmp/kiln-gpu.XXXXXX)
  cat "$BIN"/bundle.tar.xz.part-* | xz -d | tar -xf - -C "$DIR" ||
    { say "cannot unpack the bundle in $BIN (are all its parts there?)"; exit 1; }
  export LD_LIBRARY_PATH="$DIR/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  # Where the binaries look for them (the machine's root is ours).
  if [ ! -d /usr/share/datasets/fashion-mnist ]; then
    mkdir -p /usr/share/datasets/fashion-mnist
    cp "$DIR"/fashion-mnist/* /usr/share/datasets/fashion-mnist/
  fi
  if [ ! -e /usr/lib/llvm-22/lib/libomp.so ]; then
    mkdir -p /usr/lib/llvm-22/lib
    cp "$DIR"/lib/libomp.so* /usr/lib/llvm-22/lib/libomp.so
  fi
  BIN="$DIR/bin"
fi
[ -x "$BIN/kiln-device-tests" ] || { say "no $BIN/kiln-device-tests: build Kiln first (scripts/build.sh) or pass a bundle"; exit 1; }

declare -a SUMMARY
# The whole run stays under 10 minutes (KILN_GPU_CHECK_SECONDS, 570 by
# default): a step gets its own limit or what is left, whichever is less,
# and a step with under 15 s left is skipped and reported as such.
BUDGET=${KILN_GPU_CHECK_SECONDS:-570}
# step NAME SECONDS COMMAND...: runs it with a limit, logs it, records its status.
step() {
  local name=$1 limit=$2; shift 2
  local left=$((BUDGET - SECONDS))
  if [ "$left" -lt 15 ]; then
    say ""
    say "=== $name: SKIPPED (the run's ${BUDGET} s are spent)"
    SUMMARY+=("$name: SKIPPED (out of time)")
    return
  fi
  [ "$limit" -le "$left" ] || limit=$left
  say ""
  say "=== $name (limit ${limit}s): $*"
  local start=$SECONDS
  timeout --kill-after=10 "$limit" "$@" 2>&1 | tee -a "$LOG"
  local rc=${PIPESTATUS[0]}
  local status="ok"
  [ "$rc" = 0 ] || status="FAILED (exit $rc)"
  [ "$rc" = 124 ] && status="TIMED OUT"
  SUMMARY+=("$name: $status in $((SECONDS - start)) s")
}

say "kiln gpu-check $(git rev-parse --short HEAD 2>/dev/null || echo '?') on $(hostname), $(date -u)"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1 | tee -a "$LOG"

step "runtime GPU tests" 60 "$BIN/kiln-gpu-runtime-tests"
step "GPU steps against the CPU's" 240 "$BIN/kiln-device-tests"
step "finite-difference gradients on the GPU" 150 env KILN_DEVICE=gpu \
  "$BIN/kiln-frontend-tests" --gtest_brief=1 \
  --gtest_filter='FrontendNumerics*:FrontendOptimizer*:FrontendCustomLoss*'
for device in gpu cpu; do
  step "fashion_mnist_mlp --device $device (5 epochs)" 90 \
    "$BIN/fashion_mnist_mlp" --device "$device" --epochs 5 --seed 1 --verbose 2
done
step "fashion_mnist_mlp --device gpu, TF32 tensor cores (5 epochs)" 90 \
  env KILN_FLOAT32_MATMUL_PRECISION=high \
  "$BIN/fashion_mnist_mlp" --device gpu --epochs 5 --seed 1 --verbose 2
for device in gpu cpu; do
  step "fashion_mnist_cnn --device $device (2 epochs)" 120 \
    "$BIN/fashion_mnist_cnn" --device "$device" --epochs 2 --seed 1 --verbose 2
done
# aot_check: kilnc's executables of the Fashion-MNIST CNN for the CPU and
# for sm_90 (fp32, tf32) on the test set: each one's accuracy (Keras: 9096
# of 10000), then the largest difference of the GPU's probabilities from
# the CPU's (at most 1e-4 in fp32).
aot_check() {
  local dir=$1 images=/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte
  local labels=/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte
  [ -f "$images" ] || images=$images.gz
  [ -f "$labels" ] || labels=$labels.gz
  local rc=0
  rm -f /tmp/kiln-aot-*.csv
  for exe in cnn-cpu cnn-sm_90 cnn-sm_90-tf32; do
    echo "$exe:"
    "$dir/$exe" "$images" --scale 0.00392156862745098 --batch 1000 \
      --labels "$labels" -o "/tmp/kiln-aot-$exe.csv" || rc=1
  done
  for exe in cnn-sm_90 cnn-sm_90-tf32; do
    [ -f "/tmp/kiln-aot-$exe.csv" ] || continue
    paste -d, /tmp/kiln-aot-cnn-cpu.csv "/tmp/kiln-aot-$exe.csv" | awk -F, -v name="$exe" '
      { n = NF / 2; for (i = 1; i <= n; ++i) { d = $i - $(i + n); if (d < 0) d = -d; if (d > m) m = d } }
      END { printf "%s: largest difference from the CPU %.3g over %d samples\n", name, m, NR }'
  done
  awk -F, 'NR == FNR { for (i = 1; i <= NF; ++i) a[FNR, i] = $i; next }
    { for (i = 1; i <= NF; ++i) { d = a[FNR, i] - $i; if (d < 0) d = -d; if (d > m) m = d } }
    END { exit m > 1e-4 }' /tmp/kiln-aot-cnn-cpu.csv /tmp/kiln-aot-cnn-sm_90.csv 2>/dev/null || rc=1
  return $rc
}
if [ -x "$BIN/../aot/cnn-sm_90" ]; then
  export -f aot_check
  step "kilnc --target=sm_90: the CNN against kilnc's CPU executable" 60 \
    bash -c 'aot_check "$0"' "$BIN/../aot"
fi
step "kiln-gpu-bench" 150 "$BIN/kiln-gpu-bench"

say ""
say "=== summary"
for line in "${SUMMARY[@]}"; do say "$line"; done
