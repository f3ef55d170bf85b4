"""Asymmetric feature fusion (AFF): mixes all encoder scales into one."""

import keras
from keras import ops

from keras_mimo.layers.conv import ConvBlock


@keras.saving.register_keras_serializable(package="keras_mimo")
class FeatureFusion(keras.layers.Layer):
    """`Conv3(Conv1_relu(concat(inputs)))`: the official AFF.

    Called on a list of same-resolution feature maps (the three encoder
    outputs, already resampled to this level); returns `filters` channels
    that the decoder at this level consumes.

    Example:
    >>> maps = [keras.ops.ones((1, 4, 4, c)) for c in (4, 8, 16)]
    >>> FeatureFusion(8)(maps).shape
    (1, 4, 4, 8)
    """

    def __init__(self, filters, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        policy = self.dtype_policy
        self.squeeze = ConvBlock(filters, 1, dtype=policy, name="squeeze")
        self.refine = ConvBlock(
            filters, 3, activation=False, dtype=policy, name="refine"
        )

    def build(self, input_shape):
        channels = sum(shape[-1] for shape in input_shape)
        self.squeeze.build((*input_shape[0][:3], channels))
        self.refine.build((*input_shape[0][:3], self.filters))

    def call(self, inputs):
        return self.refine(self.squeeze(ops.concatenate(list(inputs), axis=-1)))

    def compute_output_shape(self, input_shape):
        return (*input_shape[0][:3], self.filters)

    def get_config(self):
        config = super().get_config()
        config.update({"filters": self.filters})
        return config
