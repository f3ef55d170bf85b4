"""TFLite conversion of the batch-1 TFLite source SavedModel, per variant."""

import os
from collections.abc import Callable, Iterable

import numpy as np
import tensorflow as tf

CONVERTER_SETTINGS = {
    "tflite_float32": {},
    "tflite_float16": {"optimize": True, "supported_types": [tf.float16]},
    "tflite_dynamic_int8": {"optimize": True},
    "tflite_int8": {
        "optimize": True,
        "calibrate": True,
        "supported_ops": [tf.lite.OpsSet.TFLITE_BUILTINS_INT8],
    },
}


def convert_tflite(
    source_dir: str | os.PathLike,
    variant: str,
    representative_images: Callable[[], Iterable[np.ndarray]] | None = None,
) -> bytes:
    """Converts a SavedModel to one TFLite variant; returns the flatbuffer.

    Args:
        source_dir: SavedModel whose `serving_default` takes `[1, H, W, 3]`.
        variant: a key of `CONVERTER_SETTINGS`.
        representative_images: for `tflite_int8`, a callable yielding float32
            `[1, h, w, 3]` batches (calibration crops).

    Full int8 keeps float32 input and output (a QUANTIZE op on entry, a
    DEQUANTIZE on exit), so every TFLite variant is called the same way.

    Example:
    >>> blob = convert_tflite("tflite_source", "tflite_float16")  # doctest: +SKIP
    """
    settings = CONVERTER_SETTINGS[variant]
    converter = tf.lite.TFLiteConverter.from_saved_model(str(source_dir))
    if settings.get("optimize"):
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if "supported_types" in settings:
        converter.target_spec.supported_types = settings["supported_types"]
    if "supported_ops" in settings:
        converter.target_spec.supported_ops = settings["supported_ops"]
    if settings.get("calibrate"):
        if representative_images is None:
            raise ValueError(f"{variant} needs representative images to calibrate.")

        def dataset():
            for batch in representative_images():
                yield [np.asarray(batch, np.float32)]

        converter.representative_dataset = dataset
        converter.inference_input_type = tf.float32
        converter.inference_output_type = tf.float32
    return converter.convert()
