#!/usr/bin/env bash
# Kiln side by side with PyTorch (Debian's python3-torch, /usr/bin/python3),
# libtorch (Debian's libtorch-dev, libtorch_compare.cpp) and OpenBLAS
# (cblas_sgemm) on the same recipes, in one invocation; prints a Markdown
# table of medians and ratios and writes it to BUILD_DIR/compare.md (raw JSON
# lines in BUILD_DIR/compare/).
#
#   benchmarks/compare/run.sh [--quick] [--no-install] [--contended] [BUILD_DIR]
#
#   BUILD_DIR     Kiln's build directory (default: $KILN_BUILD_DIR, else
#                 <repo>/build); configured here if it has no build.ninja.
#   --quick       small sizes and few samples; the references' configuration
#                 probe is the measurement (about 5 minutes): for development,
#                 not for the README.
#   --no-install  do not apt-get install missing packages.
#   --contended   also runs Kiln with another process busy on one core (a
#                 shell busy loop), default threads and one thread
#                 interleaved, three rounds; the table goes to
#                 BUILD_DIR/contended.md and is printed after the main one.
# Environment: JOBS (ninja -j, default 2), OPENBLAS_CORETYPE (overrides the
# detected core type), KILN_COMPARE_OUT (the table file), KILN_COMMIT (the
# Kiln version to print, when the sources are not a git checkout).
#
# References get their best measured configuration: a short probe of every
# (torch intra-op threads, OpenBLAS threads, OMP_WAIT_POLICY) combination,
# MKL-DNN on and off for the CNN, then the full measurement with each
# benchmark's winner. Kiln runs as built (JitOptions defaults), no tuning.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MODE=full
INSTALL=1
CONTENDED=0
BUILD=""
for arg in "$@"; do
  case "$arg" in
    --quick) MODE=quick ;;
    --no-install) INSTALL=0 ;;
    --contended) CONTENDED=1 ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    -*) echo "run.sh: unknown option $arg" >&2; exit 2 ;;
    *) BUILD="$arg" ;;
  esac
done
BUILD=${BUILD:-${KILN_BUILD_DIR:-$ROOT/build}}
BUILD=$(mkdir -p "$BUILD" && cd "$BUILD" && pwd)
RAW="$BUILD/compare"
OUT_MD=${KILN_COMPARE_OUT:-$BUILD/compare.md}
JOBS=${JOBS:-2}
PY=/usr/bin/python3
log() { echo "compare: $*" >&2; }

# --- packages ---------------------------------------------------------------
packages=(python3 python3-torch libtorch-dev libopenblas-dev python3-numpy
          zlib1g-dev dataset-fashion-mnist cmake ninja-build)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  if [[ $INSTALL -eq 0 ]]; then
    log "missing packages: ${missing[*]} (run without --no-install)"; exit 1
  fi
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q >/dev/null
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- build --------------------------------------------------------------------
if [[ ! -f "$BUILD/build.ninja" ]]; then
  log "configuring $BUILD"
  cmake -G Ninja -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
# The reference targets exist only where their packages were found when the
# build was configured: reconfigure once if they are missing.
targets=$(ninja -C "$BUILD" -t targets all 2>/dev/null || true)
if ! grep -q '^libtorch-compare:' <<<"$targets" || ! grep -q '^openblas-sgemm:' <<<"$targets"; then
  log "reconfiguring $BUILD (reference targets)"
  cmake "$BUILD" >/dev/null
fi
log "building kiln-compare openblas-sgemm libtorch-compare (-j$JOBS)"
ninja -C "$BUILD" -j"$JOBS" kiln-compare openblas-sgemm libtorch-compare >/dev/null
BIN="$BUILD/bin"

rm -rf "$RAW"
mkdir -p "$RAW"

# --- host and OpenBLAS core type --------------------------------------------
flags=$(grep -m1 '^flags' /proc/cpuinfo || true)
vendor=$(grep -m1 '^vendor_id' /proc/cpuinfo | sed 's/.*: //' || true)
has() { [[ " $flags " == *" $1 "* ]]; }
detected=$(env -u OPENBLAS_CORETYPE OPENBLAS_VERBOSE=2 "$BIN/openblas-sgemm" --sizes 0 2>&1 |
           sed -n 's/^Core: //p' | head -1)
