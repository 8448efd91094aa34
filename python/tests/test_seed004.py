"""Seed 004's Keras code (early stopping, saving and loading, the model's
picture), with `keras` from kiln."""

import json

import numpy as np

from kiln import keras
from kiln.keras.callbacks import EarlyStopping
from kiln.keras.models import Sequential, load_model, model_from_json
from kiln.keras.layers import Dense
from kiln.keras.utils import model_to_dot, plot_model


def mlp():
    model = Sequential()
    model.add(Dense(64, input_dim=20, activation='relu'))
    model.add(Dense(1, activation='sigmoid'))
    model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
    return model


def test_early_stopping(tmp_path):
    rng = np.random.default_rng(4)
    X_train = rng.normal(size=(300, 20)).astype(np.float32)
    Y_train = rng.integers(0, 2, size=(300, 1)).astype(np.float32)  # noise: val_loss rises
    model = mlp()
    early_stopping = EarlyStopping(patience=20)
    hist = model.fit(X_train, Y_train, nb_epoch=1000, callbacks=[early_stopping],
                     validation_split=0.2, verbose=0)
    assert 20 < len(hist.epoch) < 1000
    assert early_stopping.stopped_epoch == hist.epoch[-1]
    val = hist.history["val_loss"]
    best = int(np.argmin(val))
    assert early_stopping.best == val[best] and early_stopping.best_epoch == best
    assert len(val) == best + 21  # patience 20 after the best epoch


def test_save_load_and_picture(tmp_path):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(64, 20)).astype(np.float32)
    y = (x[:, :1] > 0).astype(np.float32)
    model = mlp()
    model.fit(x, y, epochs=3, verbose=0)
    model.save(tmp_path / 'mnist_mlp_model.h5')
    loaded = load_model(tmp_path / 'mnist_mlp_model.h5')
    np.testing.assert_allclose(loaded.predict(x), model.predict(x), atol=1e-6)
    np.testing.assert_array_equal(loaded.predict_classes(x), model.predict_classes(x))
    loaded.fit(x, y, epochs=1, verbose=0)  # compiled from the file, trains on

    json_string = model.to_json()
    assert json.loads(json_string)["class_name"] == "Sequential"
    rebuilt = model_from_json(json_string)
    model.save_weights(tmp_path / 'w.h5')
    rebuilt.load_weights(tmp_path / 'w.h5')
    np.testing.assert_allclose(rebuilt.predict(x), model.predict(x), atol=1e-6)

    dot = model_to_dot(model, show_shapes=True)
    assert 'label="dense_input: InputLayer' in dot.to_string()
    svg = dot.create(prog='dot', format='svg')
    assert b"<svg" in svg and b"dense_1: Dense" in svg
    plot_model(model, to_file=tmp_path / 'model.png', show_shapes=True)
    assert (tmp_path / 'model.png').read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
