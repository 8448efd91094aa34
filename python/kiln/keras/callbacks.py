"""keras.callbacks written in Python: the Callback base class (subclass it
and override on_epoch_end and friends), LambdaCallback and History. fit
calls their hooks with the GIL held and Keras's logs dict; entries a hook
adds to logs reach the callbacks after it and the History."""


class Callback:
    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    # Read by the compiled fit after each hook: Keras's
    # `self.model.stop_training = True`.
    @property
    def _kiln_stop(self):
        return bool(self.model is not None and self.model.stop_training)

    @_kiln_stop.setter
    def _kiln_stop(self, value):
        if self.model is not None:
            self.model.stop_training = bool(value)

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

__all__ = ["Callback", "LambdaCallback", "History"]
