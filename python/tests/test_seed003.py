"""Seed 003's models (Deep Learning with Python, chapter 2) in their
Sequential and functional forms, on Fashion-MNIST prepared as the book
prepares MNIST. The seed's own typos (`model.complie`, `fit(batch=128)`)
fail in Keras too; here they are spelt right, and `batch=` is Keras's
TypeError."""

import numpy as np
import pytest

from kiln.keras import layers, models
from kiln.keras.datasets import fashion_mnist
from kiln.keras.utils import to_categorical


@pytest.fixture(scope="module")
def book_data():
    (train_images, train_labels), (test_images, test_labels) = fashion_mnist.load_data()
    train_images = train_images.reshape((60000, 28 * 28)).astype('float32') / 255
    test_images = test_images.reshape((10000, 28 * 28)).astype('float32') / 255
    return (train_images, to_categorical(train_labels),
            test_images, to_categorical(test_labels))


def sequential():
    model = models.Sequential()
    model.add(layers.Dense(32, activation='relu', input_shape=(784,)))
    model.add(layers.Dense(10, activation='softmax'))
    return model


def functional():
    input_tensor = layers.Input(shape=(784,))
    x = layers.Dense(32, activation='relu')(input_tensor)
    output_tensor = layers.Dense(10, activation='softmax')(x)
    return models.Model(inputs=input_tensor, outputs=output_tensor)


@pytest.mark.parametrize("build", [sequential, functional])
def test_seed003_models(book_data, build):
    train_images, train_labels, test_images, test_labels = book_data
    model = build()
    assert model.count_params() == 784 * 32 + 32 + 32 * 10 + 10
    model.compile(optimizer='rmsprop',
                  loss='categorical_crossentropy',
                  metrics=['accuracy'])
    with pytest.raises(TypeError, match="batch"):
        model.fit(train_images, train_labels, epochs=5, batch=128)
    model.fit(train_images, train_labels, epochs=5, batch_size=128, verbose=0)
    test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=0)
    assert test_acc > 0.84, test_acc


def test_seed003_first_model_builds():
    model = models.Sequential()
    model.add(layers.Dense(32, input_shape=(784,)))
    model.add(layers.Dense(10))
    assert model.output_shape == (None, 10)
    out = model.predict(np.zeros((2, 784), np.float32))
    np.testing.assert_array_equal(out, np.zeros((2, 10)))  # zero biases
