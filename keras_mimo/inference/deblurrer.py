"""`Deblurrer`: a model ready for inference on images of any size and kind."""

import os
import sys
from collections.abc import Sequence

import keras
import numpy as np
from keras import ops

from keras_mimo.images.errors import InputImageError
from keras_mimo.images.padding import crop_to, pad_to_multiple, padded_size
from keras_mimo.inference.compiled import CompiledModel
from keras_mimo.inference.ensemble import ensemble_transforms, self_ensemble
from keras_mimo.inference.execution import choose_inference_path, with_precision
from keras_mimo.inference.layout import merge_image, split_image
from keras_mimo.inference.memory import (
    DEFAULT_MEMORY_BUDGET,
    activation_bytes_per_pixel,
    choose_tile,
    model_call_budget,
    parse_memory,
    round_tile,
    tiles_per_call,
)
from keras_mimo.inference.tiling import check_tiling, count_tiles, run_tiled
from keras_mimo.models.mimo_unet.input_check import SIZE_MULTIPLE

#: Preset used when neither `model` nor `preset` is given.
DEFAULT_PRESET = "gopro"
#: Default minimum overlap between tiles, in pixels.
DEFAULT_OVERLAP = 32


#: Models loaded from presets, most recent last (see `_load_preset`).
_preset_models: dict[tuple, keras.Model] = {}
_PRESET_CACHE_SIZE = 2


def _load_preset(preset):
    """Loads a preset's model, reusing one loaded earlier in this process.

    The cache key is the preset directory and its weights file's size and
    modification time, so a re-converted preset is loaded afresh.
    """
    from keras_mimo.models.mimo_unet.mimo_unet import MIMOUNet
    from keras_mimo.utils.preset_utils import WEIGHTS_FILE, PresetError, resolve_preset

    name = DEFAULT_PRESET if preset is None else preset
    try:
        directory, _ = resolve_preset(name)
        weights = os.stat(directory / WEIGHTS_FILE)
        key = (str(directory.resolve()), weights.st_size, weights.st_mtime_ns)
    except PresetError as error:
        if preset is not None:
            raise
        raise PresetError(
            f"No model or preset given and the default preset {DEFAULT_PRESET!r} "
            f"is not available. {error}"
        ) from None
    except OSError:
        key = None  # incomplete preset: from_preset raises the clear error
    if key in _preset_models:
        _preset_models[key] = _preset_models.pop(key)  # most recent last
        return _preset_models[key]
    model = MIMOUNet.from_preset(name)
    if key is not None:
        _preset_models[key] = model
        while len(_preset_models) > _PRESET_CACHE_SIZE:
            _preset_models.pop(next(iter(_preset_models)))
    return model


def _pil_image_class():
    """`PIL.Image.Image` if Pillow is already imported (no import otherwise)."""
    module = sys.modules.get("PIL.Image")
    return getattr(module, "Image", None)