if [[ -n "${OPENBLAS_CORETYPE:-}" ]]; then
  coretype=$OPENBLAS_CORETYPE
  why="given in the environment"
elif has avx512f && has avx512bw && has avx512vl && has avx512dq && has avx512cd; then
  # OpenBLAS 0.3.21 cannot force "Cooperlake"/"SapphireRapids" (its
  # OPENBLAS_CORETYPE list lacks them); their SGEMM kernels are SkylakeX's.
  coretype=SkylakeX; why="AVX-512 F/BW/VL/DQ/CD in /proc/cpuinfo"
elif [[ "$vendor" == AuthenticAMD ]] && has avx2 && has fma; then
  coretype=Zen; why="AMD with AVX2+FMA"
elif has avx2 && has fma; then
  coretype=Haswell; why="AVX2+FMA"
elif has avx; then
  coretype=SandyBridge; why="AVX"
else
  coretype=""; why="no AVX: OpenBLAS's own detection"
fi
if [[ -n "$coretype" ]]; then
  export OPENBLAS_CORETYPE=$coretype
  verbose=$(OPENBLAS_VERBOSE=2 "$BIN/openblas-sgemm" --sizes 0 2>&1 || true)
  if grep -q "Core not found" <<<"$verbose"; then
    log "OpenBLAS does not know core type $coretype; using its detection"
    unset OPENBLAS_CORETYPE; coretype=""
  fi
fi
active=$(OPENBLAS_VERBOSE=2 "$BIN/openblas-sgemm" --sizes 0 2>&1 | sed -n 's/^Core: //p' | head -1)
log "OpenBLAS: autodetected '${detected}', using '${active}' (OPENBLAS_CORETYPE=${coretype:-unset}: $why)"

{
  echo "mode=$MODE"
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "command=benchmarks/compare/run.sh $*"
  echo "cpu_model=$(grep -m1 '^model name' /proc/cpuinfo | sed 's/.*: //')"
  echo "cpu_count=$(nproc)"
  echo "cpu_family_model=$(grep -m1 '^cpu family' /proc/cpuinfo | sed 's/.*: //')/$(grep -m1 '^model[[:space:]]*:' /proc/cpuinfo | sed 's/.*: //')"
  echo "hypervisor=$(grep -q ' hypervisor ' <<<"$flags " && echo yes || echo no)"
  echo "openblas_detected=$detected"
  echo "openblas_active=$active"
  echo "openblas_coretype=${coretype}"
  echo "openblas_coretype_why=$why"
  if [[ -n "${KILN_COMMIT:-}" ]]; then
    echo "kiln_commit=$KILN_COMMIT"
  else
    echo "kiln_commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo '+uncommitted changes')"
  fi
  echo "build_dir=$BUILD"
  echo "load_start=$(cut -d' ' -f1-3 /proc/loadavg)"
} > "$RAW/meta.txt"

# --- sizes -------------------------------------------------------------------
QUICK_ARGS=(--mlp-n 2048 --mlp-epochs 4 --cnn-n 256 --cnn-epochs 3 --rnn-n 512 --rnn-epochs 3
            --resnet-n 256 --resnet-epochs 3 --xor-runs 3
            --xor-epochs 3000 --infer-n1 200 --infer-runs 5)
FULL_ARGS=(--mlp-n 10240 --mlp-epochs 11 --cnn-n 1024 --cnn-epochs 5 --rnn-n 4096 --rnn-epochs 5
           --resnet-n 1024 --resnet-epochs 4 --xor-runs 5
           --xor-epochs 3000 --infer-n1 1000 --infer-runs 11)
if [[ $MODE == quick ]]; then
  ARGS=("${QUICK_ARGS[@]}")
  MATMUL=(--matmul-sizes 256,512 --min-time 0.3 --max-time 5)
  BLAS=(--sizes 256,512 --min-time 0.3)
