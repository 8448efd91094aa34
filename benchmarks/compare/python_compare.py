#!/usr/bin/python3
"""Kiln from Python: kiln-compare's MLP recipes through the kiln package,
so that the Python path's cost shows against the C++ one measured in the
same run (python_vs_cpp.sh). Prints JSON lines like kiln-compare, with
"fw": "kiln-python".

    PYTHONPATH=BUILD/python /usr/bin/python3 python_compare.py
        [--mlp-n 10240] [--mlp-epochs 11] [--mlp-batches 32]
        [--infer-n1 1000] [--infer-runs 7]
"""
import argparse
import json
import statistics
import time

from kiln import keras


def emit(bench, **fields):
    print(json.dumps({"fw": "kiln-python", "bench": bench, **fields}), flush=True)


def make_mlp():
    model = keras.Sequential()
    model.add(keras.layers.Flatten(input_shape=(28, 28)))
    model.add(keras.layers.Dense(300, activation="relu"))
    model.add(keras.layers.Dense(100, activation="relu"))
    model.add(keras.layers.Dense(10, activation="softmax"))
    return model


class EpochTimer(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.start)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mlp-n", type=int, default=10240)
    p.add_argument("--mlp-epochs", type=int, default=11)
    p.add_argument("--mlp-batches", default="32")
    p.add_argument("--infer-n1", type=int, default=1000)
    p.add_argument("--infer-runs", type=int, default=7)
    a = p.parse_args()
    (x_train, y_train), (x_test, _) = keras.datasets.fashion_mnist.load_data()
    x = (x_train[:a.mlp_n] / 255.0).astype("float32")
    y = y_train[:a.mlp_n]
    for batch in [int(b) for b in a.mlp_batches.split(",")]:
        keras.utils.set_random_seed(42)
        model = make_mlp()
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01),
                      loss="sparse_categorical_crossentropy")
        timer = EpochTimer()
        hist = model.fit(x, y, epochs=a.mlp_epochs, batch_size=batch, verbose=0,
                         shuffle=True, callbacks=[timer])
        rates = [len(x) / s for s in timer.seconds[1:]]
        emit("mlp_train", batch=batch, unit="samples/s", median=statistics.median(rates),
             samples=rates, loss=hist.history["loss"][-1], epochs=a.mlp_epochs, n=len(x))

    keras.utils.set_random_seed(42)
    model = make_mlp()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01),
                  loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    x_test = (x_test / 255.0).astype("float32")
    n1 = min(a.infer_n1, len(x_test))
    for i in range(min(n1, 50)):
        model.predict(x_test[i:i + 1], batch_size=1)
    latencies = []
    for _ in range(a.infer_runs):
        t0 = time.perf_counter()
        for i in range(n1):
            model.predict(x_test[i:i + 1], batch_size=1)
        latencies.append((time.perf_counter() - t0) / n1 * 1e6)
    emit("mlp_infer_b1", batch=1, unit="us/sample", median=statistics.median(latencies),
         samples=latencies, n=n1)


if __name__ == "__main__":
    main()