class Deblurrer:
    """A deblurring model built once, for images of any size and kind.

    Images are reflect-padded to a multiple of 4 and cropped back, split
    into overlapping blended tiles when they exceed the memory budget,
    optionally self-ensembled, and run through a function compiled once per
    input shape (XLA on JAX, a graph or XLA on TensorFlow, eager
    `inference_mode` on PyTorch), in the precision that is fastest here
    (see `keras_mimo.inference.execution`; `path` says what was chosen).

    Args:
        model: a `keras_mimo.MIMOUNet` (or any Keras model mapping
            `(N, H, W, 3)` images in [0, 1] to a same-size image, or to a list
            ending with it).
        preset: preset name or directory, loaded when `model` is `None`
            (default: the `"gopro"` preset, if installed). A preset's model
            is loaded once per process and shared.
        tile: `None` (default) picks the tile size from `memory_budget`; an
            int or `(height, width)` (multiples of 4, ideally of 16) forces
            that tile; `0` never tiles.
        overlap: minimum overlap between neighbouring tiles (multiple of 4).
        memory_budget: working memory for deblurring one image (its
            whole-image buffers, then the model calls), in bytes or as a
            string like `"512M"`, `"1.5G"` (default 1.2 GiB). See
            `keras_mimo.inference.memory` for the estimates it is compared to.
        ensemble: 1, 4 (flips) or 8 (flips and 90 degree rotations)
            geometric self-ensemble; 8 with MIMO-UNet+ is MIMO-UNet++.
        batch_size: tiles or same-size images per model call (default: as
            many as fit the budget).
        precision: `"auto"` (default: bfloat16 where this machine computes it
            natively and it is measured faster, else float32), `"float32"`
            or `"bfloat16"`. A float32 model is run through a bfloat16 copy
            with the same weights; outputs are float32 either way.
        jit_compile: `"auto"` (default: the faster of a TensorFlow graph and
            XLA, measured once per machine), `True` (XLA) or `False`
            (graph). TensorFlow only: JAX always uses XLA, PyTorch eager.
        log: a function for progress lines, such as the one-off timing of
            the candidate paths (default: silent).

    Calling a `Deblurrer` accepts and returns:

    - a numpy array, uint8, uint16 or float in [0, 1], `(H, W)` grey,
      `(H, W, C)` with C = 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA),
      or a batch `(N, H, W, C)` -> an array of the same shape and dtype
      (float outputs are clipped to [0, 1]);
    - a `PIL.Image` (modes L, LA, RGB, RGBA, I;16, I) -> a PIL image of the
      same mode, upright if it had an EXIF orientation;
    - a file path -> the array of the upright decoded file (uint8, or uint16
      for 16-bit files), as `read_image(path).pixels`; save it with
      `keras_mimo.inference.write_image`;
    - a list of the above -> a list of results; same-size images are run
      together in batches.

    Grey images are processed as RGB and returned grey; alpha is carried
    through untouched.

    Example:
    >>> deblurrer = Deblurrer(preset="gopro", ensemble=4)
    >>> deblurrer("blurry.png").shape
    (72, 96, 3)
    >>> import numpy as np, keras_mimo
    >>> model = keras_mimo.MIMOUNet(num_res=1, width=8)
    >>> Deblurrer(model)(np.zeros((5, 7, 3), "uint8")).shape
    (5, 7, 3)
    """

    def __init__(
        self,
        model: keras.Model | None = None,
        preset: str | os.PathLike | None = None,
        *,
        tile: int | tuple[int, int] | None = None,
        overlap: int = DEFAULT_OVERLAP,
        memory_budget: int | str | None = None,
        ensemble: int = 1,
        batch_size: int | None = None,
        precision: str = "auto",
        jit_compile: bool | str = "auto",
        log=None,
    ):
        if model is not None and preset is not None:
            raise ValueError("Give either `model` or `preset`, not both.")
        ensemble_transforms(ensemble)  # validates
        self.model = model if model is not None else _load_preset(preset)
        self.ensemble = ensemble
        self.tile = None if tile is None or tile == 0 else round_tile(tile)
        self.tiling = tile != 0
        if self.tile is not None:
            check_tiling(self.tile, overlap)
        elif overlap < 0 or overlap % SIZE_MULTIPLE:
            raise ValueError(
                f"overlap must be a non-negative multiple of 4, got {overlap}"
            )
        self.overlap = overlap
        self.memory_budget = parse_memory(
            DEFAULT_MEMORY_BUDGET if memory_budget is None else memory_budget
        )
        if batch_size is not None and batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        self.batch_size = batch_size
        #: The chosen `InferencePath` (backend, precision, graph or XLA).
        self.path = choose_inference_path(self.model, precision, jit_compile, log=log)
        #: The model that runs: `model`, or its copy in `path.precision`.
        self.compute_model = with_precision(self.model, self.path.precision)
        self.bytes_per_pixel = activation_bytes_per_pixel(
            getattr(self.model, "width", 32),
            mode=self.path.mode,
            precision=self.path.precision,
        )
        self.compiled = CompiledModel.shared(self.compute_model, self.path.jit_compile)

    def describe(self, height: int, width: int) -> str:
        """The path and tiling for images of this size, on one line.

        Example:
        >>> import keras_mimo
        >>> deblurrer = Deblurrer(keras_mimo.MIMOUNet(num_res=1, width=8),
        ...                       precision="float32", jit_compile=False)
        >>> deblurrer.describe(64, 64).rsplit("; ", 1)[1]
        '64x64: whole image'
        """
        tile, batch = self.plan(height, width)
        tiles = "whole image"
        if tile is not None:
            count = self._tile_count(height, width, tile)
            tiles = f"{count} tiles of {tile[0]}x{tile[1]}, {batch} per call"
        return f"{self.path.describe()}; {width}x{height}: {tiles}"

    def count_tiles(self, height: int, width: int) -> int:
        """How many tiles an image of this size runs as (1: whole).

        Example:
        >>> import keras_mimo
        >>> deblurrer = Deblurrer(keras_mimo.MIMOUNet(num_res=1, width=8),
        ...                       tile=64, overlap=16, precision="float32",
        ...                       jit_compile=False)
        >>> deblurrer.count_tiles(100, 100), deblurrer.count_tiles(64, 64)
        (4, 1)
        """
        return self._tile_count(height, width, self.plan(height, width)[0])

    def _tile_count(self, height: int, width: int, tile) -> int:
        if tile is None:
            return 1
        padded = padded_size(height, width)
        return count_tiles(padded[0], tile[0], self.overlap) * count_tiles(
            padded[1], tile[1], self.overlap
        )

    def plan(self, height: int, width: int) -> tuple[tuple[int, int] | None, int]:
        """`(tile, batch_size)` used for images of this size.

        `tile` is `None` when the whole (padded) image runs in one call.

        Example:
        >>> import keras_mimo
        >>> deblurrer = Deblurrer(keras_mimo.MIMOUNet(num_res=1, width=8))
        >>> deblurrer.plan(64, 64)[0] is None, deblurrer.plan(4000, 6000)[0] is None
        (True, False)
        """
        height, width = padded_size(height, width)
        budget = model_call_budget(self.memory_budget, height, width)
        if not self.tiling:
            tile = None
        elif self.tile is not None:
            tile = self.tile if self.tile[0] < height or self.tile[1] < width else None
        else:
            tile = choose_tile(
                height, width, budget, self.bytes_per_pixel, self.overlap
            )
        pixels = tile[0] * tile[1] if tile else height * width
        batch = self.batch_size or tiles_per_call(pixels, budget, self.bytes_per_pixel)
        return tile, batch

    def _predict_tiles(self, batch: np.ndarray) -> np.ndarray:
        output = self_ensemble(self.compiled, batch, self.ensemble)
        return np.asarray(ops.convert_to_numpy(output), dtype=np.float32)

    def predict(self, images: np.ndarray) -> np.ndarray:
        """Deblurs a float32 RGB batch `(N, H, W, 3)` in [0, 1], any H and W.

        Returns the raw float32 network output (not clipped), same shape.

        Example:
        >>> import numpy as np, keras_mimo
        >>> deblurrer = Deblurrer(keras_mimo.MIMOUNet(num_res=1, width=8))
        >>> deblurrer.predict(np.zeros((2, 5, 9, 3), "float32")).shape
        (2, 5, 9, 3)
        """
        images = np.asarray(images, dtype=np.float32)
        height, width = images.shape[1:3]
        padded = pad_to_multiple(images)
        tile, batch = self.plan(height, width)
        tile = tile or padded.shape[1:3]
        output = run_tiled(self._predict_tiles, padded, tile, self.overlap, batch)
        return crop_to(output, height, width)

    def _deblur_array(self, array: np.ndarray, source: str) -> np.ndarray:
        rgb, alpha, layout = split_image(array, source)
        return merge_image(self.predict(rgb), alpha, layout)

    def _deblur_one(self, image, source: str):
        pil_class = _pil_image_class()
        if isinstance(image, str | os.PathLike):
            from keras_mimo.images.files import read_image

            return self._deblur_array(read_image(image).pixels, str(image))
        if pil_class is not None and isinstance(image, pil_class):
            from PIL import ImageOps

            from keras_mimo.images.files import array_to_pil, pil_to_array

            upright = ImageOps.exif_transpose(image)
            pixels = pil_to_array(upright, source)
            output = self._deblur_array(pixels, source)
            return array_to_pil(output, upright.mode, upright.info)
        if isinstance(image, list | tuple):
            raise InputImageError(
                source,
                "a nested Python list is not an image; pass a numpy array, "
                "e.g. np.asarray(pixels) (a list of images must hold arrays, "
                "paths or PIL images)",
            )
        if not isinstance(image, np.ndarray):
            image = ops.convert_to_numpy(image)
        return self._deblur_array(image, source)

    def _deblur_many(self, images: Sequence) -> list:
        """Same-size numpy images run in shared batches; others one by one."""
        results = [None] * len(images)
        groups: dict[tuple, list[int]] = {}
        prepared = {}
        for index, image in enumerate(images):
            if isinstance(image, np.ndarray) and image.ndim in (2, 3):
                prepared[index] = split_image(image, f"image {index}")
                groups.setdefault(prepared[index][0].shape, []).append(index)
            else:
                results[index] = self._deblur_one(image, f"image {index}")
        for indices in groups.values():
            batch = np.concatenate([prepared[i][0] for i in indices], axis=0)
            outputs = self.predict(batch)
            for i, output in zip(indices, outputs, strict=True):
                _, alpha, layout = prepared[i]
                results[i] = merge_image(output[None], alpha, layout)
        return results

    def __call__(self, image):
        """Deblurs an image, a batch or a list of images (see class doc)."""
        if isinstance(image, list | tuple):
            return self._deblur_many(image)
        return self._deblur_one(image, "image")


