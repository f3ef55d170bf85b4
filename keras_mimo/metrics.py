"""PSNR and SSIM as Keras metrics, computed like the official evaluation.

Both clip the prediction to [0, 1] and use a data range of 1 on RGB.
SSIM is the standard definition of Wang et al. (2004): an 11x11 Gaussian
window with sigma 1.5, K1 = 0.01, K2 = 0.03, statistics over the "valid"
part of the image, computed per channel and averaged; this is the same
definition as `tf.image.ssim` and `skimage.metrics.structural_similarity(
gaussian_weights=True, sigma=1.5, use_sample_covariance=False)` up to border
handling (valid here).
"""

import math

import keras
import numpy as np
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


def _gaussian_kernel(size: int, sigma: float) -> np.ndarray:
    coords = np.arange(size, dtype=np.float64) - (size - 1) / 2
    g = np.exp(-(coords**2) / (2 * sigma**2))
    return (g / g.sum()).astype("float32")


def ssim(y_true, y_pred, max_value: float = 1.0, size: int = 11, sigma: float = 1.5):
    """Per-image SSIM, mean over channels and valid window positions."""
    y_true, y_pred = _prepare(y_true, y_pred)
    channels = y_true.shape[-1] or 3
    g = _gaussian_kernel(size, sigma)
    rows = ops.convert_to_tensor(np.tile(g.reshape(size, 1, 1, 1), (1, 1, channels, 1)))
    cols = ops.convert_to_tensor(np.tile(g.reshape(1, size, 1, 1), (1, 1, channels, 1)))

    def blur(x):  # separable Gaussian filter, per channel, valid
        x = ops.depthwise_conv(x, rows, padding="valid")
        return ops.depthwise_conv(x, cols, padding="valid")

    c1 = (0.01 * max_value) ** 2
    c2 = (0.03 * max_value) ** 2
    mu_x, mu_y = blur(y_true), blur(y_pred)
    var_x = blur(y_true * y_true) - mu_x * mu_x
    var_y = blur(y_pred * y_pred) - mu_y * mu_y
    cov = blur(y_true * y_pred) - mu_x * mu_y
    numerator = (2 * mu_x * mu_y + c1) * (2 * cov + c2)
    denominator = (mu_x * mu_x + mu_y * mu_y + c1) * (var_x + var_y + c2)
    return ops.mean(numerator / denominator, axis=(1, 2, 3))


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
    >>> model.compile(loss=MIMOLoss(), metrics={"full": [PSNR(), SSIM()]})  # doctest: +SKIP
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
