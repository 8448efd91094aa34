"""keras.datasets: Fashion-MNIST from Debian's dataset-fashion-mnist (no
download); MNIST is not packaged."""

from . import fashion_mnist, mnist

__all__ = ["fashion_mnist", "mnist"]
