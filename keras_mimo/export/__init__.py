"""Deployment export: SavedModel, TFLite/LiteRT, ONNX and OpenVINO, verified.

`export_model` runs under the TensorFlow Keras backend and writes
`savedmodels/<name>/` atomically: the artifacts, and a `manifest.json` with
file hashes, signatures, quantization and the measured agreement (PSNR) of
every artifact with the Keras model on real images, each run in its own
runtime (TensorFlow, LiteRT, ONNX Runtime, OpenVINO).

Example:
>>> import os; os.environ["KERAS_BACKEND"] = "tensorflow"  # doctest: +SKIP
>>> from keras_mimo.export import export_model  # doctest: +SKIP
>>> export_model("mimo_unet_gopro", representative_images="photos/")  # doctest: +SKIP
PosixPath('savedmodels/mimo_unet_gopro')
"""

from keras_mimo.utils.lazy import lazy_exports

_EXPORTS = {
    "export_model": "keras_mimo.export.exporter",
    "ExportError": "keras_mimo.export.errors",
    "FORMATS": "keras_mimo.export.formats",
    "DEFAULT_FORMATS": "keras_mimo.export.formats",
    "TFLiteRunner": "keras_mimo.export.tflite_runner",
    "ONNXRunner": "keras_mimo.export.onnx",
    "OpenVINORunner": "keras_mimo.export.openvino",
    "read_manifest": "keras_mimo.export.manifest",
    "check_files": "keras_mimo.export.manifest",
}

__all__ = list(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
