"""PSNR and SSIM as Keras metrics, computed like the official evaluation.

Both clip the prediction to [0, 1] and use a data range of 1 on RGB.
SSIM is `keras.ops.image.ssim`, the standard definition of Wang et al. (2004):
an 11x11 Gaussian window with sigma 1.5, K1 = 0.01, K2 = 0.03, statistics
over the "valid" part of the image (no padding), computed per channel and
averaged. This is `tf.image.ssim`, and equals `skimage.metrics.
structural_similarity(gaussian_weights=True, sigma=1.5,
use_sample_covariance=False, data_range=1)`: scikit-image filters with
reflected borders but then drops the 5-pixel border from the mean, so both
average the same valid window positions.
"""

import math

import keras
from keras import ops


def _prepare(y_true, y_pred):
    y_true = ops.cast(y_true, "float32")
    y_pred = ops.clip(ops.cast(y_pred, "float32"), 0.0, 1.0)
    return y_true, y_pred


def psnr(y_true, y_pred, max_value: float = 1.0):
    """Per-image PSNR in dB (prediction clipped to [0, 1])."""
    y_true, y_pred = _prepare(y_true, y_pred)
    mse = ops.mean(ops.square(y_pred - y_true), axis=(1, 2, 3))
    mse = ops.maximum(mse, 1e-12)
    return 10.0 * ops.log(max_value**2 / mse) / math.log(10.0)


def ssim(y_true, y_pred, max_value: float = 1.0, size: int = 11, sigma: float = 1.5):
    """Per-image SSIM, mean over channels and valid window positions."""
    y_true, y_pred = _prepare(y_true, y_pred)
    return ops.image.ssim(
        y_true,
        y_pred,
        max_val=max_value,
        filter_size=size,
        filter_sigma=sigma,
        data_format="channels_last",
    )


class _ImageMeanMetric(keras.metrics.Mean):
    """Mean over images of a per-image score."""

    score = None

    def update_state(self, y_true, y_pred, sample_weight=None):
        return super().update_state(type(self).score(y_true, y_pred), sample_weight)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@keras.saving.register_keras_serializable(package="keras_mimo")
class PSNR(_ImageMeanMetric):
    """Mean PSNR (dB) of the clipped prediction, data range 1.

    Example:
    >>> from keras_mimo import MIMOLoss, MIMOUNet
    >>> model = MIMOUNet(num_res=1, width=8)
    >>> model.compile(loss=MIMOLoss(), metrics={"full": [PSNR(), SSIM()]})
    """

    score = staticmethod(psnr)

    def __init__(self, name="psnr", dtype=None):
        super().__init__(name=name, dtype=dtype)


@keras.saving.register_keras_serializable(package="keras_mimo")
class SSIM(_ImageMeanMetric):
    """Mean SSIM (Gaussian 11x11, sigma 1.5) of the clipped prediction."""

    score = staticmethod(ssim)

    def __init__(self, name="ssim", dtype=None):
        super().__init__(name=name, dtype=dtype)
