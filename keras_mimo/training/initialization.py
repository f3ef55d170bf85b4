"""Identity initialisation: a MIMO-UNet that starts out returning its input."""

import keras

HEADS = ("head_quarter", "head_half", "head_full")


def zero_output_heads(model: keras.Model) -> None:
    """Zeroes the three output convolutions, so every output equals its input.

    MIMO-UNet predicts a residual that is added to the blurry image at each
    scale. With the heads at zero the untrained network is exactly the
    identity (its PSNR is the blurry input's), so training only has to learn
    the correction instead of first undoing the noise of a random head
    (the same idea as Fixup/ReZero's zero-initialised residual branches).
    Gradients still reach every layer from the first step, through the heads'
    own weights.

    Example:
    >>> from keras_mimo import MIMOUNet
    >>> model = MIMOUNet(num_res=1, width=8)
    >>> zero_output_heads(model)
    >>> x = keras.random.uniform((1, 16, 16, 3))
    >>> float(keras.ops.convert_to_numpy(keras.ops.max(keras.ops.abs(model(x)[-1] - x))))
    0.0
    """
    for name in HEADS:
        for variable in model.get_layer(name).weights:
            variable.assign(keras.ops.zeros(variable.shape, variable.dtype))
