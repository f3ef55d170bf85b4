"""Image arrays <-> the model's float RGB batches, and back.

The network sees `(N, H, W, 3)` float32 RGB in [0, 1]. Inputs can be
uint8, uint16 or float in [0, 1]; grey, grey + alpha, RGB or RGBA; one image
`(H, W[, C])` or a batch `(N, H, W, C)`. Grey is processed as RGB (the grey
value in all three channels) and returned grey (the mean of the three
output channels); an alpha channel is carried through untouched.

Example:
>>> import numpy as np
>>> rgb, alpha, layout = split_image(np.zeros((4, 6, 2), "uint16"))
>>> rgb.shape, alpha.shape, rgb.dtype.name
((1, 4, 6, 3), (1, 4, 6, 1), 'float32')
>>> merge_image(rgb, alpha, layout).shape
(4, 6, 2)
"""

import dataclasses
import os

import numpy as np

from keras_mimo.images.errors import InputImageError

_SCALE = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}
#: Float inputs may overshoot [0, 1] by this much (then they are clipped).
FLOAT_TOLERANCE = 0.01


@dataclasses.dataclass(frozen=True)
class ImageLayout:
    """What `merge_image` needs to rebuild an output like the input."""

    dtype: np.dtype
    channels: int  # 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA
    channel_axis: bool  # False for a 2-D (H, W) grey image
    batched: bool


def _check(array: np.ndarray, source: str) -> None:
    if array.dtype not in _SCALE and array.dtype.kind != "f":
        raise InputImageError(
            source,
            f"unsupported pixel type {array.dtype}; use uint8, uint16 or float "
            "values in [0, 1]",
        )
    if array.ndim not in (2, 3, 4):
        raise InputImageError(
            source,
            f"expected an image (H, W), (H, W, C) or a batch (N, H, W, C), got "
            f"shape {array.shape}",
        )
    if array.ndim >= 3 and array.shape[-1] not in (1, 2, 3, 4):
        raise InputImageError(
            source,
            f"expected 1 to 4 channels (grey, grey+alpha, RGB, RGBA) in the last "
            f"axis, got shape {array.shape}",
        )
    if array.size == 0:
        raise InputImageError(source, f"empty image (shape {array.shape})")
    if array.dtype.kind == "f":
        finite = np.isfinite(array)
        if not finite.all():
            bad = array.size - int(np.count_nonzero(finite))
            raise InputImageError(
                source, f"image contains {bad} NaN or infinite value(s)"
            )
        low, high = float(array.min()), float(array.max())
        if low < -FLOAT_TOLERANCE or high > 1 + FLOAT_TOLERANCE:
            hint = " (divide by 255 for 8-bit values)" if high > 1.5 else ""
            raise InputImageError(
                source,
                f"float pixel values must lie in [0, 1], got [{low:g}, {high:g}]"
                + hint,
            )


def split_image(
    array: np.ndarray, source: str = "image"
) -> tuple[np.ndarray, np.ndarray | None, ImageLayout]:
    """Splits an image array into float32 RGB batch, alpha and its layout.

    Args:
        array: `(H, W)`, `(H, W, C)` or `(N, H, W, C)`, C in 1..4; uint8,
            uint16 or float in [0, 1].
        source: name used in error messages.

    Returns:
        `(rgb, alpha, layout)`: `rgb` is `(N, H, W, 3)` float32 in [0, 1],
        `alpha` the untouched `(N, H, W, 1)` alpha channel or `None`.

    Raises:
        InputImageError: unsupported type or shape, empty, NaN/inf, or float
            values outside [0, 1].
    """
    array = np.asarray(array)
    _check(array, source)
    layout = ImageLayout(
        dtype=array.dtype,
        channels=1 if array.ndim == 2 else array.shape[-1],
        channel_axis=array.ndim != 2,
        batched=array.ndim == 4,
    )
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim == 3:
        array = array[None]
    alpha = array[..., -1:] if layout.channels in (2, 4) else None
    color = array[..., :1] if layout.channels <= 2 else array[..., :3]
    scale = _SCALE.get(array.dtype, 1.0)
    rgb = color.astype(np.float32)
    if scale != 1.0:
        rgb *= np.float32(1.0 / scale)
    else:
        np.clip(rgb, 0.0, 1.0, out=rgb)
    if rgb.shape[-1] == 1:
        rgb = np.repeat(rgb, 3, axis=-1)
    return rgb, alpha, layout


def read_rgb(path: str | os.PathLike) -> np.ndarray:
    """An image file as the model sees it: `(1, H, W, 3)` float32 in [0, 1].

    Read with `keras_mimo.images.files.read_image` (upright, 16-bit kept),
    grey replicated to RGB, alpha dropped: the pixels `deblur` works on.
    """
    from keras_mimo.images.files import read_image

    rgb, _, _ = split_image(read_image(path).pixels, os.fspath(path))
    return rgb


def quantize(rgb: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Float values -> `dtype`: clipped to [0, 1], rounded for integer types."""
    dtype = np.dtype(dtype)
    out = np.clip(rgb, 0.0, 1.0)
    scale = _SCALE.get(dtype)
    if scale is None:
        return out.astype(dtype, copy=False)
    out *= scale
    out += 0.5
    return np.floor(out, out=out).astype(dtype)


def merge_image(
    rgb: np.ndarray, alpha: np.ndarray | None, layout: ImageLayout
) -> np.ndarray:
    """Rebuilds an array like the original input from float RGB output."""
    if layout.channels <= 2:
        color = quantize(rgb.mean(axis=-1, keepdims=True), layout.dtype)
    else:
        color = quantize(rgb, layout.dtype)
    out = color if alpha is None else np.concatenate([color, alpha], axis=-1)
    if not layout.channel_axis:
        out = out[..., 0]
    return out if layout.batched else out[0]
