"""One encoded image: its header (Pillow), its pixels (TensorFlow) and its checks.

Runs on Beam workers.
"""

from __future__ import annotations

import io
import re
from typing import Any

import numpy as np

from .features import GOOD_BIT_DEPTHS, GOOD_FORMATS

# Pillow format names -> feature values; MPO is a camera JPEG with extra frames.
_FORMATS = {"PNG": "png", "JPEG": "jpeg", "MPO": "jpeg"}
_PNG_BIT_DEPTH_OFFSET = 24  # PNG spec: signature (8), IHDR length/type (8), w/h (8).


def read_header(data: bytes) -> tuple[str, int | None]:
    """Format and bits per sample from the header, without decoding the pixels.

    Returns:
        `("png" | "jpeg" | another Pillow format, lower case | "other", bits)`,
        bits `None` when the format does not say. Pillow reads JPEG's sample
        precision from the frame header; for PNG, whose IHDR Pillow has
        checked, the bit depth is IHDR's fixed byte.

    Raises:
        PIL.Image.DecompressionBombError: more pixels than Pillow allows.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt = _FORMATS.get(image.format, str(image.format).lower())
            bits = getattr(image, "bits", None) if fmt == "jpeg" else None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return "other", None
    if fmt == "png":
        bits = data[_PNG_BIT_DEPTH_OFFSET]
    return fmt, bits


def decode_image(data: bytes, fmt: str, bit_depth: int | None) -> np.ndarray:
    """Decodes to an HxWxC uint8/uint16 array, keeping 16-bit PNG precision."""
    import tensorflow as tf

    if fmt == "png":
        dtype = tf.uint16 if bit_depth == 16 else tf.uint8
        image = tf.io.decode_png(data, channels=0, dtype=dtype)
    elif fmt == "jpeg":
        image = tf.io.decode_jpeg(data, channels=0)
    else:
        image = tf.io.decode_image(data, channels=0, expand_animations=False)
    return image.numpy()


def to_rgb_float(image: np.ndarray) -> np.ndarray:
    """HxWx3 float32 in [0, 1]; gray is repeated and alpha dropped."""
    scale = 65535.0 if image.dtype == np.uint16 else 255.0
    channels = image.shape[-1]
    rgb = image[..., :1].repeat(3, axis=-1) if channels < 3 else image[..., :3]
    return rgb.astype(np.float32) / scale


def _is_gray_rgb(image: np.ndarray) -> bool:
    """True for a 3+ channel image whose colour channels are all equal."""
    return bool(
        np.array_equal(image[..., 0], image[..., 1])
        and np.array_equal(image[..., 0], image[..., 2])
    )


def _error_detail(key: str, err: Exception) -> str:
    """`key: ErrorType: message`, without TensorFlow's `{{node ...}}` noise."""
    message = re.sub(r"\{\{.*?\}\}\s*", "", str(err))[:120]
    return f"{key}: {type(err).__name__}: {message}"


def inspect_image(
    key: str, data: bytes, crop: int
) -> tuple[dict[str, Any], dict[str, str], np.ndarray | None]:
    """Features, anomalies (check -> detail) and RGB pixels of one image.

    Args:
        key: `"blur"` or `"sharp"`, the prefix of the feature names.
        data: the encoded file.
        crop: the training crop; smaller images are anomalies.
    """
    feats: dict[str, Any] = {f"{key}_file_bytes": len(data)}
    try:
        fmt, depth = read_header(data)
    except Exception as err:  # noqa: BLE001 - Pillow's decompression-bomb guard
        return feats, {"undecodable": _error_detail(key, err)}, None
    feats.update({f"{key}_format": fmt, f"{key}_bit_depth": depth})
    found: dict[str, str] = {}
    if fmt not in GOOD_FORMATS:
        found["unexpected_format"] = f"{key}: {fmt}"
    if depth is not None and depth not in GOOD_BIT_DEPTHS:
        found["unexpected_bit_depth"] = f"{key}: {depth}-bit"
    try:
        image = decode_image(data, fmt, depth)
    except Exception as err:  # noqa: BLE001 - any decoder failure is an anomaly
        found["undecodable"] = _error_detail(key, err)
        return feats, found, None
    height, width, channels = image.shape
    rgb = to_rgb_float(image)
    feats.update(
        {
            f"{key}_height": height,
            f"{key}_width": width,
            f"{key}_channels": channels,
            f"{key}_mean": float(rgb.mean()),
        }
    )
    if channels < 3:
        found["grayscale"] = f"{key}: {channels} channel(s)"
    elif _is_gray_rgb(image):
        found["grayscale"] = f"{key}: 3 identical channels"
    if channels in (2, 4):
        found["alpha"] = f"{key}: {channels} channels"
    if min(height, width) < crop:
        found["too_small"] = f"{key}: {width}x{height} < {crop}"
    return feats, found, rgb
