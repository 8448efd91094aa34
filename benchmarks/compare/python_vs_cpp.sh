#!/usr/bin/env bash
# The Python path against the C++ one, side by side in one run: kiln-compare
# and python_compare.py interleaved for ROUNDS rounds (default 3) on the MLP
# recipes (training at batch 32, predict at batch 1); prints the medians of
# the rounds' medians and the ratios, and with Debian's python3-torch and
# OpenBLAS (scripts/bootstrap.sh --bench) also PyTorch's training at batch
# 32, on one thread with OpenBLAS's kernels for this CPU (run.sh probes
# every configuration; this is its usual winner for batch 32).
#   benchmarks/compare/python_vs_cpp.sh [BUILD_DIR]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD=${1:-$HERE/../../build}
ROUNDS=${ROUNDS:-3}
if [[ -z "${OPENBLAS_CORETYPE:-}" ]]; then
  if grep -q avx512bw /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX
  elif grep -q AuthenticAMD /proc/cpuinfo; then export OPENBLAS_CORETYPE=Zen
  elif grep -q avx2 /proc/cpuinfo; then export OPENBLAS_CORETYPE=Haswell
  fi
fi
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
for r in $(seq "$ROUNDS"); do
  "$BUILD/bin/kiln-compare" --only mlp,infer --mlp-batches 32 >>"$OUT"
  PYTHONPATH="$BUILD/python" /usr/bin/python3 "$HERE/python_compare.py" >>"$OUT"
  if /usr/bin/python3 -c "import torch" 2>/dev/null; then
    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 "$HERE/torch_compare.py" --threads 1 --only mlp \
      --mlp-batches 32 >>"$OUT" || true
  fi
done
/usr/bin/python3 - "$OUT" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
def med(fw, bench):
    v = [r["median"] for r in rows if r["fw"] == fw and r["bench"] == bench
         and r.get("batch") in (1, 32)]
    return statistics.median(v) if v else None
cpp, py = med("kiln", "mlp_train"), med("kiln-python", "mlp_train")
torch = med("torch", "mlp_train")
print("| benchmark | Kiln C++ | Kiln Python | Python / C++ |" + (" PyTorch | Kiln Python / PyTorch |" if torch else ""))
print("| --- | --- | --- | --- |" + (" --- | --- |" if torch else ""))
print(f"| MLP training, batch 32 (samples/s) | {cpp:.0f} | {py:.0f} | {py / cpp:.3f} |"
      + (f" {torch:.0f} | {py / torch:.2f}x |" if torch else ""))
c1, p1 = med("kiln", "mlp_infer_b1"), med("kiln-python", "mlp_infer_b1")
print(f"| MLP predict, batch 1 (us/sample) | {c1:.2f} | {p1:.2f} | +{p1 - c1:.2f} us |"
      + (" | |" if torch else ""))
PY
