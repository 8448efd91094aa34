#!/usr/bin/python3
"""PyTorch's side of benchmarks/compare (Debian's python3-torch 1.13).

The recipes of kiln_compare.cpp, written as a Keras user would port them:
Glorot-uniform kernels and zero biases (Keras's defaults), Keras's SGD/Adam
settings, a shuffled permutation per epoch, and the loss of an epoch as the
sample-weighted mean of its batches. Prints one JSON object per line, like
kiln-compare.

    /usr/bin/python3 torch_compare.py --threads T [--mkldnn both|on|off]
                                      [kiln-compare's flags]

T is torch.set_num_threads (intra-op, OpenMP). OpenBLAS keeps its own pool,
so run.sh sets OPENBLAS_NUM_THREADS (and OMP_WAIT_POLICY) per process and
keeps the best configuration.
"""
import argparse
import gzip
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = "/usr/share/datasets/fashion-mnist"


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--mkldnn", default="both", choices=["both", "on", "off"])
    p.add_argument("--only", default="mlp,cnn,xor,infer,rnn,resnet")
    p.add_argument("--mlp-n", type=int, default=10240)
    p.add_argument("--mlp-epochs", type=int, default=11)
    p.add_argument("--mlp-batches", default="32,128,256")
    p.add_argument("--cnn-n", type=int, default=1024)
    p.add_argument("--cnn-epochs", type=int, default=4)
    p.add_argument("--rnn-n", type=int, default=2048)
    p.add_argument("--rnn-epochs", type=int, default=4)
    p.add_argument("--rnn-batches", default="64,256")
    p.add_argument("--resnet-n", type=int, default=1024)
    p.add_argument("--resnet-epochs", type=int, default=4)
    p.add_argument("--xor-runs", type=int, default=5)
    p.add_argument("--xor-epochs", type=int, default=3000)
    p.add_argument("--infer-n1", type=int, default=1000)
    p.add_argument("--infer-runs", type=int, default=7)
    p.add_argument("--data-dir", default=DATA)
    # kiln-compare's matmul flags; OpenBLAS's program covers matmul.
    p.add_argument("--matmul-sizes", default="")
    p.add_argument("--matmul-threads", default="")
    p.add_argument("--min-time", default="")
    p.add_argument("--max-time", default="")
    return p.parse_args()


ARGS = None


def config_fields():
    return {
        "threads": torch.get_num_threads(),
        "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS", ""),
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE", ""),
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", ""),
        "aten_cpu_capability": os.environ.get("ATEN_CPU_CAPABILITY", ""),
    }


def emit(bench, **fields):
    record = {"fw": "torch", "bench": bench}
    record.update(fields)
    record.update(config_fields())
    print(json.dumps(record), flush=True)


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    rank = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(shape)


def keras_init(model):
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return model


def make_mlp():
    # Dense(10, softmax) + sparse CE == logits + cross_entropy (Kiln folds the
    # softmax into the loss the same way); predict applies the softmax.
    return keras_init(nn.Sequential(nn.Flatten(), nn.Linear(784, 300), nn.ReLU(),
                                    nn.Linear(300, 100), nn.ReLU(), nn.Linear(100, 10)))


def fit(model, opt, x, y, batch, epochs, loss_fn):
    """Keras-style epochs; returns samples/s per epoch after the first
    (warm-up) and the last epoch's sample-weighted mean loss."""
    n = x.shape[0]
    rates, last_loss = [], 0.0
    for e in range(epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        total = 0.0
        for first in range(0, n, batch):
            idx = perm[first:first + batch]
            xb, yb = x[idx], y[idx]
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * idx.shape[0]
        last_loss = total / n
        dt = time.perf_counter() - t0
        if e > 0:
            rates.append(n / dt)
    return rates, last_loss


def bench_mlp_train(x, y):
    for batch in [int(b) for b in ARGS.mlp_batches.split(",") if b]:
        torch.manual_seed(42)
        model = make_mlp()
        opt = torch.optim.SGD(model.parameters(), lr=0.01)
        rates, loss = fit(model, opt, x, y, batch, ARGS.mlp_epochs, F.cross_entropy)
        emit("mlp_train", batch=batch, unit="samples/s", median=statistics.median(rates),
             samples=rates, loss=loss, epochs=ARGS.mlp_epochs, n=x.shape[0])


def bench_cnn_train(x, y):
    modes = {"both": [True, False], "on": [True], "off": [False]}[ARGS.mkldnn]
    for mkldnn in modes:
        with torch.backends.mkldnn.flags(enabled=mkldnn):
            torch.manual_seed(42)
            model = keras_init(nn.Sequential(
                nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10)))
            # Keras's Adam defaults: learning_rate 0.001, betas (0.9, 0.999), epsilon 1e-7.
            opt = torch.optim.Adam(model.parameters(), lr=0.001, betas=(0.9, 0.999), eps=1e-7)
            rates, loss = fit(model, opt, x, y, 64, ARGS.cnn_epochs, F.cross_entropy)
            emit("cnn_train", batch=64, unit="images/s", median=statistics.median(rates),
                 samples=rates, loss=loss, epochs=ARGS.cnn_epochs, n=x.shape[0], mkldnn=mkldnn)


