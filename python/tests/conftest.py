"""Shared fixtures: Fashion-MNIST as the tutorials prepare it (seed 001)."""

import pytest

from kiln import keras


@pytest.fixture(scope="session")
def fashion_mnist():
    (x_train_full, y_train_full), (x_test, y_test) = \
        keras.datasets.fashion_mnist.load_data()
    x_valid, x_train = x_train_full[:5000] / 255.0, x_train_full[5000:] / 255.0
    y_valid, y_train = y_train_full[:5000], y_train_full[5000:]
    return x_train, y_train, x_valid, y_valid, x_test / 255.0, y_test


@pytest.fixture(autouse=True)
def fresh_session():
    keras.backend.clear_session()
    yield
