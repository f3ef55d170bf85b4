"""Choosing a tile size from a memory budget.

Peak working memory of one MIMO-UNet forward pass grows linearly with the
number of input pixels. `benchmarks/activation_memory.py` measures it (peak
RSS above the loaded model, steepest slope over 256x256, 432x768 and
1280x720 inputs, MIMO-UNet `width=32`) as about

    bytes per pixel = K[backend, mode, precision] * width * batch

with K (AMD EPYC Zen 5, 2 cores) of 32 for a TensorFlow graph in float32
and 15 in bfloat16, 36 and 32 for TensorFlow's XLA (XLA computes bfloat16
convolutions in float32), 25 for JAX (XLA; 21 with the native convolutions
of `keras_mimo.kernels`; 29 in bfloat16) and 68 for PyTorch (eager,
channels-last convolutions; 41 in bfloat16; repeated runs vary by about 3
either way, so the table keeps 70 and 42): roughly 4 to 20 full-resolution
feature maps of `width` channels alive at once. `num_res` hardly matters
(residual blocks run one after the other and reuse memory), so MIMO-UNet+
has the same estimate. An image (or tile) of H x W pixels fits a budget B
when `H * W * bytes_per_pixel <= B`.

`choose_tile` picks the tile shape (multiples of 16, or the whole padded
image side) that fits the budget and needs the least total computation
including overlaps, within what `model_call_budget` leaves after the
whole-image buffers. With the default 1.2 GiB budget a 1280x720 frame runs
whole on every backend but PyTorch (whole there would pass 1.5 GB of
resident memory), and a 1920x1080 one whole on TensorFlow's bfloat16 graph;
a larger budget would take `keras-mimo deblur` past 2 GB at 3840x2160.
"""

import re

import keras

from keras_mimo.inference.tiling import count_tiles
from keras_mimo.models.mimo_unet.input_check import SIZE_MULTIPLE

#: Bytes of working memory per input pixel per channel of `width`, by
#: backend, compile mode (see `InferencePath.mode`) and precision.
BYTES_PER_PIXEL_PER_CHANNEL = {
    ("tensorflow", "graph", "float32"): 32,
    ("tensorflow", "graph", "bfloat16"): 15,
    ("tensorflow", "XLA", "float32"): 36,
    ("tensorflow", "XLA", "bfloat16"): 32,
    ("jax", "XLA", "float32"): 25,
    ("jax", "XLA", "bfloat16"): 29,
    ("torch", "eager", "float32"): 70,
    ("torch", "eager", "bfloat16"): 42,
}
#: Default working-memory budget: keeps `keras-mimo deblur` under 1.5 GB of
#: resident memory for 1280x720 images and under 2 GB for 3840x2160 ones
#: (measured up to 1.85 GB, TensorFlow bf16 graph at 4K), and runs 1920x1080
#: whole on TensorFlow's bfloat16 graph (it needs 1.10 GiB).
DEFAULT_MEMORY_BUDGET = int(1.2 * 2**30)
#: Bytes per image pixel of the whole-image buffers a call keeps besides the
#: model's (decoded file, float32 input, padded copy, blend accumulators,
#: output): fitted to peak RSS of `keras-mimo deblur` at 1280x720 and
#: 3840x2160 (TensorFlow, AMD EPYC Zen 5).
IMAGE_BYTES_PER_PIXEL = 88
#: Automatically chosen tile sides are multiples of this.
TILE_MULTIPLE = 16