class RowsRnn(nn.Module):
    """Fashion-MNIST as 28 steps of 28 pixels: nn.LSTM/nn.GRU(28, 128), its
    last state into Linear(128, 10) (Keras's LSTM(128) -> Dense(10))."""

    def __init__(self, cell):
        super().__init__()
        self.rnn = {"lstm": nn.LSTM, "gru": nn.GRU}[cell](28, 128, batch_first=True)
        self.out = nn.Linear(128, 10)

    def forward(self, x):
        _, h = self.rnn(x)
        if isinstance(h, tuple):
            h = h[0]
        return self.out(h[-1])


def bench_rnn_train(x, y):
    for cell in ("lstm", "gru"):
        for batch in [int(b) for b in ARGS.rnn_batches.split(",") if b]:
            torch.manual_seed(42)
            model = RowsRnn(cell) # PyTorch's own initialization, as the issue measured
            opt = torch.optim.Adam(model.parameters(), lr=0.001, betas=(0.9, 0.999), eps=1e-7)
            rates, loss = fit(model, opt, x, y, batch, ARGS.rnn_epochs, F.cross_entropy)
            emit(f"{cell}_train", batch=batch, unit="samples/s",
                 median=statistics.median(rates), samples=rates, loss=loss,
                 epochs=ARGS.rnn_epochs, n=x.shape[0])


def conv_bn_relu(cin, cout):
    # Keras's BatchNormalization(momentum=0.9, epsilon=1e-3) is PyTorch's
    # momentum 0.1 (the weight of the new batch).
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False),
            nn.BatchNorm2d(cout, eps=1e-3, momentum=0.1), nn.ReLU()]


class ResidualBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.first = nn.Sequential(*conv_bn_relu(c, c))
        self.conv = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(c, eps=1e-3, momentum=0.1)

    def forward(self, x):
        return F.relu(x + self.bn(self.conv(self.first(x))))


def make_resnet():
    """examples/SmallResNet.h in PyTorch (NCHW, its native layout)."""
    return keras_init(nn.Sequential(
        *conv_bn_relu(1, 32), nn.MaxPool2d(2), ResidualBlock(32), nn.MaxPool2d(2),
        *conv_bn_relu(32, 96), ResidualBlock(96), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(96, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, 10)))


def bench_resnet_train(x, y):
    # Without MKL-DNN this network trains about 20x slower (6.5 against 135
    # images/s measured here): "both" runs MKL-DNN only.
    modes = {"both": [True], "on": [True], "off": [False]}[ARGS.mkldnn]
    for mkldnn in modes:
        with torch.backends.mkldnn.flags(enabled=mkldnn):
            torch.manual_seed(42)
            model = make_resnet()
            opt = torch.optim.Adam(model.parameters(), lr=0.001, betas=(0.9, 0.999), eps=1e-7)
            rates, loss = fit(model, opt, x, y, 64, ARGS.resnet_epochs, F.cross_entropy)
            emit("resnet_train", batch=64, unit="images/s", median=statistics.median(rates),
                 samples=rates, loss=loss, epochs=ARGS.resnet_epochs, n=x.shape[0],
                 mkldnn=mkldnn)


# The XOR model's starting weights, shared with kiln_compare.cpp (Kiln's
# Glorot-uniform draw with set_random_seed(1)), as torch's (out, in) weights.
XOR_W1 = [[-0.896815419, -0.119498596], [-0.890617251, -1.17324626]]
XOR_W2 = [[-0.421723813, 1.16349626]]


