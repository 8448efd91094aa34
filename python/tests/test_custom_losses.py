"""Custom losses and metrics written with keras.backend ops: traced once into
the compiled step (the loss differentiated by the compiler), checked against
NumPy, saved by name and found again through custom_objects."""

import numpy as np
import pytest

from kiln import keras
import kiln.keras.backend as K
from kiln.keras.layers import Dense
from kiln.keras.models import Sequential


def _model(activation="linear"):
    model = Sequential()
    model.add(Dense(6, activation="tanh", input_dim=4))
    model.add(Dense(3, activation=activation))
    return model


def _data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.uniform(-1, 1, (n, 4)).astype("float32"),
            rng.uniform(0, 1, (n, 3)).astype("float32"))


def my_mse(y_true, y_pred):
    return K.mean(K.square(y_pred - y_true), axis=-1)


def test_custom_loss_trains_as_the_builtin():
    x, y = _data()
    a, b = _model(), _model()
    b.set_weights(a.get_weights())
    a.compile(optimizer=keras.optimizers.SGD(0.1), loss=my_mse)
    b.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    ha = a.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0)
    hb = b.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0)
    np.testing.assert_allclose(ha.history["loss"], hb.history["loss"], rtol=1e-5)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, atol=1e-6)


def test_custom_loss_value_against_numpy():
    # A Huber-like loss with clip, maximum, sqrt, a comparison mask and
    # keepdims, on the values NumPy computes from predict().
    def robust(y_true, y_pred):
        d = y_pred - y_true
        mask = K.cast(K.greater(y_true, 0.5), "float32")
        centred = y_pred - K.mean(y_pred, axis=-1, keepdims=True)
        return (K.mean(K.sqrt(K.square(d) + 0.25) * (1.0 + mask), axis=-1)
                + K.mean(K.maximum(K.clip(centred, -0.2, 0.2), 0.0), axis=-1)
                + 0.5 * K.log(K.sum(K.exp(-K.abs(d)), axis=-1)))

    x, y = _data(40, seed=1)
    model = _model()
    model.compile(optimizer="adam", loss=robust)
    p = model.predict(x, verbose=0)
    d = p - y
    centred = p - p.mean(-1, keepdims=True)
    want = (np.mean(np.sqrt(d ** 2 + 0.25) * (1 + (y > 0.5)), -1)
            + np.mean(np.maximum(np.clip(centred, -0.2, 0.2), 0), -1)
            + 0.5 * np.log(np.exp(-np.abs(d)).sum(-1))).mean()
    got = model.evaluate(x, y, batch_size=40, verbose=0)
    assert got == pytest.approx(float(want), rel=1e-5)
    hist = model.fit(x, y, epochs=20, batch_size=8, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]


def test_accuracy_from_argmax_and_equal():
    # The classic custom accuracy of Keras 2 tutorials.
    def my_acc(y_true, y_pred):
        return K.mean(K.cast(K.equal(K.argmax(y_true, axis=-1),
                                     K.argmax(y_pred, axis=-1)), K.floatx()))

    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, (50, 4)).astype("float32")
    y = keras.utils.to_categorical(rng.integers(0, 3, 50), 3)
    model = _model("softmax")
    model.compile(optimizer="adam", loss="categorical_crossentropy",
                  metrics=["categorical_accuracy", my_acc])
    _, acc, mine = model.evaluate(x, y, batch_size=50, verbose=0)
    want = (model.predict(x, verbose=0).argmax(-1) == y.argmax(-1)).mean()
    assert mine == pytest.approx(acc, abs=1e-6)
    assert mine == pytest.approx(float(want), abs=1e-6)


def test_saved_by_name_and_loaded_with_custom_objects(tmp_path):
    x, y = _data(32, seed=3)
    model = _model()
    model.compile(optimizer="adam", loss=my_mse)
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    before = model.evaluate(x, y, verbose=0)
    path = str(tmp_path / "custom.h5")
    model.save(path)
    loaded = keras.models.load_model(path, custom_objects={"my_mse": my_mse})
    assert loaded.evaluate(x, y, verbose=0) == pytest.approx(before, rel=1e-6)
    loaded.fit(x, y, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="Kiln takes custom metric and loss functions"):
        keras.models.load_model(path, custom_objects={"Dense": Dense})


def test_errors():
    model = _model()
    with pytest.raises(ValueError, match="a custom loss must be a named function"):
        model.compile(optimizer="sgd", loss=lambda t, p: K.mean(p - t))

    def not_a_tensor(y_true, y_pred):
        return 1.0
    with pytest.raises(TypeError, match="loss 'not_a_tensor' returned <class 'float'>"):
        model.compile(optimizer="sgd", loss=not_a_tensor)

    def bad_axis(y_true, y_pred):
        return K.argmax(y_pred, axis=3)
    with pytest.raises(ValueError, match=r"argmax: axis 3 is out of range for shape \(None, 3\)"):
        model.compile(optimizer="sgd", loss=bad_axis)

    def int_cast(y_true, y_pred):
        return K.cast(y_pred, "int32")
    with pytest.raises(ValueError, match="cast to int32"):
        model.compile(optimizer="sgd", loss=int_cast)
    with pytest.raises(ValueError, match="call compile"):
        model.fit(*_data(8), verbose=0)
