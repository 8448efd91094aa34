"""keras.metrics: Kiln's compiled metrics as Keras's objects; strings
("accuracy", "mae", "AUC") work in compile as well."""

from ._config import Configurable


class Metric(Configurable):
    pass


def _metric(class_name, positional=(), **defaults):
    def __init__(self, *args, **kwargs):
        if len(args) > len(positional):
            raise TypeError(f"{class_name}() takes {len(positional)} positional arguments")
        config = dict(defaults)
        config.update(zip(positional, args))
        for key, value in kwargs.items():
            if key not in defaults and key not in positional:
                raise TypeError(f"{class_name}() got an unexpected keyword argument '{key}'")
            config[key] = value
        Metric.__init__(self, **{k: v for k, v in config.items() if v is not None})
    return type(class_name, (Metric,), {"__init__": __init__, "__module__": __name__})


Precision = _metric("Precision", ("thresholds", "top_k", "class_id", "name"),
                    thresholds=None, top_k=None, class_id=None, name=None)
Recall = _metric("Recall", ("thresholds", "top_k", "class_id", "name"),
                 thresholds=None, top_k=None, class_id=None, name=None)
AUC = _metric("AUC", ("num_thresholds", "curve", "summation_method", "name"),
              num_thresholds=200, curve="ROC", summation_method="interpolation",
              name=None, thresholds=None, multi_label=False, num_labels=None,
              label_weights=None, from_logits=False)
TruePositives = _metric("TruePositives", ("thresholds", "name"), thresholds=None, name=None)
FalsePositives = _metric("FalsePositives", ("thresholds", "name"), thresholds=None, name=None)
TrueNegatives = _metric("TrueNegatives", ("thresholds", "name"), thresholds=None, name=None)
FalseNegatives = _metric("FalseNegatives", ("thresholds", "name"), thresholds=None, name=None)
SensitivityAtSpecificity = _metric(
    "SensitivityAtSpecificity", ("specificity", "num_thresholds", "class_id", "name"),
    specificity=None, num_thresholds=200, class_id=None, name=None)
SpecificityAtSensitivity = _metric(
    "SpecificityAtSensitivity", ("sensitivity", "num_thresholds", "class_id", "name"),
    sensitivity=None, num_thresholds=200, class_id=None, name=None)
TopKCategoricalAccuracy = _metric("TopKCategoricalAccuracy", ("k", "name"), k=5, name=None)
SparseTopKCategoricalAccuracy = _metric("SparseTopKCategoricalAccuracy", ("k", "name"),
                                        k=5, name=None)
MeanSquaredError = _metric("MeanSquaredError", ("name",), name=None)
MeanAbsoluteError = _metric("MeanAbsoluteError", ("name",), name=None)

__all__ = ["Metric", "Precision", "Recall", "AUC", "TruePositives", "FalsePositives",
           "TrueNegatives", "FalseNegatives", "SensitivityAtSpecificity",
           "SpecificityAtSensitivity", "TopKCategoricalAccuracy",
           "SparseTopKCategoricalAccuracy", "MeanSquaredError", "MeanAbsoluteError"]
