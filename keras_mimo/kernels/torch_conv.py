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
convolution (the official-checkpoint parity tests run through it);
gradients flow as usual.
"""

import keras


def uses_torch_conv() -> bool:
    """Whether layers should call these functions (the PyTorch backend)."""
    return keras.config.backend() == "torch"


def _channels_last(function, inputs, kernel, bias, strides, padding, relu):
    import torch.nn.functional as F

    # Keras kernels are (kh, kw, a, b); PyTorch's are (b, a, kh, kw) for both
    # a convolution (a = in, b = out) and a transposed one (a = out, b = in).
    kernel = kernel.to(inputs.dtype).permute(3, 2, 0, 1)
    bias = None if bias is None else bias.to(inputs.dtype)
    outputs = function(
        inputs.permute(0, 3, 1, 2), kernel, bias, stride=strides, padding=padding
    )
    if relu:  # in place: the convolution does not keep its output for autograd
        outputs = F.relu(outputs, inplace=True)
    return outputs.permute(0, 2, 3, 1)


def conv2d_nhwc(
    inputs, kernel, bias=None, strides: int = 1, padding: int = 0, relu: bool = False
):
    """`inputs` (N, H, W, C) convolved with a Keras `(kh, kw, in, out)` kernel.

    `padding` pads every side with zeros, like PyTorch's `Conv2d`; `relu`
    applies a ReLU in place.
    """
    import torch.nn.functional as F

    return _channels_last(F.conv2d, inputs, kernel, bias, strides, padding, relu)


def run_conv_layer(layer, inputs, padding: int, relu: bool):
    """A Keras `Conv2D` or `Conv2DTranspose` layer's weights applied channels-last.

    `padding` is PyTorch's (every side; for the transposed convolution the
    output is `(H - 1) * strides - 2 * padding + kh` high).
    """
    import torch.nn.functional as F

    transposed = isinstance(layer, keras.layers.Conv2DTranspose)
    function = F.conv_transpose2d if transposed else F.conv2d
    kernel = keras.ops.convert_to_tensor(layer.kernel)
    bias = keras.ops.convert_to_tensor(layer.bias)
    strides = layer.strides[0]
    return _channels_last(function, inputs, kernel, bias, strides, padding, relu)
