#!/usr/bin/env bash
# `pip install .` into a fresh virtual environment (seeing Debian's NumPy),
# offline (--no-index), reusing BUILD_DIR; then the installed package trains
# and predicts from a directory outside the clone.
#   python/pip_install_test.sh REPO BUILD_DIR
set -euo pipefail
repo=$1
build=$2
env=$(mktemp -d)
trap 'rm -rf "$env"' EXIT
/usr/bin/python3 -m venv --system-site-packages "$env/venv"
KILN_BUILD_DIR=$build "$env/venv/bin/pip" install --no-index --quiet "$repo"
cd "$env"
"$env/venv/bin/python" - <<'PY'
import numpy as np
import kiln
from kiln import keras
assert kiln.__file__.startswith(__import__("sys").prefix), kiln.__file__
model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
model.compile(optimizer="sgd", loss="mse")
x = np.array([[0, 1], [1, 0], [1, 1]], np.float32)
model.fit(x, x.sum(axis=1), epochs=200, verbose=0)
print("installed kiln predicts", model.predict(x).ravel().round(2))
PY
