#!/usr/bin/env bash
# Packs what scripts/gpu-check.sh runs for a GPU machine without Kiln's
# toolchain (the device machines here have no LLVM 22 and no network):
# the stripped binaries, every shared library they load but the C and C++
# runtimes and the CUDA driver, the Fashion-MNIST CNN of ../shared compiled
# by kilnc for the CPU and for sm_90 (fp32 and tf32), and a Fashion-MNIST
# subset (the first
# KILN_BUNDLE_TRAIN training images, 10000 by default, and the test set),
# as .gpu-bundle/bundle.tar.xz.part-NN (xz, split in parts of 56 MiB: the
# device tool carries 64 MiB a call). It prints the device runs to make.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${KILN_BUILD_DIR:-build}
TRAIN=${KILN_BUNDLE_TRAIN:-10000}
BINARIES="kiln-device-tests kiln-gpu-runtime-tests kiln-frontend-tests
  fashion_mnist_mlp fashion_mnist_cnn kiln-gpu-bench"

ninja -C "$BUILD" $BINARIES kilnc
STAGE=$(mktemp -d /tmp/kiln-bundle.XXXXXX)
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/bin" "$STAGE/lib" "$STAGE/fashion-mnist" "$STAGE/aot"
for b in $BINARIES; do strip -o "$STAGE/bin/$b" "$BUILD/bin/$b"; done
# Ahead-of-time executables (they need libc and libstdc++ alone).
CNN=../shared/keras-files/k3-cnn-dotkeras-fmnist/fashion_mnist_cnn.keras
if [ -f "$CNN" ]; then
  "$BUILD/bin/kilnc" "$CNN" --emit=exe --target=x86-64-v2 -o "$STAGE/aot/cnn-cpu"
  "$BUILD/bin/kilnc" "$CNN" --emit=exe --target=sm_90 -o "$STAGE/aot/cnn-sm_90"
  "$BUILD/bin/kilnc" "$CNN" --emit=exe --target=sm_90 --precision=tf32 \
    -o "$STAGE/aot/cnn-sm_90-tf32"
fi
# The libraries, resolved through their links; glibc and libstdc++ are
# the machine's own (a newer one runs what an older one built).
ldd "$STAGE"/bin/* | awk '/=> \//{print $3}' | sort -u |
  grep -vE '/(libc|libm|libdl|libpthread|librt|libstdc\+\+|libgcc_s|libcuda)\.so' |
  while read -r lib; do cp -L "$lib" "$STAGE/lib/"; done
cp -L /usr/lib/llvm-22/lib/libomp.so "$STAGE/lib/libomp.so"
# The dataset's subset, uncompressed (xz packs it better than its gzip).
python3 - "$TRAIN" "$STAGE/fashion-mnist" <<'PY'
import gzip, struct, sys
count, out = int(sys.argv[1]), sys.argv[2]
src = "/usr/share/datasets/fashion-mnist/"
for name, keep in [("train-images-idx3-ubyte", count), ("train-labels-idx1-ubyte", count),
                   ("t10k-images-idx3-ubyte", None), ("t10k-labels-idx1-ubyte", None)]:
    data = gzip.open(src + name + ".gz").read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    n = min(keep or shape[0], shape[0])
    row = 1
    for d in shape[1:]:
        row *= d
    header = data[:4] + struct.pack(">I", n) + data[8:4 + 4 * dims]
    open(f"{out}/{name}", "wb").write(header + data[4 + 4 * dims:4 + 4 * dims + n * row])
PY
rm -rf .gpu-bundle && mkdir -p .gpu-bundle
grep -qx '/.gpu-bundle/' .git/info/exclude 2>/dev/null || echo '/.gpu-bundle/' >> .git/info/exclude
# In parts the device tool carries one per call (64 MiB with the working
# tree): a warm machine keeps what an earlier call copied to /tmp.
tar -cf - -C "$STAGE" . | xz -T0 -9 | split -b 56M -d - .gpu-bundle/bundle.tar.xz.part-
parts=$(ls .gpu-bundle | wc -l)
echo "gpu-bundle: $(du -sm .gpu-bundle | cut -f1) MiB in $parts part(s) of at most 56 MiB" \
  "($(ls "$STAGE/lib" | wc -l) libraries, $TRAIN training images):"
i=0
for part in .gpu-bundle/bundle.tar.xz.part-*; do
  i=$((i + 1))
  if [ "$i" -lt "$parts" ]; then
    echo "  device run $i: carry [\"$part\"], command: mkdir -p /tmp/kiln-bundle && cp $part /tmp/kiln-bundle/"
  else
    echo "  device run $i: carry [\"$part\"], command: cp $part /tmp/kiln-bundle/ && scripts/gpu-check.sh /tmp/kiln-bundle"
  fi
done
