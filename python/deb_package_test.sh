#!/usr/bin/env bash
# The python3-kiln Debian package: CPack builds it from BUILD_DIR (the
# `python` component alone), its control fields and files are checked, and
# the module is imported from the extracted tree, outside the build and the
# clone, to train and predict.
#   python/deb_package_test.sh BUILD_DIR PYTHON
set -euo pipefail
build=$1
python=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
if ! (cd "$build" && cpack -G DEB -D CPACK_COMPONENTS_ALL=python -B "$out" \
        > "$out/cpack.log" 2>&1); then
  cat "$out/cpack.log"
  exit 1
fi
deb=$(ls "$out"/python3-kiln_*.deb)
echo "built $(basename "$deb")"
fail() { echo "python3-kiln: $*" >&2; exit 1; }
[ "$(dpkg-deb -f "$deb" Package)" = python3-kiln ] || fail "wrong Package field"
[ "$(dpkg-deb -f "$deb" Section)" = python ] || fail "wrong Section field"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for need in "python3 (>=" python3-numpy libmlir-22 libllvm22 libomp5-22 libhdf5; do
  grep -qF "$need" <<< "$depends" || fail "Depends lacks $need"
done
dpkg-deb -c "$deb" | awk '{print $NF}' > "$out/files"
site=./usr/lib/python3/dist-packages/kiln
for f in __init__.py keras/__init__.py keras/layers.py keras/layers.pyi \
         keras/backend.py keras/preprocessing/image.py py.typed; do
  grep -qx "$site/$f" "$out/files" || fail "no $site/$f"
done
grep -qE "^$site/_kiln\.cpython-[0-9]+-.*\.so$" "$out/files" || fail "no extension module"
if grep -q __pycache__ "$out/files"; then fail "ships __pycache__"; fi
if grep -qE '\.(cpp|h)$' "$out/files"; then fail "ships C++ sources"; fi
dpkg-deb -x "$deb" "$out/root"
cd "$out"
PYTHONPATH="$out/root/usr/lib/python3/dist-packages" PYTHONDONTWRITEBYTECODE=1 \
  KILN_EXPECT_ROOT="$out/root" "$python" - <<'PY'
import os
import numpy as np
import kiln
from kiln import keras
assert kiln.__file__.startswith(os.environ["KILN_EXPECT_ROOT"]), kiln.__file__
model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.2), loss="mse")
x = np.array([[0, 1], [1, 0], [1, 1]], np.float32)
model.fit(x, x.sum(axis=1), epochs=500, verbose=0)
p = model.predict(x, verbose=0).ravel()
assert np.allclose(p, [1, 1, 2], atol=0.1), p
print("packaged kiln predicts", p.round(2))
PY
