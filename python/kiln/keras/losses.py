"""keras.losses: the losses Kiln compiles, by name, as functions (given to
compile by name) and as objects."""

from ._config import Configurable, named_builtin

_NAMES = ["mean_squared_error", "mean_absolute_error", "binary_crossentropy",
          "categorical_crossentropy", "sparse_categorical_crossentropy", "hinge",
          "squared_hinge", "categorical_hinge", "huber", "log_cosh",
          "kl_divergence", "poisson", "mean_absolute_percentage_error",
          "mean_squared_logarithmic_error", "cosine_similarity"]


for _n in _NAMES:
    globals()[_n] = named_builtin("losses", _n)
mse = MSE = globals()["mean_squared_error"]
mae = MAE = globals()["mean_absolute_error"]


class Loss(Configurable):
    def __init__(self, reduction="auto", name=None, **config):
        super().__init__(reduction=reduction, name=name, **config)


class SparseCategoricalCrossentropy(Loss):
    def __init__(self, from_logits=False, reduction="auto",
                 name="sparse_categorical_crossentropy"):
        super().__init__(reduction, name, from_logits=from_logits)


class CategoricalCrossentropy(Loss):
    def __init__(self, from_logits=False, label_smoothing=0.0, reduction="auto",
                 name="categorical_crossentropy"):
        super().__init__(reduction, name, from_logits=from_logits,
                         label_smoothing=label_smoothing)


class BinaryCrossentropy(Loss):
    def __init__(self, from_logits=False, label_smoothing=0.0, reduction="auto",
                 name="binary_crossentropy"):
        super().__init__(reduction, name, from_logits=from_logits,
                         label_smoothing=label_smoothing)


class MeanSquaredError(Loss):
    def __init__(self, reduction="auto", name="mean_squared_error"):
        super().__init__(reduction, name)


class MeanAbsoluteError(Loss):
    def __init__(self, reduction="auto", name="mean_absolute_error"):
        super().__init__(reduction, name)


__all__ = _NAMES + ["mse", "mae", "MSE", "MAE", "Loss", "SparseCategoricalCrossentropy",
                    "CategoricalCrossentropy", "BinaryCrossentropy",
                    "MeanSquaredError", "MeanAbsoluteError"]
