"""Nearest-neighbour resampling by integer factors (no bilinear resize)."""

import keras
from keras import ops


def nearest_upsample(x, factor: int = 2):
    """Repeats every pixel `factor` times along height and width.

    A broadcast plus a reshape that restates the static channel count, so
    shapes stay dynamic and the TFLite converter keeps the channel dimension
    (`ops.repeat` loses it there, and a convolution of unknown depth then has
    no TFLite kernel).

    Example:
    >>> nearest_upsample(keras.ops.ones((1, 2, 3, 4)), 2).shape
    (1, 4, 6, 4)
    """
    batch, height, width = ops.shape(x)[:3]
    channels = x.shape[-1]
    x = ops.expand_dims(ops.expand_dims(x, 2), 4)
    x = ops.broadcast_to(x, (batch, height, factor, width, factor, channels))
    return ops.reshape(x, (batch, height * factor, width * factor, channels))


def add_upsampled(fine, coarse, factor: int):
    """`fine + nearest_upsample(coarse, factor)` without building the upsampled map.

    `fine` is viewed as `(B, h, f, w, f, C)` and `coarse` broadcast over the
    two `f` axes, so the full-resolution copy of `coarse` never exists.

    Example:
    >>> add_upsampled(keras.ops.zeros((1, 4, 4, 2)), keras.ops.ones((1, 2, 2, 2)), 2).shape
    (1, 4, 4, 2)
    """
    _, height, width = ops.shape(coarse)[:3]
    channels = fine.shape[-1]
    fine = ops.reshape(fine, (-1, height, factor, width, factor, channels))
    coarse = ops.expand_dims(ops.expand_dims(coarse, 2), 4)
    return ops.reshape(fine + coarse, (-1, height * factor, width * factor, channels))


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
        return nearest_upsample(inputs, 2)

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        size = [None if d is None else 2 * d for d in (height, width)]
        return (batch, *size, channels)
