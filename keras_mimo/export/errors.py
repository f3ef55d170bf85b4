"""Export errors and the TensorFlow-backend requirement."""


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
