"""Stride-1 "same" convolution whose JAX weight gradient runs natively on CPU.

MIMO-UNet training is dominated by 3x3 convolutions. On JAX, XLA:CPU computes
their weight gradient as a convolution over the batch dimension (4 in the
recipe) after transposing both operands, at a third of the speed of its
forward pass. `same_conv` keeps XLA's forward and input-gradient
convolutions and replaces only the weight gradient with the blocked
AVX-512 kernel in `conv_weight_grad.cc` (2-3.5x faster, same sums in a
different order). Other backends, devices, dtypes and shapes use
`keras.ops.conv` unchanged.
"""

import functools

import keras
from keras import ops

from keras_mimo.kernels.library import WEIGHT_GRAD_TARGET, native_kernels_available


def uses_native_weight_grad(inputs, kernel) -> bool:
    """Whether `same_conv(inputs, kernel)` takes the native-gradient path.

    True on the JAX backend with the native library loaded, for float32
    operands, an odd square kernel and a multiple of 16 output channels.
    """
    kernel_h, kernel_w, _, filters = kernel.shape
    return (
        keras.config.backend() == "jax"
        and kernel_h == kernel_w
        and kernel_h % 2 == 1
        and filters % 16 == 0
        and keras.backend.standardize_dtype(inputs.dtype) == "float32"
        and keras.backend.standardize_dtype(kernel.dtype) == "float32"
        and native_kernels_available()
    )


def same_conv(inputs, kernel):
    """`ops.conv(inputs, kernel, padding="same")` (NHWC, HWIO, stride 1).

    Example:
    >>> x = keras.ops.ones((1, 8, 8, 4))
    >>> same_conv(x, keras.ops.ones((3, 3, 4, 16))).shape
    (1, 8, 8, 16)
    """
    if uses_native_weight_grad(inputs, kernel):
        return _jax_same_conv()(inputs, kernel)
    return ops.conv(inputs, kernel, padding="same")


@functools.cache
def _jax_same_conv():
    import jax
    import jax.numpy as jnp

    def conv(inputs, kernel):
        return jax.lax.conv_general_dilated(
            inputs, kernel, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")
        )

    def xla_weight_grad(inputs, grad, kernel):
        return jax.vjp(lambda k: conv(inputs, k), kernel)[1](grad)[0]

    def native_weight_grad(inputs, grad, kernel):
        result = jax.ShapeDtypeStruct(kernel.shape, jnp.float32)
        return jax.ffi.ffi_call(WEIGHT_GRAD_TARGET, result)(inputs, grad)

    @jax.custom_vjp
    def convolve(inputs, kernel):
        return conv(inputs, kernel)

    def forward(inputs, kernel):
        return conv(inputs, kernel), (inputs, kernel)

    def backward(residuals, grad):
        inputs, kernel = residuals
        grad_inputs = jax.vjp(lambda x: conv(x, kernel), inputs)[1](grad)[0]
        grad_kernel = jax.lax.platform_dependent(
            inputs,
            grad,
            kernel,
            cpu=native_weight_grad,
            default=xla_weight_grad,
        )
        return grad_inputs, grad_kernel

    convolve.defvjp(forward, backward)
    return convolve
