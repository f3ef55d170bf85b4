"""Stride-1 "same" convolution that runs on native kernels on JAX-on-CPU.

MIMO-UNet is almost all 3x3 stride-1 convolutions. XLA:CPU computes their
weight gradient as a convolution over the batch dimension (4 in the recipe)
after transposing both operands, at a third of the speed of its forward
pass, and its forward and input-gradient convolutions reach 120-190
GFLOP/s on two AVX-512 cores. `same_conv` runs all three on the blocked
AVX-512 kernels in `conv_same.cc` (forward, and input gradient as the
convolution of the output gradient with the flipped kernel) and
`conv_weight_grad.cc`. Results equal XLA's up to float summation order.
Other backends, devices, dtypes and shapes use `keras.ops.conv` unchanged.
"""

import functools

import keras
from keras import ops

from keras_mimo.kernels.library import (
    CONV_TARGET,
    WEIGHT_GRAD_TARGET,
    native_kernels_available,
    register_jax_targets,
)

# The kernels hold 16 output channels per AVX-512 register.
CHANNEL_MULTIPLE = 16


def uses_native_conv(inputs, kernel) -> bool:
    """Whether `same_conv(inputs, kernel)` runs on the native kernels.

    True on the JAX backend with the native library loaded, for float32
    operands, an odd square kernel and a multiple of 16 output channels.
    """
    kernel_h, kernel_w, _, filters = kernel.shape
    return (
        keras.config.backend() == "jax"
        and kernel_h == kernel_w
        and kernel_h % 2 == 1
        and filters % CHANNEL_MULTIPLE == 0
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
    if uses_native_conv(inputs, kernel):
        return _jax_same_conv()(inputs, kernel)
    return ops.conv(inputs, kernel, padding="same")


@functools.cache
def _jax_same_conv():
    import jax
    import jax.numpy as jnp

    register_jax_targets()

    def xla_conv(inputs, kernel):
        return jax.lax.conv_general_dilated(
            inputs, kernel, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")
        )

    def native_conv(inputs, kernel):
        result = jax.ShapeDtypeStruct((*inputs.shape[:3], kernel.shape[3]), jnp.float32)
        return jax.ffi.ffi_call(CONV_TARGET, result, vmap_method="sequential")(
            inputs, kernel
        )

    def conv(inputs, kernel):
        if kernel.shape[3] % CHANNEL_MULTIPLE:
            return xla_conv(inputs, kernel)
        return jax.lax.platform_dependent(
            inputs, kernel, cpu=native_conv, default=xla_conv
        )

    def xla_weight_grad(inputs, grad, kernel):
        return jax.vjp(lambda k: xla_conv(inputs, k), kernel)[1](grad)[0]

    def native_weight_grad(inputs, grad, kernel):
        result = jax.ShapeDtypeStruct(kernel.shape, jnp.float32)
        return jax.ffi.ffi_call(WEIGHT_GRAD_TARGET, result, vmap_method="sequential")(
            inputs, grad
        )

    @jax.custom_vjp
    def convolve(inputs, kernel):
        return conv(inputs, kernel)

    def forward(inputs, kernel):
        return conv(inputs, kernel), (inputs, kernel)

    def backward(residuals, grad):
        inputs, kernel = residuals
        # Odd kernel, symmetric zero padding: the input gradient is the same
        # convolution of `grad` with the kernel flipped and in/out swapped.
        flipped = jnp.transpose(kernel[::-1, ::-1], (0, 1, 3, 2))
        grad_kernel = jax.lax.platform_dependent(
            inputs, grad, kernel, cpu=native_weight_grad, default=xla_weight_grad
        )
        return conv(grad, flipped), grad_kernel

    convolve.defvjp(forward, backward)
    return convolve
