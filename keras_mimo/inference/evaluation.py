"""Evaluating a deblurring model on blurry/sharp image pairs.

Scores follow the official MIMO-UNet evaluation: PSNR and SSIM on RGB, with
the network's float output clipped to [0, 1] and a data range of 1 (no
8-bit quantisation unless `quantize=True`, which rounds the output to 8 bits
as saving a PNG would; that typically changes PSNR by about 0.01 dB).
`keras_mimo.psnr` / `keras_mimo.ssim` compute them. The PSNR of the blurry
input itself is reported too, as the baseline a model must beat.

Example:
>>> from keras_mimo.images.pairs import find_pairs
>>> from keras_mimo.inference import Deblurrer
>>> pairs = find_pairs("GOPRO_Large/test")
>>> summary = summarize(evaluate_pairs(Deblurrer(preset="gopro"), pairs))
>>> summary["images"], round(summary["input_psnr"], 1)  # the baseline to beat
(3, 42.0)
"""

import dataclasses
import time
from collections.abc import Callable, Sequence

import numpy as np

from keras_mimo.images.errors import InputImageError
from keras_mimo.images.pairs import ImagePair
from keras_mimo.inference.layout import quantize as quantize_to
from keras_mimo.inference.layout import read_rgb


@dataclasses.dataclass
class PairResult:
    """Scores of one pair (`error` set, scores `nan`, when it failed)."""

    name: str
    height: int = 0
    width: int = 0
    input_psnr: float = float("nan")
    psnr: float = float("nan")
    ssim: float = float("nan")
    seconds: float = float("nan")
    error: str | None = None


def score_pair(output: np.ndarray, sharp: np.ndarray) -> tuple[float, float]:
    """PSNR and SSIM of float RGB `(1, H, W, 3)` output vs. ground truth."""
    from keras import ops

    from keras_mimo.metrics import psnr, ssim

    return (
        float(ops.convert_to_numpy(psnr(sharp, output))[0]),
        float(ops.convert_to_numpy(ssim(sharp, output))[0]),
    )


def evaluate_pairs(
    deblurrer,
    pairs: Sequence[ImagePair],
    quantize: bool = False,
    callback: Callable[[PairResult], None] | None = None,
) -> list[PairResult]:
    """Deblurs every pair's blurry image and scores it against the sharp one.

    Args:
        deblurrer: a `keras_mimo.inference.Deblurrer`.
        pairs: e.g. from `keras_mimo.images.pairs.find_pairs`.
        quantize: round outputs to 8 bits before scoring (as a saved PNG).
        callback: called with each `PairResult` as it is ready.

    Returns:
        One `PairResult` per pair; a pair that cannot be read or whose
        images differ in size gets `error` set instead of scores.
        `seconds` is the deblurring time alone (no file I/O); the first
        image of each size includes compilation.
    """
    from keras import ops

    from keras_mimo.metrics import psnr

    results = []
    for pair in pairs:
        result = PairResult(pair.name)
        try:
            blur, sharp = read_rgb(pair.blur), read_rgb(pair.sharp)
            if blur.shape != sharp.shape:
                raise InputImageError(
                    pair.blur,
                    f"size {blur.shape[2]}x{blur.shape[1]} differs from the sharp "
                    f"image's {sharp.shape[2]}x{sharp.shape[1]}",
                )
            result.height, result.width = blur.shape[1:3]
            start = time.perf_counter()
            output = deblurrer.predict(blur)
            result.seconds = time.perf_counter() - start
            if quantize:
                output = quantize_to(output, np.uint8).astype(np.float32) / 255.0
            result.psnr, result.ssim = score_pair(output, sharp)
            result.input_psnr = float(ops.convert_to_numpy(psnr(sharp, blur))[0])
        except InputImageError as error:
            result.error = str(error)
        except Exception as error:  # a backend failure must not stop the run
            message = str(error).strip().splitlines()[0] if str(error).strip() else ""
            result.error = f"{pair.blur}: {type(error).__name__}: {message}"
        results.append(result)
        if callback is not None:
            callback(result)
    return results


def summarize(results: Sequence[PairResult]) -> dict:
    """Means over the successful pairs.

    `seconds` excludes the first image when there are several (it includes
    compilation).
    """
    good = [r for r in results if r.error is None]
    summary = {"images": len(good), "failed": len(results) - len(good)}
    for key in ("input_psnr", "psnr", "ssim"):
        summary[key] = (
            float(np.mean([getattr(r, key) for r in good])) if good else float("nan")
        )
    timed = good[1:] if len(good) > 1 else good
    summary["seconds"] = (
        float(np.mean([r.seconds for r in timed])) if timed else float("nan")
    )
    return summary
