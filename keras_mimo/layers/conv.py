"""Convolution blocks with PyTorch-identical padding."""

import keras
from keras import ops

from keras_mimo.layers.initializers import TorchConvUniform


@keras.saving.register_keras_serializable(package="keras_mimo")
class ConvBlock(keras.layers.Layer):
    """Conv2D with symmetric `kernel_size // 2` zero padding, bias, optional ReLU.

    This is the official `BasicConv`. PyTorch pads every side by `k // 2`,
    which for a stride-2 convolution is *not* Keras `padding="same"` (that
    pads only bottom/right on even sizes), so strided convolutions pad
    explicitly and then run a `"valid"` convolution.

    Args:
        filters: number of output channels.
        kernel_size: odd square kernel size.
        strides: convolution stride.
        activation: whether a ReLU follows the convolution.

    Example:
    >>> block = ConvBlock(32, kernel_size=3, strides=2)
    >>> block(keras.ops.ones((1, 8, 8, 3))).shape
    (1, 4, 4, 32)
    """

    def __init__(self, filters, kernel_size=3, strides=1, activation=True, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self.kernel_size = kernel_size
        self.strides = strides
        self.activation = activation
        self.pad = kernel_size // 2 if strides > 1 else 0
        self.conv = keras.layers.Conv2D(
            filters,
            kernel_size,
            strides=strides,
            padding="valid" if strides > 1 else "same",
            activation="relu" if activation else None,
            kernel_initializer=TorchConvUniform(),
            dtype=self.dtype_policy,
            name="conv",
        )

    def build(self, input_shape):
        self.conv.build(input_shape)

    def call(self, inputs):
        if self.pad:
            p = self.pad
            inputs = ops.pad(inputs, [[0, 0], [p, p], [p, p], [0, 0]])
        return self.conv(inputs)

    def compute_output_shape(self, input_shape):
        batch, height, width, _ = input_shape
        size = [None if d is None else d // self.strides for d in (height, width)]
        return (batch, *size, self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "strides": self.strides,
                "activation": self.activation,
            }
        )
        return config


@keras.saving.register_keras_serializable(package="keras_mimo")
class TransposedConvBlock(keras.layers.Layer):
    """Transposed 4x4 stride-2 convolution (PyTorch padding 1), bias, ReLU.

    Output is exactly twice the input size, like the official
    `BasicConv(transpose=True)`; Keras `padding="same"` gives the same
    alignment for this kernel/stride pair.

    Example:
    >>> TransposedConvBlock(16)(keras.ops.ones((1, 4, 4, 32))).shape
    (1, 8, 8, 16)
    """

    def __init__(self, filters, activation=True, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self.activation = activation
        self.conv = keras.layers.Conv2DTranspose(
            filters,
            4,
            strides=2,
            padding="same",
            activation="relu" if activation else None,
            kernel_initializer=TorchConvUniform(),
            dtype=self.dtype_policy,
            name="conv",
        )

    def build(self, input_shape):
        self.conv.build(input_shape)

    def call(self, inputs):
        return self.conv(inputs)

    def compute_output_shape(self, input_shape):
        batch, height, width, _ = input_shape
        size = [None if d is None else 2 * d for d in (height, width)]
        return (batch, *size, self.filters)

    def get_config(self):
        config = super().get_config()
        config.update({"filters": self.filters, "activation": self.activation})
        return config
