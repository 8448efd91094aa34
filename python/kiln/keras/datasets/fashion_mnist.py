"""keras.datasets.fashion_mnist."""

from ... import _kiln


def load_data(path=""):
    """((x_train, y_train), (x_test, y_test)): uint8 images (n, 28, 28) and
    uint8 labels, read from /usr/share/datasets/fashion-mnist (or `path`)."""
    return _kiln.fashion_mnist_load_data(str(path))
