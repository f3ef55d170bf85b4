"""Export errors, the TensorFlow-backend requirement and format runtimes."""

import importlib.util

#: Modules each format family needs to be written and verified.
FAMILY_MODULES = {
    "saved_model": ("tensorflow",),
    "tflite": ("tensorflow", "ai_edge_litert"),
    "onnx": ("tensorflow", "tf2onnx", "onnx", "onnxruntime"),
    "openvino": ("tensorflow", "tf2onnx", "onnx", "openvino"),
}


class ExportError(RuntimeError):
    """An export cannot run, or an artifact failed its verification."""


def require_tensorflow_backend() -> None:
    """Raises `ExportError` unless Keras runs on the TensorFlow backend.

    SavedModel and TFLite conversion trace the model with TensorFlow, so the
    backend must be chosen before Keras is imported.
    """
    import keras

    backend = keras.config.backend()
    if backend != "tensorflow":
        raise ExportError(
            f"Export needs the TensorFlow Keras backend, but this process uses "
            f"{backend!r}. Set KERAS_BACKEND=tensorflow before importing keras "
            "(a preset or .keras file saved under JAX or PyTorch loads fine there), "
            "or use the command line: `keras-mimo --backend tensorflow export ...`."
        )


def require_modules(families) -> None:
    """Raises `ExportError` naming what is missing for these format families.

    Example:
    >>> require_modules({"saved_model"})  # TensorFlow is installed: no error
    """
    missing = sorted(
        {
            module
            for family in families
            for module in FAMILY_MODULES[family]
            if importlib.util.find_spec(module) is None
        }
    )
    if missing:
        raise ExportError(
            f"Exporting {', '.join(sorted(families))} needs {', '.join(missing)}, "
            "which is not installed: pip install 'keras-mimo[export]'."
        )
