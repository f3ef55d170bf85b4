"""Feature attention module (FAM): gates encoder features with SCM features."""

import keras

from keras_mimo.layers.conv import ConvBlock


@keras.saving.register_keras_serializable(package="keras_mimo")
class FeatureAttention(keras.layers.Layer):
    """`x + Conv3(x * scm)`: the official FAM.

    Called on `[features, scm_features]` of equal shape; the element-wise
    product lets the image-derived SCM features emphasise or suppress the
    downsampled encoder features before they are refined.

    Example:
    >>> x = keras.ops.ones((1, 4, 4, 8))
    >>> FeatureAttention(8)([x, x]).shape
    (1, 4, 4, 8)
    """

    def __init__(self, filters, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self.merge = ConvBlock(
            filters, 3, activation=False, dtype=self.dtype_policy, name="merge"
        )

    def build(self, input_shape):
        self.merge.build(input_shape[0])

    def call(self, inputs):
        features, scm_features = inputs
        return features + self.merge(features * scm_features)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        config = super().get_config()
        config.update({"filters": self.filters})
        return config
