"""Finds, loads and registers keras-mimo's optional native CPU kernel.

`conv_weight_grad.cc` is compiled by `setup.py` into
`keras_mimo/kernels/_conv_weight_grad*.so` when the package is installed next
to jaxlib on x86-64 Linux. Everything here degrades to "not available" (and
the model to XLA's own convolution) when the library was not built, the CPU
lacks AVX-512, or `KERAS_MIMO_NATIVE_KERNELS=0` is set.
"""

import ctypes
import functools
import importlib.machinery
import os
import pathlib

WEIGHT_GRAD_TARGET = "keras_mimo_conv_weight_grad"
DISABLE_VARIABLE = "KERAS_MIMO_NATIVE_KERNELS"
_STEM = "_conv_weight_grad"


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

    jax.ffi.register_ffi_target(
        WEIGHT_GRAD_TARGET,
        jax.ffi.pycapsule(library.KerasMimoConvWeightGrad),
        platform="cpu",
    )
    return True


def native_kernels_available() -> bool:
    """Whether JAX-on-CPU training uses the native weight-gradient kernel.

    Example:
    >>> native_kernels_available()  # doctest: +SKIP
    True
    """
    if os.environ.get(DISABLE_VARIABLE, "1") == "0":
        return False
    return _register()
