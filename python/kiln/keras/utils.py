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


class Dot:
    """What model_to_dot returns: the DOT text, and pydot's create/write
    methods the tutorials call (rendered by the Graphviz libraries linked
    into Kiln; `prog` is always dot)."""

    def __init__(self, text):
        self._text = text

    def to_string(self):
        return self._text

    __str__ = to_string

    def create(self, prog="dot", format="ps", encoding=None):
        return _kiln.render_dot(self._text, format)

    def create_svg(self):
        return self.create(format="svg")

    def create_png(self):
        return self.create(format="png")

    def write(self, path, prog="dot", format="raw", encoding=None):
        data = self._text.encode() if format in ("raw", "dot") else self.create(prog, format)
        with open(path, "wb") as f:
            f.write(data)
        return True


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True,
                 rankdir="TB", expand_nested=False, dpi=96, subgraph=False, **kwargs):
    """The model as the Graphviz graph tf.keras 2 draws (a Dot: to_string(),
    create(prog="dot", format="svg"))."""
    return Dot(_kiln.model_to_dot(model._impl, bool(show_shapes), bool(show_dtype),
                                  bool(show_layer_names), rankdir, bool(expand_nested),
                                  int(dpi)))


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=True, rankdir="TB", expand_nested=False, dpi=96,
               **kwargs):
    """Draws the model with Graphviz's libraries linked into Kiln (no pydot,
    no `dot` program): .png, .svg, .pdf, .jpg or .dot by the file's name."""
    _kiln.plot_model(model._impl, str(to_file), bool(show_shapes), bool(show_dtype),
                     bool(show_layer_names), rankdir, bool(expand_nested), int(dpi))


__all__ = ["to_categorical", "set_random_seed", "model_to_dot", "plot_model", "Dot"]
