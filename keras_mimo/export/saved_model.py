"""SavedModel writing: serving signatures with dynamic batch, height, width."""

import os

import keras
import tensorflow as tf

from keras_mimo.export.graph import OUTPUT_KEY, deblur_float, deblur_uint8

INPUT_NAME = "images"

SIGNATURES = {
    "serving_default": {
        "inputs": {INPUT_NAME: {"dtype": "float32", "shape": [None, None, None, 3]}},
        "outputs": {OUTPUT_KEY: {"dtype": "float32", "shape": [None, None, None, 3]}},
        "range": "[0, 1]",
    },
    "serving_uint8": {
        "inputs": {INPUT_NAME: {"dtype": "uint8", "shape": [None, None, None, 3]}},
        "outputs": {OUTPUT_KEY: {"dtype": "uint8", "shape": [None, None, None, 3]}},
        "range": "[0, 255]",
    },
}


def write_saved_model(model, directory: str | os.PathLike) -> None:
    """Writes `model` as a SavedModel with `serving_default` and `serving_uint8`.

    Both take RGB NHWC images of any batch, height and width (H, W >= 4) and
    return `{"deblurred": image}` in the input's dtype and range, clipped.

    Example:
    >>> write_saved_model(model, "out/saved_model")  # doctest: +SKIP
    >>> tf.saved_model.load("out/saved_model").signatures["serving_uint8"]  # doctest: +SKIP
    """
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(
        "serving_default",
        lambda images: {OUTPUT_KEY: deblur_float(model, images)},
        input_signature=[tf.TensorSpec([None, None, None, 3], tf.float32, INPUT_NAME)],
    )
    archive.add_endpoint(
        "serving_uint8",
        lambda images: {OUTPUT_KEY: deblur_uint8(model, images)},
        input_signature=[tf.TensorSpec([None, None, None, 3], tf.uint8, INPUT_NAME)],
    )
    archive.write_out(str(directory), verbose=False)


def write_tflite_source(model, directory: str | os.PathLike) -> None:
    """A batch-1 float32 SavedModel: the TFLite converter's input."""
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(
        "serving_default",
        lambda images: {OUTPUT_KEY: deblur_float(model, images)},
        input_signature=[tf.TensorSpec([1, None, None, 3], tf.float32, INPUT_NAME)],
    )
    archive.write_out(str(directory), verbose=False)


class SavedModelRunner:
    """Runs one image through a loaded SavedModel signature (for verification)."""

    def __init__(self, directory: str | os.PathLike, signature: str):
        self._loaded = tf.saved_model.load(str(directory))
        self._fn = self._loaded.signatures[signature]

    def __call__(self, image):
        output = self._fn(**{INPUT_NAME: tf.constant(image[None])})[OUTPUT_KEY]
        return output.numpy()[0]
