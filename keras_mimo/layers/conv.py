"""Convolution blocks with PyTorch-identical padding."""

import keras
import numpy as np
from keras import ops

from keras_mimo.kernels import same_conv, uses_native_conv
from keras_mimo.kernels.torch_conv import run_conv_layer, uses_torch_conv
from keras_mimo.layers.initializers import TorchConvUniform


@keras.saving.register_keras_serializable(package="keras_mimo")
class ConvBlock(keras.layers.Layer):
    """Conv2D with symmetric `kernel_size // 2` zero padding, bias, optional ReLU.

    This is the official `BasicConv`. PyTorch pads every side by `k // 2`,
    which for a stride-2 convolution is *not* Keras `padding="same"` (that
    pads only bottom/right on even sizes), so strided convolutions pad
    explicitly and then run a `"valid"` convolution. Stride-1 blocks run on
    `keras_mimo.kernels.same_conv` where it has native kernels (JAX on CPU)
    and on the Keras `Conv2D` sublayer otherwise, with the same
    `conv/kernel` and `conv/bias`.

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
        if uses_torch_conv():
            padding = self.kernel_size // 2
            return run_conv_layer(self.conv, inputs, padding, self.activation)
        if self.pad:
            p = self.pad
            inputs = ops.pad(inputs, [[0, 0], [p, p], [p, p], [0, 0]])
        kernel = self.conv.kernel
        if self.strides > 1 or not uses_native_conv(inputs, kernel):
            return self.conv(inputs)
        outputs = same_conv(inputs, ops.convert_to_tensor(kernel)) + self.conv.bias
        return ops.relu(outputs) if self.activation else outputs

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


# Sub-pixel form of the 4x4 stride-2 transposed convolution (padding 1):
# output row 2i + a sums input rows i - 1, i, i + 1 (taps 0, 1, 2) through
# kernel rows _PHASE_TAPS[a][tap]; row 4 is a zero row (that tap is unused).
_PHASE_TAPS = ((3, 1, 4), (4, 2, 0))


def subpixel_kernel(kernel):
    """Turns a `(4, 4, out, in)` transposed kernel into a `(3, 3, in, 4 * out)` one.

    A 3x3 convolution with the result, then `ops.depth_to_space(·, 2)`, equals the
    4x4 stride-2 transposed convolution (PyTorch padding 1) exactly. Output
    channels are ordered `(row phase, column phase, out)`.
    """
    out_channels, in_channels = kernel.shape[2], kernel.shape[3]
    kernel = ops.pad(kernel, [[0, 1], [0, 1], [0, 0], [0, 0]])
    taps = np.array(_PHASE_TAPS).T  # (tap, phase)
    kernel = ops.take(ops.take(kernel, taps, axis=0), taps, axis=2)
    kernel = ops.transpose(kernel, (0, 2, 5, 1, 3, 4))
    return ops.reshape(kernel, (3, 3, in_channels, 4 * out_channels))


@keras.saving.register_keras_serializable(package="keras_mimo")
class TransposedConvBlock(keras.layers.Layer):
    """Transposed 4x4 stride-2 convolution (PyTorch padding 1), bias, ReLU.

    Output is exactly twice the input size, like the official
    `BasicConv(transpose=True)`. The weights are a Keras `Conv2DTranspose`'s
    (`conv/kernel` is `(4, 4, out, in)`, as converted from PyTorch). On JAX
    the layer runs them in sub-pixel form, one 3x3 convolution to `4 * out`
    channels and a depth-to-space (exactly equal): XLA:CPU computes a
    transposed convolution's weight gradient as a dilated-kernel convolution
    that took 3.4 s of a 15.6 s training step (batch 4, 256x256).
    TensorFlow and PyTorch have fast transposed-convolution kernels (and the
    TFLite export keeps `TRANSPOSE_CONV`), so they use them directly.

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
            kernel_initializer=TorchConvUniform(),
            dtype=self.dtype_policy,
            name="conv",
        )

    def build(self, input_shape):
        self.conv.build(input_shape)

    def call(self, inputs):
        if uses_torch_conv():
            return run_conv_layer(self.conv, inputs, 1, self.activation)
        if keras.config.backend() == "jax":
            kernel = ops.cast(subpixel_kernel(self.conv.kernel), inputs.dtype)
            outputs = ops.depth_to_space(same_conv(inputs, kernel), 2)
            outputs = outputs + ops.cast(self.conv.bias, inputs.dtype)
        else:
            outputs = self.conv(inputs)
        return ops.relu(outputs) if self.activation else outputs

    def compute_output_shape(self, input_shape):
        batch, height, width, _ = input_shape
        size = [None if d is None else 2 * d for d in (height, width)]
        return (batch, *size, self.filters)

    def get_config(self):
        config = super().get_config()
        config.update({"filters": self.filters, "activation": self.activation})
        return config
