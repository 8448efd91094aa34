#!/usr/bin/env bash
# The main job: installs what is missing, builds Kiln and trains the
# Fashion-MNIST MLP of the seed tutorial end to end (30 epochs by default).
# Arguments go to the example: scripts/main.sh --epochs 5 --verbose 2
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${KILN_BUILD_DIR:-$root/build}"
"$root/scripts/build.sh" fashion_mnist_mlp
exec "$build/bin/fashion_mnist_mlp" "$@"
