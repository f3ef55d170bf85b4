"""Agreement of an exported artifact with the Keras model, as PSNR."""

import math
from collections.abc import Callable, Sequence

import numpy as np

from keras_mimo.export.graph import MULTIPLE

PSNR_CAP_DB = 100.0  # reported for (near-)identical outputs


def psnr(a: np.ndarray, b: np.ndarray, data_range: float = 1.0) -> float:
    """PSNR in dB between two images, capped at 100 dB.

    Example:
    >>> psnr(np.zeros((4, 4, 3)), np.full((4, 4, 3), 0.01))
    40.0
    """
    mse = float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))
    if mse <= data_range**2 * 10 ** (-PSNR_CAP_DB / 10):
        return PSNR_CAP_DB
    return round(10 * math.log10(data_range**2 / mse), 3)


def keras_reference(model, image: np.ndarray) -> np.ndarray:
    """The Keras model's deblurred image, padded and cropped like the exports."""
    height, width = image.shape[:2]
    pad = [[0, 0], [0, (-height) % MULTIPLE], [0, (-width) % MULTIPLE], [0, 0]]
    batch = np.pad(image[None].astype(np.float32), pad, mode="reflect")
    output = np.asarray(model(batch, training=False)[-1])[0, :height, :width]
    return np.clip(output, 0.0, 1.0)


def measure_agreement(
    run: Callable[[np.ndarray], np.ndarray],
    crops: Sequence[tuple[str, np.ndarray]],
    references: Sequence[np.ndarray],
    uint8: bool = False,
) -> dict:
    """Runs `run` on every crop; PSNR against the matching Keras reference.

    With `uint8=True` the crop is fed as uint8 and the output read as uint8
    (the references must then be computed on the uint8-rounded crops).
    """
    per_image = []
    for (name, crop), reference in zip(crops, references, strict=True):
        if uint8:
            output = run(np.round(crop * 255).astype(np.uint8)).astype(np.float32) / 255
        else:
            output = run(crop)
        if output.shape != reference.shape:
            raise ValueError(
                f"{name}: artifact output shape {output.shape} != {reference.shape}"
            )
        per_image.append(
            {
                "image": name,
                "shape": list(crop.shape[:2]),
                "psnr_db": psnr(output, reference),
                "max_abs_error": round(float(np.abs(output - reference).max()), 6),
            }
        )
    return {
        "min_psnr_db": min(item["psnr_db"] for item in per_image),
        "mean_psnr_db": round(
            float(np.mean([item["psnr_db"] for item in per_image])), 3
        ),
        "images": per_image,
    }
