"""Inference: deblur images of any size and kind, tiled and ensembled.

Example:
>>> from keras_mimo.inference import Deblurrer, deblur
>>> sharp = deblur("blurry.png", preset="gopro")  # doctest: +SKIP
>>> deblurrer = Deblurrer(preset="gopro", ensemble=8, memory_budget="1G")  # doctest: +SKIP
>>> outputs = deblurrer(["a.png", "b.png"])  # doctest: +SKIP

Nothing here imports a deep-learning framework until a model is run, and
Pillow is imported only for files and PIL images.
"""

import importlib

_EXPORTS = {
    "Deblurrer": "keras_mimo.inference.deblurrer",
    "deblur": "keras_mimo.inference.deblurrer",
    "DEFAULT_PRESET": "keras_mimo.inference.deblurrer",
    "InputImageError": "keras_mimo.inference.errors",
    "OutputPathError": "keras_mimo.inference.errors",
    "ImageFile": "keras_mimo.inference.image_io",
    "read_image": "keras_mimo.inference.image_io",
    "write_image": "keras_mimo.inference.image_io",
    "self_ensemble": "keras_mimo.inference.ensemble",
    "run_tiled": "keras_mimo.inference.tiling",
    "choose_tile": "keras_mimo.inference.memory",
    "activation_bytes_per_pixel": "keras_mimo.inference.memory",
    "DEFAULT_MEMORY_BUDGET": "keras_mimo.inference.memory",
    "find_pairs": "keras_mimo.inference.evaluation",
    "evaluate_pairs": "keras_mimo.inference.evaluation",
}

__all__ = list(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'keras_mimo.inference' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
