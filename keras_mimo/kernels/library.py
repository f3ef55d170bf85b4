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
def _register() -> bool:
    path = library_path()
    if path is None:
        return False
    library = ctypes.CDLL(str(path))
    if not library.keras_mimo_conv_kernels_supported():
        return False
    import jax

    for target, handler in (
        (CONV_TARGET, library.KerasMimoSameConv),
        (WEIGHT_GRAD_TARGET, library.KerasMimoConvWeightGrad),
    ):
        jax.ffi.register_ffi_target(target, jax.ffi.pycapsule(handler), platform="cpu")
    return True


def native_kernels_available() -> bool:
    """Whether JAX on CPU runs same-padded convolutions on the native kernels.

    Example:
    >>> native_kernels_available()  # doctest: +SKIP
    True
    """
    if os.environ.get(DISABLE_VARIABLE, "1") == "0":
        return False
    return _register()
