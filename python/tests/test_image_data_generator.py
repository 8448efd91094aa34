"""keras.preprocessing.image.ImageDataGenerator from Python: flow's
batches, standardization, a Python preprocessing_function, and fit on the
iterator."""

import numpy as np
import pytest

from kiln import keras
from kiln.keras.preprocessing.image import ImageDataGenerator


def images(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 255, size=(n, 8, 8, 1)).astype(np.float32)
    y = (x[:, :, :4].mean(axis=(1, 2, 3)) > x[:, :, 4:].mean(axis=(1, 2, 3))).astype(np.int64)
    return x, y


def test_flow_batches_and_rescale():
    x, y = images(10)
    it = ImageDataGenerator(rescale=1 / 255).flow(x, y, batch_size=4, shuffle=False)
    assert len(it) == 3 and it.n == 10 and it.batch_size == 4
    xb, yb = it[2]
    assert xb.shape == (2, 8, 8, 1)
    np.testing.assert_allclose(xb, x[8:] / 255, rtol=1e-6)
    np.testing.assert_array_equal(yb, y[8:])
    first, _ = next(it)
    np.testing.assert_allclose(first, x[:4] / 255, rtol=1e-6)
    with pytest.raises(IndexError):
        it[3]
    only_x = ImageDataGenerator().flow(x, batch_size=5, shuffle=False)
    np.testing.assert_array_equal(next(only_x), x[:5])


def test_standardization_and_preprocessing_function():
    x, y = images(50)
    gen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True)
    gen.fit(x)
    np.testing.assert_allclose(gen.mean.ravel(), [x.mean()], rtol=1e-4)
    np.testing.assert_allclose(gen.std.ravel(), [x.std()], rtol=1e-3)
    batch, _ = next(gen.flow(x, y, batch_size=50))
    assert abs(batch.mean()) < 1e-4 and abs(batch.std() - 1) < 1e-3

    calls = []

    def double(image):
        calls.append(image.shape)
        return image * 2

    batch, _ = next(ImageDataGenerator(preprocessing_function=double)
                    .flow(x[:3], y[:3], batch_size=3, shuffle=False))
    np.testing.assert_allclose(batch, x[:3] * 2, rtol=1e-6)
    assert calls == [(8, 8, 1)] * 3


def test_fit_on_the_iterator():
    keras.utils.set_random_seed(3)
    x, y = images(64)
    x /= 255

    def model():
        m = keras.Sequential([keras.layers.Flatten(input_shape=(8, 8, 1)),
                              keras.layers.Dense(2, activation="softmax")])
        m.compile(optimizer=keras.optimizers.Adam(learning_rate=0.05),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return m

    # The same batches, so the same weights, whichever thread makes them.
    a, b = model(), model()
    b.set_weights(a.get_weights())
    plain = ImageDataGenerator()
    for m, workers in ((a, 0), (b, 1)):
        m.fit(plain.flow(x, y, batch_size=16, shuffle=False), epochs=2, verbose=0,
              workers=workers)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)

    c = model()
    aug = ImageDataGenerator(width_shift_range=0.1, zoom_range=0.1)
    hist = c.fit(aug.flow(x, y, batch_size=16, seed=4), epochs=30, steps_per_epoch=4,
                 validation_data=(x, y), verbose=0)
    assert hist.params["steps"] == 4
    assert hist.history["val_accuracy"][-1] > 0.8
    with pytest.raises(ValueError, match="workers must be 0"):
        c.fit(plain.flow(x, y), workers=3, verbose=0)
