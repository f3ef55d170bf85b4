"""OpenVINO IR export (from the ONNX graph) and a runner for verification."""

import os
import pathlib

import numpy as np

#: The IR's graph file inside an OpenVINO artifact folder (weights: `model.bin`).
XML_FILE = "model.xml"
#: OpenVINO's CPU plugin precisions: exact float32, and bfloat16, which it
#: picks by default on CPUs with AVX-512 BF16 or AMX.
PRECISIONS = ("f32", "bf16")


def write_openvino(
    onnx_path: str | os.PathLike, directory: str | os.PathLike, float16: bool
) -> None:
    """Converts an exported `.onnx` to OpenVINO IR (`model.xml` + `model.bin`).

    Args:
        onnx_path: the ONNX graph written by `keras_mimo.export.onnx`.
        directory: the artifact folder to create.
        float16: store weights as float16 (OpenVINO's default; computed in
            the runtime's precision) instead of float32.

    Example:
    >>> write_openvino("out/model.onnx", "out/openvino_float32", float16=False)  # doctest: +SKIP
    >>> import openvino  # doctest: +SKIP
    >>> compiled = openvino.compile_model("out/openvino_float32/model.xml")  # doctest: +SKIP
    """
    import openvino

    directory = pathlib.Path(directory)
    directory.mkdir()
    converted = openvino.convert_model(str(onnx_path))
    openvino.save_model(converted, str(directory / XML_FILE), compress_to_fp16=float16)


def bf16_supported() -> bool:
    """Whether OpenVINO's CPU plugin computes in bfloat16 on this machine.

    Example:
    >>> bf16_supported() in (True, False)  # doctest: +SKIP
    True
    """
    import openvino

    return "BF16" in openvino.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")


class OpenVINORunner:
    """Runs an OpenVINO IR on one image on the CPU, at a chosen precision.

    `precision="f32"` is exact float32 compute; `"bf16"` is what OpenVINO
    chooses by itself on CPUs with AVX-512 BF16 or AMX (faster, less exact).

    Example:
    >>> run = OpenVINORunner("savedmodels/mimo_unet/openvino_float32")  # doctest: +SKIP
    >>> sharp = run(blurry)  # float32 (H, W, 3) in [0, 1]  # doctest: +SKIP
    """

    def __init__(
        self, path: str | os.PathLike, num_threads: int = 2, precision: str = "f32"
    ):
        import openvino

        if precision not in PRECISIONS:
            raise ValueError(
                f"precision must be one of {PRECISIONS}, got {precision!r}"
            )
        path = pathlib.Path(path)
        xml = path / XML_FILE if path.is_dir() else path
        config = {"INFERENCE_PRECISION_HINT": precision}
        if num_threads:
            config["INFERENCE_NUM_THREADS"] = num_threads
        self.compiled = openvino.Core().compile_model(str(xml), "CPU", config)
        self.request = self.compiled.create_infer_request()

    def __call__(self, image: np.ndarray) -> np.ndarray:
        """float32 `(H, W, 3)` image -> float32 `(H, W, 3)` deblurred image."""
        batch = np.asarray(image, np.float32)[None]
        return np.array(self.request.infer([batch])[0][0])
