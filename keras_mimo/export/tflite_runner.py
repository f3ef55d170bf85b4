"""Runs a dynamic-size TFLite model with the LiteRT interpreter (XNNPACK)."""

import os

import numpy as np


class TFLiteRunner:
    """Calls an exported `.tflite` on one image of any size.

    The model's input is `[1, -1, -1, 3]` float32 in [0, 1]; each new image
    size resizes the input and re-allocates tensors. XNNPACK (LiteRT's default
    CPU delegate) runs with `num_threads` threads.

    Example:
    >>> run = TFLiteRunner("savedmodels/mimo_unet/model_float32.tflite")  # doctest: +SKIP
    >>> sharp = run(blurry)  # blurry: float32 (H, W, 3) in [0, 1]  # doctest: +SKIP
    """

    def __init__(self, model: str | os.PathLike | bytes, num_threads: int = 2):
        from ai_edge_litert.interpreter import Interpreter

        if isinstance(model, bytes):
            self.interpreter = Interpreter(model_content=model, num_threads=num_threads)
        else:
            self.interpreter = Interpreter(
                model_path=str(model), num_threads=num_threads
            )
        self._input = self.interpreter.get_input_details()[0]
        self._output = self.interpreter.get_output_details()[0]
        self._shape = None

    @property
    def input_details(self) -> dict:
        return self._input

    @property
    def output_details(self) -> dict:
        return self._output

    def __call__(self, image: np.ndarray) -> np.ndarray:
        """float32 `(H, W, 3)` image -> float32 `(H, W, 3)` deblurred image."""
        batch = np.asarray(image, np.float32)[None]
        if batch.shape != self._shape:
            self.interpreter.resize_tensor_input(self._input["index"], batch.shape)
            self.interpreter.allocate_tensors()
            self._shape = batch.shape
        self.interpreter.set_tensor(self._input["index"], batch)
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self._output["index"])[0]


def describe_io(runner: TFLiteRunner) -> dict:
    """The TFLite input/output names, dtypes and shape signatures (for the manifest)."""

    def one(details):
        quant = details.get("quantization_parameters", {})
        entry = {
            "name": details["name"],
            "dtype": np.dtype(details["dtype"]).name,
            "shape": [int(d) if d >= 0 else None for d in details["shape_signature"]],
        }
        if len(quant.get("scales", [])):
            entry["quantization"] = {
                "scale": float(quant["scales"][0]),
                "zero_point": int(quant["zero_points"][0]),
            }
        return entry

    return {
        "signature_defs": runner.interpreter.get_signature_list(),
        "inputs": [one(runner.input_details)],
        "outputs": [one(runner.output_details)],
    }
