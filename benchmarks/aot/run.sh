#!/usr/bin/env bash
# Models compiled ahead of time, measured side by side with the JIT in one
# run: kilnc's compile time per model, the artifact's size (code, weights),
# an executable's start-up to its first prediction, and prediction latency
# at batch 1 / throughput at batch 10000 (benchmarks/aot/aot_bench.c against
# kiln-compare's mlp_infer rows, and libtorch-compare's when
# benchmarks/compare/run.sh has built it and installed libtorch-dev with
# OpenBLAS: with Debian's reference BLAS alone, libtorch's matmuls run at a
# few GFLOP/s; interleaved rounds, medians).
# Prints a Markdown table.
#
#   benchmarks/aot/run.sh [BUILD_DIR] [ROUNDS=3]
#
# The MLP is the examples' (fashion_mnist_mlp, one epoch, saved); the CNN is
# ../shared/keras-files' Keras 3 CNN when present.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
ROUNDS=${2:-3}
BIN=$BUILD/bin
DATA=/usr/share/datasets/fashion-mnist
CNN=$ROOT/../shared/keras-files/k3-cnn-dotkeras-fmnist/fashion_mnist_cnn.keras
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
log() { echo "aot: $*" >&2; }

ninja -C "$BUILD" kilnc kiln-compare fashion_mnist_mlp >/dev/null
log "training and saving the MLP (one epoch)"
KILN_CACHE=off "$BIN/fashion_mnist_mlp" --epochs 1 --verbose 0 \
  --save "$WORK/mlp.keras" >/dev/null

median() { sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
seconds() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo "scale=4; ($e-$s)/1000000000" | bc; }

models=(mlp)
[[ -f $CNN ]] && models+=(cnn)
declare -A file=([mlp]=$WORK/mlp.keras [cnn]=$CNN)
declare -A kilnc_s code_kb weights_kb startup_ms
for m in "${models[@]}"; do
  log "kilnc $m"
  kilnc_s[$m]=$(for r in $(seq "$ROUNDS"); do
    seconds "$BIN/kilnc" "${file[$m]}" --name=model --emit=obj -o "$WORK/$m.o"
  done | median | awk '{printf "%.2f", $1}')
  # Code: .text; weights: the embedded blob in .rodata (size -A, bytes).
  code_kb[$m]=$(size -A "$WORK/$m.o" | awk '$1==".text"{printf "%.1f", $2/1024}')
  weights_kb[$m]=$(size -A "$WORK/$m.o" | awk '$1 ~ /^\.rodata/{s+=$2} END{printf "%.1f", s/1024}')
  "$BIN/kilnc" "${file[$m]}" --emit=exe -o "$WORK/$m-exe" >/dev/null
  python3 -c "print(','.join(['0.5'] * 784))" > "$WORK/one.csv"
  # Process start to exit after one prediction, from Python's clock (a
  # shell's `date` costs more than the program).
  startup_ms[$m]=$(python3 - "$WORK/$m-exe" "$WORK/one.csv" <<'PY'
import statistics, subprocess, sys, time
times = []
for _ in range(30):
    t = time.perf_counter()
    subprocess.run([sys.argv[1], sys.argv[2], "--classes"], check=True,
                   stdout=subprocess.DEVNULL)
    times.append((time.perf_counter() - t) * 1e3)
print("%.2f" % statistics.median(times))
PY
)
done

log "prediction speed, $ROUNDS interleaved rounds"
"$BIN/kilnc" "$WORK/mlp.keras" --name=model --emit=staticlib -o "$WORK/libmodel.a" >/dev/null
cc -O2 -I"$WORK" "$HERE/aot_bench.c" "$WORK/libmodel.a" -lz -lm -o "$WORK/aot_bench"
# The same model compiled for batches of one sample (static shapes).
mkdir -p "$WORK/b1"
"$BIN/kilnc" "$WORK/mlp.keras" --name=model --batch=1 --emit=staticlib \
  -o "$WORK/b1/libmodel.a" >/dev/null
cc -O2 -I"$WORK/b1" "$HERE/aot_bench.c" "$WORK/b1/libmodel.a" -lz -lm \
  -o "$WORK/aot_bench_b1"
: > "$WORK/aot.jsonl"; : > "$WORK/aotb1.jsonl"; : > "$WORK/jit.jsonl"; : > "$WORK/jit1.jsonl"
: > "$WORK/torch1.jsonl"
TORCH=""
if ninja -C "$BUILD" -t targets all 2>/dev/null | grep -q '^libtorch-compare:'; then
  ninja -C "$BUILD" libtorch-compare >/dev/null && TORCH=$BIN/libtorch-compare
fi
for r in $(seq "$ROUNDS"); do
  "$WORK/aot_bench" 1000 7 "$DATA" >> "$WORK/aot.jsonl"
  "$WORK/aot_bench_b1" 1000 7 "$DATA" >> "$WORK/aotb1.jsonl"
  "$BIN/kiln-compare" --only infer --mlp-n 2048 --infer-n1 1000 --infer-runs 7 \
    | grep mlp_infer >> "$WORK/jit.jsonl"
  "$BIN/kiln-compare" --only infer --mlp-n 2048 --infer-n1 1000 --infer-runs 7 \
    --threads 1 | grep mlp_infer >> "$WORK/jit1.jsonl"
  if [[ -n $TORCH ]]; then
    OPENBLAS_NUM_THREADS=1 "$TORCH" --threads 1 --only infer --mlp-n 2048 --infer-n1 1000 \
      --infer-runs 7 | grep mlp_infer >> "$WORK/torch1.jsonl" || true
  fi
done
row() {
  if [[ -s $WORK/$1.jsonl ]]; then
    grep "\"$2\"" "$WORK/$1.jsonl" | sed 's/.*"median":\([0-9.]*\).*/\1/' | median
  else
    echo "—"
  fi
}

echo "| model | kilnc (s) | code (KiB) | weights (KiB) | exe: start, one prediction, exit (ms) |"
echo "| --- | ---: | ---: | ---: | ---: |"
for m in "${models[@]}"; do
  echo "| $m | ${kilnc_s[$m]} | ${code_kb[$m]} | ${weights_kb[$m]} | ${startup_ms[$m]} |"
done
echo
echo "| MLP prediction | unit | kilnc artifact (1 thread) | kilnc --batch=1 | JIT, 1 thread | JIT, default threads | libtorch, 1 thread |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
echo "| batch 1, one call per image | µs/image | $(row aot mlp_infer_b1) | $(row aotb1 mlp_infer_b1) | $(row jit1 mlp_infer_b1) | $(row jit mlp_infer_b1) | $(row torch1 mlp_infer_b1) |"
echo "| batch 10000 | images/s | $(row aot mlp_infer_b10000) | $(row aotb1 mlp_infer_b10000) | $(row jit1 mlp_infer_b10000) | $(row jit mlp_infer_b10000) | $(row torch1 mlp_infer_b10000) |"
echo
echo "$(grep -m1 '^model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) CPUs; Kiln $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown); medians of $ROUNDS rounds"
