"""keras-mimo: MIMO-UNet single-image motion deblurring for Keras 3.

Example:
>>> import keras_mimo
>>> model = keras_mimo.MIMOUNet.from_variant("mimo_unet")  # doctest: +SKIP
"""

from keras_mimo import layers
from keras_mimo.losses import (
    ContentLoss,
    FrequencyLoss,
    MIMOLoss,
    multiscale_loss,
    multiscale_targets,
)
from keras_mimo.metrics import PSNR, SSIM, psnr, ssim
from keras_mimo.models.mimo_unet.input_check import ImageShapeError
from keras_mimo.models.mimo_unet.mimo_unet import MIMOUNet
from keras_mimo.presets import list_presets
from keras_mimo.utils.preset_utils import PresetError
from keras_mimo.version import __version__

__all__ = [
    "PSNR",
    "SSIM",
    "ContentLoss",
    "FrequencyLoss",
    "ImageShapeError",
    "MIMOLoss",
    "MIMOUNet",
    "PresetError",
    "__version__",
    "layers",
    "list_presets",
    "multiscale_loss",
    "multiscale_targets",
    "psnr",
    "ssim",
]
