"""keras.preprocessing.image.ImageDataGenerator: Kiln's C++ generator
(Keras 2's transform maths, fill modes and standardization), whose flow()
iterator fit consumes without Python in the loop."""

from ... import _kiln


class NumpyArrayIterator:
    """What flow() returns: ``len()`` batches per epoch, ``next(it)`` or
    ``it[i]`` give (x, y) arrays (x alone without y), and
    ``model.fit(it, ...)`` trains on it."""

    def __init__(self, impl):
        self._impl = impl

    def __len__(self):
        return len(self._impl)

    @property
    def n(self):
        return self._impl.n

    @property
    def batch_size(self):
        return self._impl.batch_size

    def __iter__(self):
        return self

    def __next__(self):
        x, y = self._impl.next()
        return x if y is None else (x, y)

    next = __next__

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"Asked to retrieve element {index}, but the Sequence "
                             f"has length {len(self)}")
        x, y = self._impl.batch(index)
        return x if y is None else (x, y)

    def on_epoch_end(self):
        self._impl.on_epoch_end()


class ImageDataGenerator:
    def __init__(self, featurewise_center=False, samplewise_center=False,
                 featurewise_std_normalization=False, samplewise_std_normalization=False,
                 zca_whitening=False, zca_epsilon=1e-06, rotation_range=0,
                 width_shift_range=0.0, height_shift_range=0.0, brightness_range=None,
                 shear_range=0.0, zoom_range=0.0, channel_shift_range=0.0,
                 fill_mode="nearest", cval=0.0, horizontal_flip=False,
                 vertical_flip=False, rescale=None, preprocessing_function=None,
                 data_format=None, validation_split=0.0, interpolation_order=1,
                 dtype=None):
        if zca_whitening:
            raise ValueError("ImageDataGenerator: zca_whitening is not supported by Kiln yet")
        if brightness_range is not None:
            raise ValueError("ImageDataGenerator: brightness_range is not supported by Kiln yet")
        if data_format not in (None, "channels_last"):
            raise ValueError("ImageDataGenerator: Kiln lays images out channels_last")
        if dtype not in (None, "float32"):
            raise ValueError("ImageDataGenerator: Kiln's images are float32")
        zoom = list(zoom_range) if isinstance(zoom_range, (list, tuple)) else [zoom_range]
        self._impl = _kiln.ImageDataGenerator(dict(
            featurewise_center=featurewise_center, samplewise_center=samplewise_center,
            featurewise_std_normalization=featurewise_std_normalization,
            samplewise_std_normalization=samplewise_std_normalization,
            rotation_range=float(rotation_range), width_shift_range=float(width_shift_range),
            height_shift_range=float(height_shift_range), shear_range=float(shear_range),
            zoom_range=[float(z) for z in zoom],
            channel_shift_range=float(channel_shift_range), fill_mode=fill_mode,
            cval=float(cval), horizontal_flip=horizontal_flip, vertical_flip=vertical_flip,
            rescale=float(rescale or 0), preprocessing_function=preprocessing_function,
            validation_split=float(validation_split),
            interpolation_order=int(interpolation_order)))

    def fit(self, x, augment=False, rounds=1, seed=None):
        """The feature-wise mean and std (featurewise_center and
        featurewise_std_normalization) of the images x."""
        self._impl.fit(x, bool(augment), int(rounds), seed)

    @property
    def mean(self):
        return self._impl.mean

    @property
    def std(self):
        return self._impl.std

    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None,
             seed=None, save_to_dir=None, save_prefix="", save_format="png",
             ignore_class_split=False, subset=None):
        if sample_weight is not None or save_to_dir is not None:
            raise ValueError("flow(): sample_weight and save_to_dir are not supported by Kiln yet")
        return NumpyArrayIterator(self._impl.flow(x, y, int(batch_size), bool(shuffle),
                                                  seed, subset or ""))

    def random_transform(self, x, seed=None):
        import random
        return self._impl.random_transform(x, random.getrandbits(63) if seed is None
                                           else int(seed))

    def standardize(self, x):
        return self._impl.standardize(x)


__all__ = ["ImageDataGenerator", "NumpyArrayIterator"]