def bench_xor():
    torch.manual_seed(1)
    x = torch.tensor([[1, 1], [1, 0], [0, 1], [0, 0]], dtype=torch.float32)
    y = torch.tensor([[0], [1], [1], [0]], dtype=torch.float32)
    model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor(XOR_W1))
        model[2].weight.copy_(torch.tensor(XOR_W2))
        model[0].bias.zero_()
        model[2].bias.zero_()
    initial = [p.detach().clone() for p in model.parameters()]
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    fit(model, opt, x, y, 1, 1, F.mse_loss)  # warm-up
    seconds, loss = [], 0.0
    for _ in range(ARGS.xor_runs):
        with torch.no_grad():
            for p, p0 in zip(model.parameters(), initial):
                p.copy_(p0)
        t0 = time.perf_counter()
        _, loss = fit(model, opt, x, y, 1, ARGS.xor_epochs, F.mse_loss)
        seconds.append(time.perf_counter() - t0)
    emit("xor", unit="s", median=statistics.median(seconds), samples=seconds, loss=loss,
         epochs=ARGS.xor_epochs)


def bench_infer(x_train, y_train, x_test):
    torch.manual_seed(42)
    model = make_mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    fit(model, opt, x_train, y_train, 32, 1, F.cross_entropy)
    model.eval()
    with torch.inference_mode():
        def predict(xb):
            return torch.softmax(model(xb), dim=1)

        n1 = min(ARGS.infer_n1, x_test.shape[0])
        for i in range(min(n1, 50)):
            predict(x_test[i:i + 1])
        latencies = []
        for _ in range(ARGS.infer_runs):
            t0 = time.perf_counter()
            for i in range(n1):
                predict(x_test[i:i + 1])
            latencies.append((time.perf_counter() - t0) / n1 * 1e6)
        emit("mlp_infer_b1", batch=1, unit="us/sample", median=statistics.median(latencies),
             samples=latencies, n=n1)

        big = x_test.shape[0]
        predict(x_test)
        rates = []
        for _ in range(ARGS.infer_runs):
            t0 = time.perf_counter()
            predict(x_test)
            rates.append(big / (time.perf_counter() - t0))
        emit("mlp_infer_b10000", batch=big, unit="images/s", median=statistics.median(rates),
             samples=rates)


def main():
    global ARGS
    ARGS = parse_args()
    torch.set_num_threads(ARGS.threads)
    only = set(ARGS.only.split(","))
    emit("info", version=torch.__version__, mkldnn_available=torch.backends.mkldnn.is_available(),
         cpu_capability=next((l.split(":")[1].strip() for l in torch.__config__.show().splitlines()
                              if "CPU capability usage" in l), ""),
         python=sys.version.split()[0])
    if only & {"mlp", "cnn", "infer", "rnn", "resnet"}:
        train_x = torch.from_numpy(read_idx(f"{ARGS.data_dir}/train-images-idx3-ubyte.gz")
                                   .astype(np.float32) / 255.0)
        train_y = torch.from_numpy(read_idx(f"{ARGS.data_dir}/train-labels-idx1-ubyte.gz")
                                   .astype(np.int64))
        test_x = torch.from_numpy(read_idx(f"{ARGS.data_dir}/t10k-images-idx3-ubyte.gz")
                                  .astype(np.float32) / 255.0)
    if "mlp" in only:
        bench_mlp_train(train_x[:ARGS.mlp_n].contiguous(), train_y[:ARGS.mlp_n])
    if "cnn" in only:
        n = ARGS.cnn_n
        bench_cnn_train(train_x[:n].reshape(n, 1, 28, 28).contiguous(), train_y[:n])
    if "rnn" in only:
        bench_rnn_train(train_x[:ARGS.rnn_n].contiguous(), train_y[:ARGS.rnn_n])
    if "resnet" in only:
        n = ARGS.resnet_n
        bench_resnet_train(train_x[:n].reshape(n, 1, 28, 28).contiguous(), train_y[:n])
    if "xor" in only:
        bench_xor()
    if "infer" in only:
        bench_infer(train_x[:ARGS.mlp_n].contiguous(), train_y[:ARGS.mlp_n], test_x)


if __name__ == "__main__":
    main()
