"""The pixel limit that every image decoder in keras_mimo enforces.

A small compressed file can expand to an enormous image (a "decompression
bomb": a few kB of PNG for 196 Mpx of 16-bit RGB). Each decoder reads the
size from the file's header and refuses an image above the limit before
decoding it: `keras_mimo.inference.read_image` (Pillow and the 16-bit PNG
codec), and the training readers' header check (`keras_mimo.data`).

The default is Pillow's own error threshold, `2 * PIL.Image.MAX_IMAGE_PIXELS`
(178,956,970 pixels, e.g. 16,000 x 11,000). Set `KERAS_MIMO_MAX_PIXELS` to
another number of pixels, or to 0 for no limit. Pillow applies its own
limit to the formats it decodes as well: to go above it, also raise
`PIL.Image.MAX_IMAGE_PIXELS`.
"""

import os

ENV_VAR = "KERAS_MIMO_MAX_PIXELS"
DEFAULT_MAX_PIXELS = 178_956_970


def max_image_pixels() -> int | None:
    """The limit in pixels, or None for no limit (`KERAS_MIMO_MAX_PIXELS=0`).

    Raises:
        ValueError: `KERAS_MIMO_MAX_PIXELS` is not a non-negative integer.

    Example:
    >>> max_image_pixels() > 0
    True
    """
    text = os.environ.get(ENV_VAR, "").strip()
    if not text:
        return DEFAULT_MAX_PIXELS
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise ValueError(
            f"{ENV_VAR}={text!r}: must be a number of pixels (0 for no limit)"
        )
    return value or None


def pixel_limit_problem(width: int, height: int) -> str | None:
    """Why a `width x height` image is refused, or None when it is allowed."""
    limit = max_image_pixels()
    if limit is None or width * height <= limit:
        return None
    return (
        f"{width}x{height} = {width * height:,} pixels exceeds the limit of "
        f"{limit:,} pixels (a decompression bomb?); set {ENV_VAR} to allow it"
    )
