"""Python callbacks during the compiled fit, the GIL, and Keras's kinds of
exception carrying Kiln's messages."""

import threading
import time

import numpy as np
import pytest

from kiln import keras


def small_model():
    model = keras.Sequential([keras.layers.Dense(8, activation="relu", input_shape=(4,)),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def data(n=256):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 1)
    return x, y


def test_lambda_and_subclassed_callbacks():
    x, y = data()
    model = small_model()
    seen = []
    batches = []

    class Extra(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["double_loss"] = 2 * logs["loss"]
            if epoch == 2:
                self.model.stop_training = True

    lam = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append((epoch, dict(logs))),
        on_batch_end=lambda batch, logs: batches.append(batch))
    hist = model.fit(x, y, epochs=10, batch_size=64, verbose=0,
                     validation_data=(x, y), callbacks=[Extra(), lam])
    assert hist.epoch == [0, 1, 2]
    assert [e for e, _ in seen] == [0, 1, 2]
    assert set(seen[0][1]) == {"loss", "accuracy", "val_loss", "val_accuracy", "double_loss"}
    assert hist.history["double_loss"] == pytest.approx([2 * v for v in hist.history["loss"]])
    assert batches == [0, 1, 2, 3] * 3


def test_exception_in_callback_stops_fit():
    x, y = data()
    model = small_model()

    class Broken(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            raise RuntimeError("broken callback")

    with pytest.raises(RuntimeError, match="broken callback"):
        model.fit(x, y, epochs=5, verbose=0, callbacks=[Broken()])
    # The model is intact and trains on.
    assert model.fit(x, y, epochs=1, verbose=0).epoch == [0]


def test_gil_released_during_fit():
    x, y = data(4096)
    model = small_model()
    ticks = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    t = threading.Thread(target=count)
    t.start()
    start = time.perf_counter()
    model.fit(x, y, epochs=300, batch_size=32, verbose=0)  # ~5 us a step
    end = time.perf_counter()
    stop.set()
    t.join()
    during = [s for s in ticks if start < s < end]
    # The thread ran all along (one tick per ms at best): well over a few
    # ticks in a fit of ~0.1 s or more.
    assert len(during) >= 10, (len(during), end - start)


def test_errors_are_keras_kinds():
    x, y = data()
    model = small_model()
    with pytest.raises(ValueError, match="shape"):
        model.fit(np.zeros((10, 5), np.float32), np.zeros(10), verbose=0)
    with pytest.raises(ValueError, match="label"):
        model.fit(x, np.full(len(x), 7), verbose=0)
    with pytest.raises(TypeError, match="Keyword argument not understood: 'unitz'"):
        keras.layers.Dense(3, unitz=4)
    with pytest.raises(TypeError, match="got multiple values for argument 'units'"):
        keras.layers.Dense(3, units=4)
    with pytest.raises(ValueError, match="Could not interpret optimizer"):
        model.compile(optimizer="nadamx", loss="mse")
    with pytest.raises(FileNotFoundError, match="nowhere.keras"):
        keras.models.load_model("/nonexistent/nowhere.keras")
    with pytest.raises(FileNotFoundError, match="fashion_mnist"):
        keras.datasets.mnist.load_data()


def test_ctrl_c_stops_fit_between_batches():
    import os
    import signal
    x, y = data(4096)
    model = small_model()
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, epochs=100000, batch_size=32, verbose=0)
    assert time.perf_counter() - start < 30
    timer.join()
    # The model is intact: finite predictions, and it trains on.
    assert np.isfinite(model.predict(x[:8])).all()
    assert model.fit(x, y, epochs=1, verbose=0).epoch == [0]


def test_functional_model():
    inputs = keras.Input(shape=(4,))
    hidden = keras.layers.Dense(8, activation="relu", name="hidden")(inputs)
    wide = keras.layers.Concatenate()([inputs, hidden])
    outputs = keras.layers.Dense(3, activation="softmax")(wide)
    model = keras.Model(inputs=inputs, outputs=outputs, name="wide_and_deep")
    assert model.name == "wide_and_deep"
    names = [layer.name for layer in model.layers]
    assert names[1:] == ["hidden", "concatenate", "dense"], names
    assert model.get_layer("hidden").count_params() == 40
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01),
                  loss=keras.losses.SparseCategoricalCrossentropy(),
                  metrics=["accuracy", keras.metrics.SparseTopKCategoricalAccuracy(k=2)])
    x, y = data()
    hist = model.fit(x, y, epochs=30, batch_size=32, verbose=0)
    assert set(hist.history) == {"loss", "accuracy", "sparse_top_k_categorical_accuracy"}
    assert hist.history["accuracy"][-1] > 0.8
    assert model.output_shape == (None, 3)


def test_native_callbacks(tmp_path):
    x, y = data()
    model = small_model()
    seen = []
    lr_log = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append(model.optimizer.learning_rate))
    hist = model.fit(x, y, epochs=4, verbose=0, callbacks=[
        keras.callbacks.LearningRateScheduler(lambda epoch: 0.01 / (epoch + 1)),
        keras.callbacks.CSVLogger(tmp_path / "log.csv"),
        keras.callbacks.ModelCheckpoint(str(tmp_path / "ckpt-{epoch:02d}.keras"),
                                        monitor="loss"),
        lr_log])
    assert seen == pytest.approx([0.01, 0.005, 0.01 / 3, 0.0025], rel=1e-6)
    rows = (tmp_path / "log.csv").read_text().splitlines()
    assert rows[0].startswith("epoch,") and len(rows) == 5
    assert sorted(p.name for p in tmp_path.glob("ckpt-*.keras")) == \
        ["ckpt-01.keras", "ckpt-02.keras", "ckpt-03.keras", "ckpt-04.keras"]
    assert hist.epoch == [0, 1, 2, 3]
    # A schedule of two arguments gets the current rate.
    model.fit(x, y, epochs=2, verbose=0, callbacks=[
        keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5), lr_log])
    assert seen[-2:] == pytest.approx([0.00125, 0.000625], rel=1e-6)
