"""Native CPU convolution kernels for JAX (optional, with XLA fallback)."""

from keras_mimo.kernels.library import native_kernels_available
from keras_mimo.kernels.same_conv import same_conv, uses_native_conv

__all__ = ["native_kernels_available", "same_conv", "uses_native_conv"]
