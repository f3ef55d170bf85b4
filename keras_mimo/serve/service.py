"""`DeblurService`: what the web page does with one upload, without Gradio.

Kept apart from the page so it can be tested and reused: read the upload
like `keras-mimo deblur`, run the same `Deblurrer`, write the full-resolution
result in the upload's format and bit depth, and make 8-bit previews.
"""

import os
import pathlib
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: Longest side of the before/after previews sent to the browser (the
#: download keeps the full resolution).
PREVIEW_SIDE = 2048


@dataclass
class Result:
    """One deblurred upload."""

    before: np.ndarray  # 8-bit RGB preview of the upload
    after: np.ndarray  # 8-bit RGB preview of the result
    path: pathlib.Path  # full-resolution result, upload's format and depth
    seconds: float
    tiles: int  # model tiles per image (1: whole image in one call)
    compute: str = ""  # how it ran, e.g. "tensorflow graph, bfloat16"


def preview(pixels: np.ndarray, side: int = PREVIEW_SIDE) -> np.ndarray:
    """An 8-bit RGB copy, reduced (box filter) so its longest side <= `side`.

    Example:
    >>> preview(np.zeros((10, 4000, 3), np.uint16)).shape
    (5, 2000, 3)
    """
    from keras_mimo.inference.layout import quantize, split_image

    rgb = quantize(split_image(pixels)[0][0], np.uint8)
    step = -(-max(rgb.shape[:2]) // side)
    if step > 1:
        from PIL import Image

        size = (max(1, rgb.shape[1] // step), max(1, rgb.shape[0] // step))
        rgb = np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BOX))
    return rgb


class DeblurService:
    """Deblurs uploaded files with `Deblurrer`s built once per choice.

    Args:
        memory_budget: `Deblurrer` working memory per image; large
            photos are tiled to stay inside it.
        output_dir: where results are written (default: a new temporary
            folder, removed by the OS's temp clean-up).

    Example:
    >>> service = DeblurService(output_dir="served")
    >>> result = service.deblur("photo.jpg", "gopro", ensemble=1)
    >>> result.path.name, result.after.shape
    ('photo_deblurred.jpg', (72, 96, 3))
    """

    def __init__(self, memory_budget=None, output_dir: str | os.PathLike | None = None):
        self.memory_budget = memory_budget
        self.output_dir = pathlib.Path(
            output_dir or tempfile.mkdtemp(prefix="keras_mimo_serve_")
        )
        self.output_dir.mkdir(parents=True, exist_ok=True)
        self._deblurrers: dict[tuple, object] = {}

    def deblurrer(self, preset: str, ensemble: int = 1, precision: str = "auto"):
        """The `Deblurrer` for these choices (loaded on first use, then kept)."""
        key = (preset, int(ensemble), precision)
        if key not in self._deblurrers:
            from keras_mimo.inference.deblurrer import Deblurrer

            self._deblurrers[key] = Deblurrer(
                preset=preset,
                ensemble=int(ensemble),
                memory_budget=self.memory_budget,
                precision=precision,
            )
        return self._deblurrers[key]

    def deblur(
        self,
        path: str | os.PathLike,
        preset: str,
        ensemble: int = 1,
        precision: str = "auto",
        progress: Callable[[float, str], None] | None = None,
        name: str | None = None,
    ) -> Result:
        """Deblurs one uploaded file; raises `InputImageError` for a bad file.

        `name` is the file name the user uploaded (errors and the result's
        name use it); `progress(fraction, message)` is told each step.
        """
        from keras_mimo.images.errors import InputImageError
        from keras_mimo.images.files import (
            format_for_path,
            read_image,
            write_image,
        )

        name = name or pathlib.Path(path).name
        report = progress or (lambda fraction, message: None)
        report(0.05, "Reading the image")
        try:
            image = read_image(path)
        except InputImageError as error:
            raise InputImageError(name, error.problem) from None
        deblurrer = self.deblurrer(preset, ensemble, precision)
        height, width = image.pixels.shape[:2]
        tiles = deblurrer.count_tiles(height, width)
        report(0.15, f"Deblurring {width}x{height} ({tiles} tile(s))")
        start = time.perf_counter()
        output = deblurrer(image.pixels)
        seconds = time.perf_counter() - start
        report(0.9, "Writing the result")
        stem, suffix = os.path.splitext(name)
        try:
            format_for_path(name)
        except ValueError:  # an image with a surprising extension: keep its format
            suffix = {"JPEG": ".jpg", "TIFF": ".tif"}.get(image.format, ".png")
        folder = pathlib.Path(tempfile.mkdtemp(dir=self.output_dir))
        target = folder / f"{stem}_deblurred{suffix}"
        write_image(target, output, image.format, image.info)
        return Result(
            preview(image.pixels),
            preview(output),
            target,
            seconds,
            tiles,
            deblurrer.path.label,
        )
