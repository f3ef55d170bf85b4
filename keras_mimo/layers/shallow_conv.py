"""Shallow convolutional module (SCM): features straight from a downscaled image."""

import keras
from keras import ops

from keras_mimo.layers.conv import ConvBlock


@keras.saving.register_keras_serializable(package="keras_mimo")
class ShallowConvModule(keras.layers.Layer):
    """Extracts `filters` channels from an RGB image, keeping the image itself.

    Four light convolutions (3x3, 1x1, 3x3, 1x1, all ReLU) produce
    `filters - 3` channels; the RGB input is concatenated in front of them and
    a final 1x1 convolution mixes the result. This is the official SCM, which
    feeds each coarser encoder level directly from the downscaled blurry image.

    Example:
    >>> ShallowConvModule(16)(keras.ops.ones((1, 8, 8, 3))).shape
    (1, 8, 8, 16)
    """

    def __init__(self, filters, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        policy = self.dtype_policy
        self.body = [
            ConvBlock(filters // 4, 3, dtype=policy, name="conv_0"),
            ConvBlock(filters // 2, 1, dtype=policy, name="conv_1"),
            ConvBlock(filters // 2, 3, dtype=policy, name="conv_2"),
            ConvBlock(filters - 3, 1, dtype=policy, name="conv_3"),
        ]
        self.merge = ConvBlock(filters, 1, activation=False, dtype=policy, name="merge")

    def build(self, input_shape):
        shape = input_shape
        for conv in self.body:
            conv.build(shape)
            shape = conv.compute_output_shape(shape)
        self.merge.build((*input_shape[:3], self.filters))

    def call(self, inputs):
        x = inputs
        for conv in self.body:
            x = conv(x)
        return self.merge(ops.concatenate([inputs, x], axis=-1))

    def compute_output_shape(self, input_shape):
        return (*input_shape[:3], self.filters)

    def get_config(self):
        config = super().get_config()
        config.update({"filters": self.filters})
        return config
