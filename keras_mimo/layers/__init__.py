"""Backend-agnostic Keras 3 building blocks of MIMO-UNet."""

from keras_mimo.layers.conv import ConvBlock, TransposedConvBlock
from keras_mimo.layers.feature_attention import FeatureAttention
from keras_mimo.layers.feature_fusion import FeatureFusion
from keras_mimo.layers.initializers import TorchConvUniform
from keras_mimo.layers.resampling import NearestDownsample, NearestUpsample
from keras_mimo.layers.residual import ResidualBlock, ResidualStack
from keras_mimo.layers.shallow_conv import ShallowConvModule

__all__ = [
    "ConvBlock",
    "FeatureAttention",
    "FeatureFusion",
    "NearestDownsample",
    "NearestUpsample",
    "ResidualBlock",
    "ResidualStack",
    "ShallowConvModule",
    "TorchConvUniform",
    "TransposedConvBlock",
]
