"""Agreement of an exported artifact with the Keras model, as PSNR."""

from collections.abc import Callable, Sequence

import numpy as np

from keras_mimo.images.padding import crop_to, pad_to_multiple
from keras_mimo.images.quality import psnr

__all__ = ["keras_reference", "measure_agreement", "psnr"]


def keras_reference(model, image: np.ndarray) -> np.ndarray:
    """The Keras model's deblurred image, padded and cropped like the exports."""
    height, width = image.shape[:2]
    batch = pad_to_multiple(image[None].astype(np.float32))
    output = np.asarray(model(batch, training=False)[-1])
    return np.clip(crop_to(output, height, width)[0], 0.0, 1.0)


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
                "psnr_db": round(psnr(output, reference), 3),
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
