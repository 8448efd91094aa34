"""keras.callbacks written in Python: the Callback base class (subclass it
and override on_epoch_end and friends), LambdaCallback and History. fit
calls their hooks with the GIL held and Keras's logs dict; entries a hook
adds to logs reach the callbacks after it and the History. EarlyStopping,
ModelCheckpoint, CSVLogger, ReduceLROnPlateau, LearningRateScheduler and
TerminateOnNaN are Kiln's C++ callbacks, which run inside fit without the
GIL (a schedule written in Python is called with it)."""

from .. import _kiln


class Callback:
    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    # Read by the compiled fit after each hook: Keras's
    # `self.model.stop_training = True` (which stays set after fit, as in
    # Keras).
    @property
    def _kiln_stop(self):
        return bool(self.model is not None and self.model.stop_training)

    def _kiln_hooks(self):
        """The hooks this callback overrides: fit calls only these (a hook
        left as the base class's would cost a Python call per batch)."""
        aliases = {"on_train_batch_begin": "on_batch_begin",
                   "on_train_batch_end": "on_batch_end"}
        hooks = []
        for hook in ("on_train_begin", "on_train_end", "on_epoch_begin",
                     "on_epoch_end", "on_train_batch_begin", "on_train_batch_end"):
            names = [hook] + ([aliases[hook]] if hook in aliases else [])
            if any(name in self.__dict__ or
                   getattr(type(self), name) is not getattr(Callback, name)
                   for name in names):
                hooks.append(hook)
        return hooks

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    def on_batch_begin(self, batch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass


class LambdaCallback(Callback):
    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None,
                 on_batch_end=None, on_train_begin=None, on_train_end=None, **kwargs):
        super().__init__()
        for name, fn in (("on_epoch_begin", on_epoch_begin),
                         ("on_epoch_end", on_epoch_end),
                         ("on_train_batch_begin", on_batch_begin),
                         ("on_train_batch_end", on_batch_end),
                         ("on_train_begin", on_train_begin),
                         ("on_train_end", on_train_end)):
            if fn is not None:
                setattr(self, name, fn)
        for name, fn in kwargs.items():
            setattr(self, name, fn)


class History(Callback):
    """What fit returns: ``history.history`` is a dict of lists (loss,
    metrics, val_*), ``history.epoch`` the epochs that ran."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    # The compiled fit fills history, epoch and params when it returns.

class _Native(Callback):
    """One of Kiln's own callbacks: the C++ object runs inside fit."""

    _native = None


class EarlyStopping(_Native):
    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0,
                 mode="auto", baseline=None, restore_best_weights=False,
                 start_from_epoch=0):
        super().__init__()
        self.monitor = monitor
        self._native = _kiln.early_stopping(
            monitor, float(min_delta), int(patience), int(verbose), mode,
            None if baseline is None else float(baseline),
            bool(restore_best_weights), int(start_from_epoch))

    @property
    def stopped_epoch(self):
        return _kiln.early_stopping_state(self._native)[0]

    @property
    def best_epoch(self):
        return _kiln.early_stopping_state(self._native)[1]

    @property
    def best(self):
        return _kiln.early_stopping_state(self._native)[2]

    @property
    def wait(self):
        return _kiln.early_stopping_state(self._native)[3]


class ModelCheckpoint(_Native):
    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 options=None, initial_value_threshold=None):
        super().__init__()
        if save_freq != "epoch" and not isinstance(save_freq, int):
            raise ValueError(f"Unrecognized save_freq: {save_freq!r}")
        self.filepath = str(filepath)
        self._native = _kiln.model_checkpoint(
            self.filepath, monitor, int(verbose), bool(save_best_only),
            bool(save_weights_only), mode, 0 if save_freq == "epoch" else int(save_freq),
            None if initial_value_threshold is None else float(initial_value_threshold))

    @property
    def best(self):
        return _kiln.model_checkpoint_best(self._native)


class CSVLogger(_Native):
    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename = str(filename)
        self._native = _kiln.csv_logger(self.filename, separator, bool(append))


class ReduceLROnPlateau(_Native):
    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0,
                 mode="auto", min_delta=1e-4, cooldown=0, min_lr=0, **kwargs):
        super().__init__()
        if "epsilon" in kwargs:  # Keras's old name of min_delta
            min_delta = kwargs.pop("epsilon")
        if kwargs:
            raise TypeError(f"ReduceLROnPlateau() got unexpected keyword arguments {sorted(kwargs)}")
        self._native = _kiln.reduce_lr_on_plateau(
            monitor, float(factor), int(patience), int(verbose), mode,
            float(min_delta), int(cooldown), float(min_lr))


class LearningRateScheduler(_Native):
    """Sets each epoch's learning rate to schedule(epoch, lr) (or
    schedule(epoch)), a Python function called with the GIL."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        import inspect
        try:
            takes_lr = len(inspect.signature(schedule).parameters) >= 2
        except (TypeError, ValueError):
            takes_lr = True
        fn = schedule if takes_lr else (lambda epoch, lr: schedule(epoch))
        self.schedule = schedule
        self._native = _kiln.learning_rate_scheduler(lambda e, lr: float(fn(e, lr)),
                                                     int(verbose))


class TerminateOnNaN(_Native):
    def __init__(self):
        super().__init__()
        self._native = _kiln.terminate_on_nan()


__all__ = ["Callback", "LambdaCallback", "History", "EarlyStopping", "ModelCheckpoint",
           "CSVLogger", "ReduceLROnPlateau", "LearningRateScheduler", "TerminateOnNaN"]
