"""Compute precisions, and whether this machine computes bfloat16 natively."""

import functools

from keras_mimo.utils.hardware import native_bf16_flags

#: The user-facing precisions and the Keras dtype policy of each. bfloat16
#: keeps the variables in float32 and computes in bfloat16.
PRECISION_POLICIES = {"float32": "float32", "bfloat16": "mixed_bfloat16"}
#: Accepted `precision` arguments.
PRECISION_CHOICES = ("auto", *PRECISION_POLICIES)


def check_precision(precision: str) -> str:
    """`precision` if it is one of `PRECISION_CHOICES`, else a `ValueError`."""
    if precision not in PRECISION_CHOICES:
        raise ValueError(
            f"precision must be one of {', '.join(PRECISION_CHOICES)}; "
            f"got {precision!r}"
        )
    return precision


def precision_of(model) -> str:
    """`"bfloat16"` if `model` computes in bfloat16, else `"float32"`.

    Example:
    >>> import keras_mimo
    >>> precision_of(keras_mimo.MIMOUNet(num_res=1, width=8, dtype="mixed_bfloat16"))
    'bfloat16'
    """
    policy = getattr(model, "dtype_policy", None)
    compute = str(getattr(policy, "compute_dtype", "float32"))
    return "bfloat16" if compute == "bfloat16" else "float32"


@functools.cache
def has_gpu(backend: str) -> bool:
    """Whether `backend` sees a GPU (a broken accelerator stack counts as none)."""
    try:
        if backend == "jax":
            import jax

            return any(d.platform == "gpu" for d in jax.devices())
        if backend == "tensorflow":
            import tensorflow as tf

            return bool(tf.config.list_physical_devices("GPU"))
        if backend == "torch":
            import torch

            return torch.cuda.is_available()
    except Exception:
        return False
    return False


def native_bf16(backend: str) -> str | None:
    """What computes bfloat16 natively here (`"avx512_bf16"`, `"GPU"`), or None.

    Example:
    >>> native_bf16("tensorflow") in (None, "GPU", "amx_bf16", "avx512_bf16",
    ...                               "amx_bf16, avx512_bf16")
    True
    """
    flags = native_bf16_flags()
    if flags:
        return ", ".join(flags)
    return "GPU" if has_gpu(backend) else None
