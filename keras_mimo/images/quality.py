"""PSNR of two images as numpy arrays, for scoring files and exports.

This is the numpy PSNR, one float per pair of arrays, used where no Keras
model runs: export verification (`keras_mimo.export.verify`) and data
checks. The Keras metric (`keras_mimo.metrics.psnr` / `keras_mimo.PSNR`,
per image of a batch, prediction clipped to [0, 1]) is what training and
`keras_mimo.inference.evaluate_pairs` report.

It needs numpy only (no Keras, no TensorFlow), so scripts outside the
package's environment can use it too.
"""

import math

import numpy as np

#: PSNR (dB) reported for identical or nearly identical images.
PSNR_CAP_DB = 100.0


def psnr(
    a: np.ndarray, b: np.ndarray, data_range: float = 1.0, cap: float = PSNR_CAP_DB
) -> float:
    """PSNR in dB between two images of the same shape, capped at `cap`.

    Computed in float64 over all values; no clipping.

    Args:
        a, b: images (any shape, same for both).
        data_range: the value range, 1.0 for [0, 1] floats, 255 for uint8.
        cap: returned when the MSE is below `data_range**2 * 10**(-cap/10)`
            (identical images have an infinite PSNR).

    Example:
    >>> round(psnr(np.zeros((4, 4, 3)), np.full((4, 4, 3), 0.01)), 3)
    40.0
    >>> psnr(np.ones((2, 2)), np.ones((2, 2)))
    100.0
    """
    mse = float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))
    if mse <= data_range**2 * 10 ** (-cap / 10):
        return cap
    return 10 * math.log10(data_range**2 / mse)