_cache: dict = {}


def deblur(
    image,
    model: keras.Model | None = None,
    preset: str | os.PathLike | None = None,
    *,
    tile: int | tuple[int, int] | None = None,
    overlap: int = DEFAULT_OVERLAP,
    memory_budget: int | str | None = None,
    ensemble: int = 1,
    batch_size: int | None = None,
    precision: str = "auto",
    jit_compile: bool | str = "auto",
):
    """Deblurs an image with a MIMO-UNet model or preset.

    A one-call form of `Deblurrer(model or preset, ...)(image)`; see
    `Deblurrer` for the arguments and for what each kind of input returns
    (array -> array of the same dtype and shape, PIL image -> PIL image,
    path -> uint8/uint16 array, list -> list). The last `Deblurrer` is kept,
    so repeated calls with the same model (or preset) and options reuse its
    compiled functions.

    Example:
    >>> import numpy as np, keras_mimo
    >>> from keras_mimo.inference import deblur
    >>> deblur("blurry.png", preset="gopro").dtype
    dtype('uint8')
    >>> model = keras_mimo.MIMOUNet(num_res=1, width=8)
    >>> deblur(np.random.rand(30, 40, 3), model, ensemble=4).shape
    (30, 40, 3)
    """
    options = dict(
        tile=tile,
        overlap=overlap,
        memory_budget=memory_budget,
        ensemble=ensemble,
        batch_size=batch_size,
        precision=precision,
        jit_compile=jit_compile,
    )
    key = (
        None if model is None else id(model),
        None if preset is None else str(preset),
        repr(sorted(options.items())),
    )
    cached = _cache.get("deblurrer")
    if (
        cached is None
        or _cache.get("key") != key
        or (model is not None and cached.model is not model)
    ):
        cached = Deblurrer(model, preset, **options)
        _cache.update(deblurrer=cached, key=key)
    return cached(image)
