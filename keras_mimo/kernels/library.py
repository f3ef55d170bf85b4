"""Finds, loads and registers keras-mimo's optional native CPU kernels.

`conv_same.cc` and `conv_weight_grad.cc` are compiled by `setup.py` into
`keras_mimo/kernels/_native_conv*.so` when the package is installed on
x86-64 Linux. Everything here degrades to "not available" (and the model to
XLA's own convolutions) when the library was not built, the CPU lacks
AVX-512, or `KERAS_MIMO_NATIVE_KERNELS=0` is set.
"""

import ctypes
import functools
import importlib.machinery
import os
import pathlib

CONV_TARGET = "keras_mimo_same_conv"
WEIGHT_GRAD_TARGET = "keras_mimo_conv_weight_grad"
DISABLE_VARIABLE = "KERAS_MIMO_NATIVE_KERNELS"
_STEM = "_native_conv"


def library_path() -> pathlib.Path | None:
    """The built shared library, or None when the build was skipped."""
    folder = pathlib.Path(__file__).parent
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = folder / f"{_STEM}{suffix}"
        if path.exists():
            return path
    return None


@functools.cache
def _library() -> ctypes.CDLL | None:
    path = library_path()
    if path is None:
        return None
    library = ctypes.CDLL(str(path))
    return library if library.keras_mimo_conv_kernels_supported() else None


def native_kernels_available() -> bool:
    """Whether JAX on CPU runs same-padded convolutions on the native kernels.

    Checks the library, the CPU and `KERAS_MIMO_NATIVE_KERNELS` without
    importing JAX, so it can be asked before JAX starts.

    Example:
    >>> native_kernels_available() in (True, False)
    True
    """
    if os.environ.get(DISABLE_VARIABLE, "1") == "0":
        return False
    return _library() is not None


@functools.cache
def register_jax_targets() -> None:
    """Registers the kernels as XLA FFI targets for JAX on CPU (once)."""
    import jax

    library = _library()
    for target, handler in (
        (CONV_TARGET, library.KerasMimoSameConv),
        (WEIGHT_GRAD_TARGET, library.KerasMimoConvWeightGrad),
    ):
        jax.ffi.register_ffi_target(target, jax.ffi.pycapsule(handler), platform="cpu")
