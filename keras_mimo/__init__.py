"""keras-mimo: MIMO-UNet single-image motion deblurring for Keras 3.

Names are imported lazily, so `import keras_mimo.cli` (or setting
`KERAS_BACKEND` after `import keras_mimo`) does not import Keras before the
backend is chosen. When Keras is already imported (its backend is then fixed),
`import keras_mimo` registers the serializable classes (model, layers, losses,
metrics) at once, so `keras.saving.load_model` reads the `.keras` files that
`training/fit.py` writes (`best.keras`, checkpoints) with no further step.

Example:
>>> import keras_mimo
>>> model = keras_mimo.MIMOUNet.from_variant("mimo_unet")
>>> model.count_params()
6807171
"""

import importlib
import sys

from keras_mimo.utils.lazy import lazy_exports
from keras_mimo.version import __version__

_EXPORTS = {
    "layers": "keras_mimo.layers",
    "inference": "keras_mimo.inference",
    "data": "keras_mimo.data",
    "export": "keras_mimo.export",
    "export_model": "keras_mimo.export.exporter",
    "ExportError": "keras_mimo.export.errors",
    "deblur": "keras_mimo.inference.deblurrer",
    "Deblurrer": "keras_mimo.inference.deblurrer",
    "InputImageError": "keras_mimo.images.errors",
    "OutputPathError": "keras_mimo.images.errors",
    "MIMOUNet": "keras_mimo.models.mimo_unet.mimo_unet",
    "ImageShapeError": "keras_mimo.models.mimo_unet.input_check",
    "convert_checkpoint": "keras_mimo.models.mimo_unet.mimo_unet_conversion",
    "CheckpointError": "keras_mimo.models.mimo_unet.mimo_unet_conversion",
    "ContentLoss": "keras_mimo.losses",
    "FrequencyLoss": "keras_mimo.losses",
    "MIMOLoss": "keras_mimo.losses",
    "multiscale_loss": "keras_mimo.losses",
    "multiscale_targets": "keras_mimo.losses",
    "PSNR": "keras_mimo.metrics",
    "SSIM": "keras_mimo.metrics",
    "psnr": "keras_mimo.metrics",
    "ssim": "keras_mimo.metrics",
    "list_presets": "keras_mimo.presets",
    "PresetError": "keras_mimo.utils.preset_utils",
}

__all__ = ["__version__", *_EXPORTS]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())

if "keras" in sys.modules:
    # The model's module imports (and so registers) its layers, losses and metrics.
    importlib.import_module(_EXPORTS["MIMOUNet"])
