"""Real images for calibration and verification: loading and cropping.

Files are read exactly as `keras-mimo deblur` reads them
(`keras_mimo.inference.layout.read_rgb`: upright by EXIF orientation, 16-bit
precision kept, grey as RGB, alpha dropped), so an export is calibrated and
verified on the pixels it will be given.
"""

import os
import pathlib
from collections.abc import Iterator, Sequence

import numpy as np

from keras_mimo.images.files import IMAGE_EXTENSIONS, list_image_files
from keras_mimo.images.padding import pad_at_least
from keras_mimo.inference.layout import read_rgb

# Verification crop sizes: one divisible by 4 and two that are not, so the
# in-graph reflect padding and crop are exercised.
VERIFICATION_SIZES = ((256, 256), (250, 198), (189, 253))


def _read(path: pathlib.Path) -> np.ndarray:
    return read_rgb(path)[0]


def _as_float(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"Expected an (H, W, 3) RGB image, got shape {image.shape}.")
    if image.dtype == np.uint8:
        return image.astype(np.float32) / 255.0
    return np.clip(image.astype(np.float32), 0.0, 1.0)


def load_images(source, limit: int = 16) -> list[tuple[str, np.ndarray]]:
    """`(name, float32 (H, W, 3) in [0, 1])` pairs from a folder, files or arrays.

    `source` is a folder (searched recursively; `limit` files evenly spread
    over the sorted list are read), an image file, a sequence of files or
    arrays, or an array `(H, W, 3)` / `(N, H, W, 3)`; uint8 arrays are scaled
    by 1/255.

    Example:
    >>> [name for name, _ in load_images(np.zeros((2, 8, 8, 3), np.uint8))]
    ['array_0', 'array_1']
    """
    if isinstance(source, np.ndarray):
        batch = source if source.ndim == 4 else source[None]
        return [(f"array_{i}", _as_float(image)) for i, image in enumerate(batch)][
            :limit
        ]
    if isinstance(source, (str, os.PathLike)):
        path = pathlib.Path(source)
        if path.is_dir():
            files = list_image_files(path, recursive=True)
            if not files:
                raise FileNotFoundError(
                    f"No images ({', '.join(IMAGE_EXTENSIONS)}) in {path}."
                )
            if len(files) > limit:
                picks = np.linspace(0, len(files) - 1, limit).round().astype(int)
                files = [files[i] for i in sorted(set(picks))]
            return [(str(p.relative_to(path)), _read(p)) for p in files]
        if not path.is_file():
            raise FileNotFoundError(f"Image source {path} does not exist.")
        return [(path.name, _read(path))]
    items: list[tuple[str, np.ndarray]] = []
    for i, item in enumerate(source):
        if isinstance(item, (str, os.PathLike)):
            items.append((pathlib.Path(item).name, _read(pathlib.Path(item))))
        else:
            items.append((f"array_{i}", _as_float(item)))
    if not items:
        raise ValueError("No images given.")
    return items[:limit]


def calibration_batches(
    images: Sequence[np.ndarray], count: int, size: int, seed: int = 0
) -> Iterator[np.ndarray]:
    """`count` random `[1, size, size, 3]` float32 crops, cycling over `images`."""
    rng = np.random.default_rng(seed)
    for i in range(count):
        image = pad_at_least(images[i % len(images)], size, size)
        top = rng.integers(0, image.shape[0] - size + 1)
        left = rng.integers(0, image.shape[1] - size + 1)
        yield np.ascontiguousarray(image[None, top : top + size, left : left + size])


def verification_crops(
    images: Sequence[tuple[str, np.ndarray]],
    count: int,
    sizes: Sequence[tuple[int, int]] = VERIFICATION_SIZES,
) -> list[tuple[str, np.ndarray]]:
    """`count` centre crops (sizes cycling over `sizes`), one per image in turn."""
    crops = []
    for i in range(count):
        name, image = images[i % len(images)]
        height, width = sizes[i % len(sizes)]
        image = pad_at_least(image, height, width)
        top = (image.shape[0] - height) // 2
        left = (image.shape[1] - width) // 2
        crop = np.ascontiguousarray(image[top : top + height, left : left + width])
        crops.append((f"{name}[{top}:{top + height},{left}:{left + width}]", crop))
    return crops
