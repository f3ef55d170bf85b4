"""Residual blocks: the encoder/decoder body of MIMO-UNet."""

import keras

from keras_mimo.layers.conv import ConvBlock


@keras.saving.register_keras_serializable(package="keras_mimo")
class ResidualBlock(keras.layers.Layer):
    """`x + Conv3(Conv3_relu(x))` with a constant channel count.

    Example:
    >>> ResidualBlock(8)(keras.ops.ones((1, 4, 4, 8))).shape
    (1, 4, 4, 8)
    """

    def __init__(self, filters, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self.conv_in = ConvBlock(filters, 3, dtype=self.dtype_policy, name="conv_in")
        self.conv_out = ConvBlock(
            filters, 3, activation=False, dtype=self.dtype_policy, name="conv_out"
        )

    def build(self, input_shape):
        self.conv_in.build(input_shape)
        self.conv_out.build(input_shape)

    def call(self, inputs):
        return inputs + self.conv_out(self.conv_in(inputs))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"filters": self.filters})
        return config


@keras.saving.register_keras_serializable(package="keras_mimo")
class ResidualStack(keras.layers.Layer):
    """`num_res` residual blocks in sequence (the official EBlock / DBlock).

    Example:
    >>> ResidualStack(8, num_res=2)(keras.ops.ones((1, 4, 4, 8))).shape
    (1, 4, 4, 8)
    """

    def __init__(self, filters, num_res=8, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self.num_res = num_res
        self.blocks = [
            ResidualBlock(filters, dtype=self.dtype_policy, name=f"block_{i}")
            for i in range(num_res)
        ]

    def build(self, input_shape):
        for block in self.blocks:
            block.build(input_shape)

    def call(self, inputs):
        x = inputs
        for block in self.blocks:
            x = block(x)
        return x

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"filters": self.filters, "num_res": self.num_res})
        return config
