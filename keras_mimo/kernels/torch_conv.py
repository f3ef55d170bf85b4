"""Convolutions on the PyTorch backend that keep activations channels-last.

Keras's PyTorch convolution makes its NHWC input contiguous in NCHW, runs
the convolution there and returns a strided NHWC view of the result, so
every convolution copies its input and runs oneDNN's slower NCHW kernels,
and every elementwise op after it (bias, ReLU, residual adds) runs on a
strided tensor: MIMO-UNet on Keras's PyTorch backend took 2.4x the time of
the official PyTorch code. Here the NHWC tensor is only *viewed* as NCHW
(a permute, no copy), which PyTorch treats as a channels-last tensor:
oneDNN convolves it directly, bias fused, and returns a channels-last
result whose NHWC view is contiguous again. Values equal Keras's own
convolution (the layer tests compare them); gradients flow as usual.
"""

import keras


def uses_torch_conv() -> bool:
    """Whether layers should call these functions (the PyTorch backend)."""
    return keras.config.backend() == "torch"


def conv2d_nhwc(
    inputs, kernel, bias, strides: int = 1, padding: int = 0, relu: bool = False
):
    """`inputs` (N, H, W, C) convolved with a Keras `(kh, kw, in, out)` kernel.

    `padding` pads every side with zeros, like PyTorch's `Conv2d`; `relu`
    applies a ReLU in place (the convolution does not keep its output for
    its gradient, so autograd allows it).
    """
    import torch.nn.functional as F

    kernel = kernel.to(inputs.dtype).permute(3, 2, 0, 1)  # -> (out, in, kh, kw)
    bias = None if bias is None else bias.to(inputs.dtype)
    outputs = F.conv2d(
        inputs.permute(0, 3, 1, 2), kernel, bias, stride=strides, padding=padding
    )
    if relu:
        outputs = F.relu(outputs, inplace=True)
    return outputs.permute(0, 2, 3, 1)


def conv_transpose2d_nhwc(
    inputs, kernel, bias, strides: int, padding: int, relu: bool = False
):
    """Transposed convolution with a Keras `(kh, kw, out, in)` kernel.

    `padding` is PyTorch's: the output is `(H - 1) * strides - 2 * padding +
    kh` high.
    """
    import torch.nn.functional as F

    kernel = kernel.to(inputs.dtype).permute(3, 2, 0, 1)  # -> (in, out, kh, kw)
    bias = None if bias is None else bias.to(inputs.dtype)
    outputs = F.conv_transpose2d(
        inputs.permute(0, 3, 1, 2), kernel, bias, stride=strides, padding=padding
    )
    if relu:
        outputs = F.relu(outputs, inplace=True)
    return outputs.permute(0, 2, 3, 1)
