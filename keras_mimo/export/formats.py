"""The artifact formats `export_model` can write, and what each one is."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    """One exported artifact kind.

    Attributes:
        name: the format's name in `formats=` and in the manifest.
        path: file or folder name inside the export directory.
        quantization: how weights and activations are stored and computed.
        min_psnr_db: the agreement with the Keras model it must reach.
        required: True if missing `min_psnr_db` refuses the export (float
            artifacts); False if it is only reported as a warning (int8).
    """

    name: str
    path: str
    quantization: str
    min_psnr_db: float
    required: bool

    @property
    def family(self) -> str:
        """`saved_model`, `tflite`, `onnx` or `openvino`: the runtime it needs."""
        if self.name.startswith("saved_model"):
            return "saved_model"
        return self.name.split("_")[0]


FLOAT_MIN_PSNR_DB = 50.0
#: bfloat16 keeps 8 significant bits: the shipped `gopro` preset's bf16 and
#: float32 outputs agree to about 56 dB on real images.
BF16_MIN_PSNR_DB = 40.0
INT8_MIN_PSNR_DB = 35.0

FORMATS = {
    f.name: f
    for f in (
        Format("saved_model", "saved_model", "float32", FLOAT_MIN_PSNR_DB, True),
        Format(
            "saved_model_bfloat16",
            "saved_model_bfloat16",
            "float32 weights, bfloat16 compute (mixed precision: about 2x "
            "faster where the CPU has AVX512_BF16 or AMX, and on GPUs)",
            BF16_MIN_PSNR_DB,
            True,
        ),
        Format(
            "tflite_float32", "model_float32.tflite", "float32", FLOAT_MIN_PSNR_DB, True
        ),
        Format(
            "tflite_float16",
            "model_float16.tflite",
            "float16 weights, float32 compute",
            FLOAT_MIN_PSNR_DB,
            True,
        ),
        Format(
            "tflite_dynamic_int8",
            "model_dynamic_int8.tflite",
            "int8 weights, activations quantized on the fly (dynamic range)",
            INT8_MIN_PSNR_DB,
            False,
        ),
        Format(
            "tflite_int8",
            "model_int8.tflite",
            "full integer: int8 weights and activations (calibrated), "
            "float32 input/output",
            INT8_MIN_PSNR_DB,
            False,
        ),
        Format("onnx", "model.onnx", "float32", FLOAT_MIN_PSNR_DB, True),
        Format(
            "openvino_float32",
            "openvino_float32",
            "float32 weights and compute",
            FLOAT_MIN_PSNR_DB,
            True,
        ),
        Format(
            "openvino_float16",
            "openvino_float16",
            "float16 weights, float32 compute",
            FLOAT_MIN_PSNR_DB,
            True,
        ),
    )
}

#: Names that stand for every format of one family.
GROUPS = ("tflite", "openvino")

DEFAULT_FORMATS = tuple(FORMATS)


def parse_formats(formats) -> list[Format]:
    """Validates format names (a string list or comma-separated string).

    `"tflite"` means every TFLite variant, `"openvino"` both OpenVINO IRs;
    `"all"` every format.

    Example:
    >>> [f.name for f in parse_formats("saved_model,tflite_float32")]
    ['saved_model', 'tflite_float32']
    >>> [f.name for f in parse_formats("onnx,openvino")]
    ['onnx', 'openvino_float32', 'openvino_float16']
    """
    if isinstance(formats, str):
        formats = [f.strip() for f in formats.split(",") if f.strip()]
    names: list[str] = []
    for name in formats:
        if name == "all":
            expanded = list(FORMATS)
        elif name in GROUPS:
            expanded = [n for n, f in FORMATS.items() if f.family == name]
        elif name in FORMATS:
            expanded = [name]
        else:
            raise ValueError(
                f"Unknown export format {name!r}; known: {', '.join(FORMATS)} "
                "(or 'tflite' / 'openvino' for all variants of one, 'all')."
            )
        names += [n for n in expanded if n not in names]
    if not names:
        raise ValueError("No export format given.")
    return [FORMATS[n] for n in names]
