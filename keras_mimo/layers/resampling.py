"""Nearest-neighbour resampling by a factor of two (no bilinear resize)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_mimo")
class NearestDownsample(keras.layers.Layer):
    """Keeps every other pixel: `x[:, ::2, ::2]` (official `interpolate(0.5)`).

    A strided slice rather than `ops.image.resize`, so shapes stay dynamic and
    SavedModel export works (Keras 3.15 breaks on a symbolic resize size).

    Example:
    >>> NearestDownsample()(keras.ops.ones((1, 8, 6, 3))).shape
    (1, 4, 3, 3)
    """

    def call(self, inputs):
        return inputs[:, ::2, ::2, :]

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        size = [None if d is None else (d + 1) // 2 for d in (height, width)]
        return (batch, *size, channels)


@keras.saving.register_keras_serializable(package="keras_mimo")
class NearestUpsample(keras.layers.Layer):
    """Repeats every pixel twice along height and width (nearest x2).

    Example:
    >>> NearestUpsample()(keras.ops.ones((1, 4, 3, 8))).shape
    (1, 8, 6, 8)
    """

    def call(self, inputs):
        return ops.repeat(ops.repeat(inputs, 2, axis=1), 2, axis=2)

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        size = [None if d is None else 2 * d for d in (height, width)]
        return (batch, *size, channels)