_UNITS = {"": 1, "b": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


def parse_memory(value: int | float | str) -> int:
    """Bytes from a number or a string such as `"512M"`, `"1.5GB"`, `"2GiB"`.

    Units are binary (1K = 1024 bytes).

    Example:
    >>> parse_memory("1.5G"), parse_memory(4096)
    (1610612736, 4096)
    """
    if isinstance(value, int | float):
        size = float(value)
    else:
        match = re.fullmatch(
            r"\s*([0-9]*\.?[0-9]+)\s*([kmgt]?)(i?b)?\s*", str(value), re.IGNORECASE
        )
        if not match:
            raise ValueError(
                f"cannot read memory size {value!r}; use e.g. 512M, 1.5G or bytes"
            )
        size = float(match.group(1)) * _UNITS[match.group(2).lower()]
    if not size > 0:
        raise ValueError(f"memory budget must be positive, got {value!r}")
    return int(size)


def activation_bytes_per_pixel(
    width: int = 32,
    backend: str | None = None,
    mode: str | None = None,
    precision: str = "float32",
) -> int:
    """Estimated peak working memory of one forward pass per input pixel.

    Args:
        width: the model's channel width.
        backend: default: the Keras backend.
        mode: `"graph"`, `"XLA"` or `"eager"` (default: the backend's usual
            one: XLA on JAX and TensorFlow, eager on PyTorch).
        precision: `"float32"` or `"bfloat16"`.

    Example:
    >>> activation_bytes_per_pixel(32, "jax")
    800
    >>> activation_bytes_per_pixel(32, "tensorflow", "graph", "bfloat16")
    480
    """
    backend = backend or keras.config.backend()
    mode = mode or ("eager" if backend == "torch" else "XLA")
    fallback = max(BYTES_PER_PIXEL_PER_CHANNEL.values())
    per_channel = BYTES_PER_PIXEL_PER_CHANNEL.get((backend, mode, precision), fallback)
    return int(per_channel * width)


def _candidates(size: int, smallest: int) -> list[int]:
    sides = list(range(smallest, size, TILE_MULTIPLE))
    return sides + [size]


def choose_tile(
    height: int,
    width: int,
    budget: int,
    bytes_per_pixel: int,
    overlap: int,
) -> tuple[int, int] | None:
    """The cheapest tile shape that fits `budget`, or `None` if the image fits.

    Args:
        height, width: padded image size (multiples of 4).
        budget: working-memory budget in bytes.
        bytes_per_pixel: from `activation_bytes_per_pixel`.
        overlap: overlap between tiles in pixels.

    Returns:
        `None` when the whole image fits the budget, else `(tile_h, tile_w)`:
        each side a multiple of 16 (or the whole image side), at least
        `2 * overlap + 16`, minimising the pixels computed over all tiles
        (ties: fewer tiles). When even the smallest tile exceeds the budget,
        the smallest tile is returned.

    Example:
    >>> choose_tile(720, 1280, 2**30, 2592, overlap=32)
    (272, 1280)
    """
    max_pixels = budget // max(bytes_per_pixel, 1)
    if height * width <= max_pixels:
        return None
    smallest = (2 * overlap) // TILE_MULTIPLE * TILE_MULTIPLE + TILE_MULTIPLE
    best, best_cost = None, None
    for tile_h in _candidates(height, smallest):
        limit = max_pixels // tile_h
        if width <= limit:
            tile_w = width
        else:
            tile_w = max(limit // TILE_MULTIPLE * TILE_MULTIPLE, smallest)
            tile_w = min(tile_w, width)
        if tile_h * tile_w > max_pixels and (tile_h > smallest or tile_w > smallest):
            continue
        tiles = count_tiles(height, tile_h, overlap) * count_tiles(
            width, tile_w, overlap
        )
        cost = (tiles * tile_h * tile_w, tiles)
        if best_cost is None or cost < best_cost:
            best, best_cost = (tile_h, tile_w), cost
    return best or (smallest, smallest)


def model_call_budget(budget: int, height: int, width: int) -> int:
    """What is left of `budget` for model calls on an image of this size.

    The whole-image buffers (`IMAGE_BYTES_PER_PIXEL`) come first, so a 4K
    photo runs in smaller tiles than a 720p frame; at least a quarter of the
    budget is always left.

    Example:
    >>> model_call_budget(2**30, 720, 1280) / 2**20
    946.65625
    """
    return max(budget - IMAGE_BYTES_PER_PIXEL * height * width, budget // 4)


def tiles_per_call(tile_pixels: int, budget: int, bytes_per_pixel: int) -> int:
    """How many tiles (or images) of `tile_pixels` one call can take."""
    return max(1, budget // max(tile_pixels * bytes_per_pixel, 1))


def round_tile(tile: int | tuple[int, int]) -> tuple[int, int]:
    """An explicit tile size as `(height, width)`."""
    if isinstance(tile, int):
        tile = (tile, tile)
    tile = tuple(int(t) for t in tile)
    if len(tile) != 2 or any(t % SIZE_MULTIPLE or t <= 0 for t in tile):
        raise ValueError(
            f"tile must be a positive multiple of {SIZE_MULTIPLE} or a "
            f"(height, width) pair of them, got {tile}"
        )
    return tile
