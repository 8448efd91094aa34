"""keras.preprocessing (ImageDataGenerator comes with the next stage of the
Python module)."""
