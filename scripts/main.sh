#!/usr/bin/env bash
# The main job: builds Kiln and shows the kiln dialect on the Fashion-MNIST
# MLP (forward pass), as kiln-opt parses, verifies and prints it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${KILN_BUILD_DIR:-$root/build}"
"$root/scripts/build.sh" kiln-opt
"$build/bin/kiln-opt" "$root/examples/mlir/fashion_mnist_mlp.mlir"
