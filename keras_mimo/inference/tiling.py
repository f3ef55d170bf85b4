"""Overlapping tiles with smooth blending, for images too large for one pass.

Tiles are `tile_height x tile_width` windows whose top-left corners are
multiples of 4 (the network's downsampling grid, so every tile samples the
image exactly as one whole-image pass would); neighbours overlap by at least
`overlap` pixels and the last tile of a row/column is aligned to the image
end, so all tiles have one shape (one compiled function).

Blending: along each axis a tile's weight is 1 except over the `overlap`
pixels next to a cut (an edge inside the image), where it is 0 over the
outer quarter (pixels most affected by the tile's zero padding are
discarded), rises as a raised cosine over the middle half and is 1 over the
inner quarter. A tile's 2-D weight is the product of its two axis weights;
the blended image is `sum(weight * tile_output) / sum(weight)`, which is
positive everywhere because each cut is covered by a neighbour at full
weight.

Example:
>>> import numpy as np
>>> images = np.random.rand(1, 40, 64, 3).astype("float32")
>>> out = run_tiled(lambda batch: batch, images, tile=(24, 32), overlap=8)
>>> bool(np.allclose(out, images, atol=1e-6))
True
"""

import math
from collections.abc import Callable

import numpy as np

from keras_mimo.models.mimo_unet.input_check import SIZE_MULTIPLE


def tile_starts(size: int, tile: int, overlap: int) -> list[int]:
    """Tile start offsets along an axis of `size` pixels.

    Example:
    >>> tile_starts(100, 40, 8)
    [0, 32, 60]
    """
    if tile >= size:
        return [0]
    stride = tile - overlap
    starts = list(range(0, size - tile, stride))
    return starts + [size - tile]


def count_tiles(size: int, tile: int, overlap: int) -> int:
    """`len(tile_starts(size, tile, overlap))` without building the list."""
    if tile >= size:
        return 1
    return math.ceil((size - tile) / (tile - overlap)) + 1


def _ramp(overlap: int) -> np.ndarray:
    """Weights rising from 0 to 1 over `overlap` pixels (see module doc)."""
    margin = overlap // 4
    position = np.arange(overlap, dtype=np.float64) + 0.5
    t = np.clip((position - margin) / max(overlap - 2 * margin, 1), 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * t)


def axis_window(
    length: int, overlap: int, cut_start: bool, cut_end: bool
) -> np.ndarray:
    """1-D blending weights of a tile; ramps only where the tile edge is a cut."""
    window = np.ones(length, dtype=np.float64)
    if overlap:
        ramp = _ramp(min(overlap, length))
        if cut_start:
            window[: len(ramp)] *= ramp
        if cut_end:
            window[length - len(ramp) :] *= ramp[::-1]
    return window.astype(np.float32)


def check_tiling(
    tile: tuple[int, int], overlap: int, size: tuple[int, int] | None = None
) -> None:
    """Raises `ValueError` for a tile size or overlap the network cannot use.

    With `size` (the image's), only sides that actually cut the image must
    be more than twice the overlap.
    """
    if any(t <= 0 or t % SIZE_MULTIPLE for t in tile):
        raise ValueError(
            f"tile sizes must be positive multiples of {SIZE_MULTIPLE}, got {tile}"
        )
    if overlap < 0 or overlap % SIZE_MULTIPLE:
        raise ValueError(
            f"overlap must be a non-negative multiple of {SIZE_MULTIPLE}, got {overlap}"
        )
    cut = [t for i, t in enumerate(tile) if size is None or t < size[i]]
    if cut and 2 * overlap >= min(cut):
        raise ValueError(f"overlap {overlap} must be less than half the tile {tile}")


def run_tiled(
    predict: Callable[[np.ndarray], np.ndarray],
    images: np.ndarray,
    tile: tuple[int, int],
    overlap: int,
    batch_size: int = 1,
) -> np.ndarray:
    """Runs `predict` on overlapping tiles of `images` and blends the outputs.

    Args:
        predict: maps a float32 `(B, th, tw, 3)` batch to an output of the same
            shape (numpy).
        images: `(N, H, W, 3)` float32 with H, W multiples of 4.
        tile: `(tile_height, tile_width)`, multiples of 4; clamped to the image.
        overlap: minimum overlap between neighbouring tiles (multiple of 4).
        batch_size: tiles per `predict` call. The last call is padded with
            repeats of its last tile, so every call has the same shape.

    Returns:
        `(N, H, W, 3)` float32.
    """
    count, height, width, channels = images.shape
    check_tiling(tile, overlap, (height, width))
    tile_h, tile_w = min(tile[0], height), min(tile[1], width)
    rows, columns = (
        tile_starts(height, tile_h, overlap),
        tile_starts(width, tile_w, overlap),
    )
    if len(rows) == len(columns) == 1:
        return _run_batches(predict, images, batch_size)

    # A tile's window depends only on which of its edges are cuts: at most
    # 16 distinct windows, however many tiles.
    shapes, windows = {}, {}
    for y in rows:
        for x in columns:
            cuts = (y > 0, y + tile_h < height, x > 0, x + tile_w < width)
            if cuts not in shapes:
                wy = axis_window(tile_h, overlap, cuts[0], cuts[1])
                wx = axis_window(tile_w, overlap, cuts[2], cuts[3])
                shapes[cuts] = (wy[:, None] * wx[None, :])[..., None]
            windows[y, x] = shapes[cuts]
    normaliser = np.zeros((height, width, 1), np.float32)
    for (y, x), window in windows.items():
        normaliser[y : y + tile_h, x : x + tile_w] += window

    output = np.zeros((count, height, width, channels), np.float32)
    jobs = [(n, y, x) for n in range(count) for y in rows for x in columns]
    for first in range(0, len(jobs), batch_size):
        chunk = jobs[first : first + batch_size]
        batch = np.stack(
            [images[n, y : y + tile_h, x : x + tile_w] for n, y, x in chunk]
        )
        predictions = predict(_pad_batch(batch, batch_size))
        for (n, y, x), prediction in zip(chunk, predictions, strict=False):
            output[n, y : y + tile_h, x : x + tile_w] += windows[y, x] * prediction
    output /= normaliser
    return output


def _pad_batch(batch: np.ndarray, batch_size: int) -> np.ndarray:
    if len(batch) == batch_size:
        return batch
    repeats = np.repeat(batch[-1:], batch_size - len(batch), axis=0)
    return np.concatenate([batch, repeats], axis=0)


def _run_batches(predict, images: np.ndarray, batch_size: int) -> np.ndarray:
    """Whole images, `batch_size` at a time (last batch padded to the shape)."""
    if len(images) <= batch_size:
        batch_size = len(images)
    outputs = []
    for first in range(0, len(images), batch_size):
        batch = images[first : first + batch_size]
        outputs.append(np.asarray(predict(_pad_batch(batch, batch_size)))[: len(batch)])
    return outputs[0] if len(outputs) == 1 else np.concatenate(outputs, axis=0)
