#!/usr/bin/env python3
"""Speed-up of data-parallel training on N machines, from this machine's
measured compute per sample and gradient bytes (kiln-data-parallel-bench)
and the ring all-reduce's cost on a network:

    T(1) = c * B                                   one machine, global batch B
    T(N) = c * B / N + p + 2 (N - 1) / N * S / W + 2 (N - 1) * a

c: compute seconds per sample on one machine (all its cores), p: packing the
gradients into buckets and the update they no longer fuse with, S: gradient
bytes, W: link bandwidth (bytes/s), a: per-message latency. Communication
dominates when its terms exceed c * B / N.

    python3 benchmarks/data-parallel/scaling_model.py [--csv]
"""

import argparse

# Measured on the 2-vCPU AMD znver5 (benchmarks/data-parallel/README.md):
# one process, all cores, global batch 32 and 256.
MODELS = {
    # name: (gradient bytes, seconds per sample at batch 32, at batch 256, packing s)
    "mlp": (1066440, 346.2e-6 / 32, 1846e-6 / 256, 180e-6),
    "cnn": (900136, 2996.8e-6 / 32, 28649e-6 / 256, 180e-6),
}
LINKS = {"10 Gbit/s": (10e9 / 8, 20e-6), "100 Gbit/s": (100e9 / 8, 5e-6)}


def step(c, batch, n, s, w, a, p):
    if n == 1:
        return c * batch
    return c * batch / n + p + 2 * (n - 1) / n * s / w + 2 * (n - 1) * a


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--csv", action="store_true")
    args = ap.parse_args()
    sep = "," if args.csv else " | "
    print(sep.join(["model", "link", "batch", "N", "step ms", "speed-up", "comm share"]))
    for name, (s, c32, c256, p) in MODELS.items():
        for link, (w, a) in LINKS.items():
            for batch, c in ((32, c32), (256, c256), (1024, c256)):
                for n in (2, 4, 8, 16, 32):
                    t1 = step(c, batch, 1, s, w, a, p)
                    tn = step(c, batch, n, s, w, a, p)
                    comm = 2 * (n - 1) / n * s / w + 2 * (n - 1) * a
                    print(sep.join([name, link, str(batch), str(n), f"{tn * 1e3:.3f}",
                                    f"{t1 / tn:.2f}", f"{comm / tn:.0%}"]))


if __name__ == "__main__":
    main()
