"""keras.utils."""

import numpy as np

from .. import _kiln


def to_categorical(y, num_classes=None, dtype="float32"):
    """One-hot float32 rows of integer labels, as Keras's."""
    if dtype != "float32":
        return to_categorical(y, num_classes).astype(dtype)
    return _kiln.to_categorical(np.asarray(y), -1 if num_classes is None else int(num_classes))


def set_random_seed(seed):
    """Seeds Kiln's weights, shuffles and augmentation (and NumPy's and
    Python's generators, as Keras's does)."""
    import random
    random.seed(seed)
    np.random.seed(seed)
    _kiln.set_random_seed(int(seed))


__all__ = ["to_categorical", "set_random_seed"]
