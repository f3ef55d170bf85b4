"""ONNX export (tf2onnx) and an ONNX Runtime runner for verification."""

import os

import numpy as np

from keras_mimo.export.graph import OUTPUT_KEY
from keras_mimo.export.saved_model import INPUT_NAME

#: ONNX opset of the exported graph (ONNX Runtime >= 1.12, OpenVINO read it).
OPSET = 17
#: Names given to the dynamic axes of the input and output.
AXES = ("batch", "height", "width")

SIGNATURE = {
    "inputs": {INPUT_NAME: {"dtype": "float32", "shape": [*AXES, 3]}},
    "outputs": {OUTPUT_KEY: {"dtype": "float32", "shape": [*AXES, 3]}},
    "range": "[0, 1]",
    "opset": OPSET,
}


def onnx_model(model, opset: int = OPSET):
    """The deployment graph of `model` as an ONNX `ModelProto`.

    The graph is the SavedModel's `serving_default` (`graph.deblur_float`):
    float32 NHWC RGB in [0, 1], dynamic batch, height and width, reflect
    padding to a multiple of 4 and the crop back inside, output clipped.
    """
    import tensorflow as tf
    import tf2onnx

    from keras_mimo.export.graph import deblur_float

    spec = tf.TensorSpec([None, None, None, 3], tf.float32, INPUT_NAME)
    function = tf.function(
        lambda images: {OUTPUT_KEY: deblur_float(model, images)},
        input_signature=[spec],
    )
    proto, _ = tf2onnx.convert.from_function(
        function, input_signature=[spec], opset=opset
    )
    for value in (*proto.graph.input, *proto.graph.output):
        dims = value.type.tensor_type.shape.dim
        for dim, name in zip(dims, AXES, strict=False):
            dim.dim_param = name
    return proto


def write_onnx(model, path: str | os.PathLike, opset: int = OPSET) -> None:
    """Writes `model` as one self-contained `.onnx` file (see `onnx_model`).

    Example:
    >>> write_onnx(model, "out/model.onnx")  # doctest: +SKIP
    >>> import onnxruntime  # doctest: +SKIP
    >>> session = onnxruntime.InferenceSession("out/model.onnx")  # doctest: +SKIP
    >>> sharp = session.run(None, {"images": blurry[None]})[0][0]  # doctest: +SKIP
    """
    import onnx

    onnx.save(onnx_model(model, opset), str(path))


class ONNXRunner:
    """Runs an exported `.onnx` on one image with ONNX Runtime's CPU provider.

    Example:
    >>> run = ONNXRunner("savedmodels/mimo_unet/model.onnx")  # doctest: +SKIP
    >>> sharp = run(blurry)  # float32 (H, W, 3) in [0, 1]  # doctest: +SKIP
    """

    def __init__(self, path: str | os.PathLike, num_threads: int = 2):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = num_threads
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )

    def __call__(self, image: np.ndarray) -> np.ndarray:
        """float32 `(H, W, 3)` image -> float32 `(H, W, 3)` deblurred image."""
        batch = np.asarray(image, np.float32)[None]
        return self.session.run([OUTPUT_KEY], {INPUT_NAME: batch})[0][0]
