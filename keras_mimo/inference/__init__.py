"""Inference: deblur images of any size and kind, tiled and ensembled.

Example:
>>> from keras_mimo.inference import Deblurrer, deblur
>>> sharp = deblur("blurry.png", preset="gopro")
>>> deblurrer = Deblurrer(preset="gopro", ensemble=8, memory_budget="1G")
>>> [output.shape for output in deblurrer(["a.png", "b.png"])]
[(72, 96, 3), (72, 96, 3)]

Nothing here imports a deep-learning framework until a model is run, and
Pillow is imported only for files and PIL images.
"""

from keras_mimo.utils.lazy import lazy_exports

_EXPORTS = {
    "Deblurrer": "keras_mimo.inference.deblurrer",
    "deblur": "keras_mimo.inference.deblurrer",
    "DEFAULT_PRESET": "keras_mimo.inference.deblurrer",
    "InputImageError": "keras_mimo.images.errors",
    "OutputPathError": "keras_mimo.images.errors",
    "ImageFile": "keras_mimo.images.files",
    "read_image": "keras_mimo.images.files",
    "write_image": "keras_mimo.images.files",
    "self_ensemble": "keras_mimo.inference.ensemble",
    "run_tiled": "keras_mimo.inference.tiling",
    "choose_tile": "keras_mimo.inference.memory",
    "activation_bytes_per_pixel": "keras_mimo.inference.memory",
    "DEFAULT_MEMORY_BUDGET": "keras_mimo.inference.memory",
    "find_pairs": "keras_mimo.images.pairs",
    "evaluate_pairs": "keras_mimo.inference.evaluation",
}

__all__ = list(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