else
  ARGS=("${FULL_ARGS[@]}")
  MATMUL=(--matmul-sizes 256,512,1024,2048 --min-time 1 --max-time 20)
  BLAS=(--sizes 256,512,1024,2048 --min-time 2)
fi

# --- Kiln --------------------------------------------------------------------
log "Kiln ($MODE)"
"$BIN/kiln-compare" "${ARGS[@]}" "${MATMUL[@]}" > "$RAW/kiln.jsonl" ||
  log "kiln-compare failed (see the table's notes); going on"

# --- Kiln on a busy machine --------------------------------------------------
if [[ $CONTENDED -eq 1 ]]; then
  log "Kiln with a busy process on one core: default threads and 1, 3 rounds"
  ( while :; do :; done ) &
  busy=$!
  for round in 1 2 3; do
    for t in 0 1; do
      "$BIN/kiln-compare" "${ARGS[@]}" --only mlp,cnn,infer --threads "$t" \
        >> "$RAW/contended-$t.jsonl" || log "contended kiln-compare (threads $t) failed; going on"
    done
  done
  kill "$busy"
  wait "$busy" 2>/dev/null || true
fi

# --- OpenBLAS ----------------------------------------------------------------
log "OpenBLAS sgemm, 1 and 2 threads"
"$BIN/openblas-sgemm" "${BLAS[@]}" --threads 1,2 > "$RAW/openblas.jsonl" ||
  log "openblas-sgemm failed; going on"

# --- PyTorch and libtorch ----------------------------------------------------
# A configuration is "torch-threads:openblas-threads:OMP_WAIT_POLICY" (- =
# libgomp's default). Two torch threads with a busy second core spin in
# libgomp's barrier unless OMP_WAIT_POLICY=passive; both are tried.
CONFIGS=(1:1:- 1:2:- 2:1:- 2:1:PASSIVE 2:2:- 2:2:PASSIVE)
run_ref() { # fw config outfile args...
  local fw=$1 cfg=$2 out=$3; shift 3
  local t b w
  IFS=: read -r t b w <<<"$cfg"
  local envs=(OMP_NUM_THREADS="$t" OPENBLAS_NUM_THREADS="$b")
  [[ $w != - ]] && envs+=(OMP_WAIT_POLICY="$w")
  local cmd=("$BIN/libtorch-compare")
  [[ $fw == torch ]] && cmd=("$PY" "$HERE/torch_compare.py")
  env "${envs[@]}" "${cmd[@]}" --threads "$t" "$@" >> "$out" ||
    log "$fw failed in configuration $cfg; going on"
}
for fw in torch libtorch; do
  for cfg in "${CONFIGS[@]}"; do
    log "$fw probe, configuration $cfg"
    run_ref "$fw" "$cfg" "$RAW/$fw-probe.jsonl" "${QUICK_ARGS[@]}"
  done
  if [[ $MODE == full ]]; then
    # One full run per winning configuration, limited to what it won.
    while IFS=$'\t' read -r cfg only batches mkldnn; do
      [[ -z "$cfg" ]] && continue
      # (IFS=tab collapses empty fields: report.py writes "-" for no batches.)
      [[ $batches == - ]] && batches=""
      log "$fw full run, configuration $cfg: $only${batches:+ (batches $batches)}"
      run_ref "$fw" "$cfg" "$RAW/$fw.jsonl" "${FULL_ARGS[@]}" --only "$only" \
        --mlp-batches "${batches:-32}" --mkldnn "$mkldnn"
    done < <("$PY" "$HERE/report.py" pick "$RAW/$fw-probe.jsonl")
  else
    cp "$RAW/$fw-probe.jsonl" "$RAW/$fw.jsonl"
  fi
done

echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$RAW/meta.txt"
"$PY" "$HERE/report.py" table "$RAW" > "$OUT_MD"
cat "$OUT_MD"
if [[ $CONTENDED -eq 1 ]]; then
  "$PY" "$HERE/report.py" contended "$RAW" > "$BUILD/contended.md"
  echo
  cat "$BUILD/contended.md"
fi
log "table written to $OUT_MD (raw results in $RAW)"
