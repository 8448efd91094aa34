#!/usr/bin/env bash
# Installs every Debian package Kiln needs to build, test and train.
# Idempotent and quiet when everything is already there; run as root (or with
# sudo available) on Debian bookworm.
#   scripts/bootstrap.sh           build + test + examples
#   scripts/bootstrap.sh --bench   also the side-by-side benchmark references
#   scripts/bootstrap.sh --fuzz    also clang-22 and libFuzzer (scripts/fuzz.sh)
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache python3 pkg-config
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools
  libgtest-dev libbenchmark-dev zlib1g-dev libomp-22-dev
  dataset-fashion-mnist
  libhdf5-dev libzip-dev nlohmann-json3-dev libgraphviz-dev libcairo2-dev
  python3-numpy python3-dev pybind11-dev python3-pytest python3-venv python3-pip
  python3-setuptools python3-wheel
  libopenmpi-dev openmpi-bin
)
if [[ "${1:-}" == "--fuzz" ]]; then
  packages+=(clang-22 libclang-rt-22-dev)
fi
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(python3-torch libtorch-dev libopenblas-dev)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "bootstrap: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q >/dev/null
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
echo "bootstrap: done"
