"""The official MIMO-UNet objective: multi-scale content + frequency loss.

Each loss here scores *one* output scale; compiled on `MIMOUNet` (three
outputs), Keras applies it to every scale and sums, which is exactly the
official objective:

    total = sum_k mean|S_k - T_k| + 0.1 * sum_k mean|FFT2(S_k) - FFT2(T_k)|

The target may be given at the prediction's own scale or at full resolution:
a larger target is reduced with the official half-pixel bilinear resize
(`downscale_target`), so a dataset can yield `(blurry, (sharp, sharp, sharp))`.
"""

import keras
from keras import ops


def downscale_target(target, factor: int):
    """Official target resize: bilinear, half-pixel centres, no antialias.

    For factor 2 this is the mean of each 2x2 block; for factor 4 the mean of
    the middle 2x2 of each 4x4 block. `target` is NHWC with H, W divisible by
    `factor`.
    """
    if factor == 1:
        return target
    if factor not in (2, 4):
        raise ValueError(f"downscale factor must be 1, 2 or 4, got {factor}.")
    offset = factor // 2 - 1  # first row/column of the middle 2x2 of each block
    x = target[:, offset:, offset:, :]
    x = (x[:, 0::factor] + x[:, 1::factor])[:, :, 0::factor] + (
        x[:, 0::factor] + x[:, 1::factor]
    )[:, :, 1::factor]
    return x * 0.25


def multiscale_targets(sharp):
    """`[quarter, half, full]` training targets for a full-resolution image."""
    return [downscale_target(sharp, 4), downscale_target(sharp, 2), sharp]


def _match_scale(y_true, y_pred):
    y_true = ops.cast(y_true, "float32")
    y_pred = ops.cast(y_pred, "float32")
    true_h, pred_h = y_true.shape[1], y_pred.shape[1]
    if true_h is None or pred_h is None:  # symbolic sizes (TF graph, varying images)
        ratio = ops.shape(y_true)[1] // ops.shape(y_pred)[1]
        y_true = ops.cond(
            ratio == 1,
            lambda: y_true,
            lambda: ops.cond(
                ratio == 2,
                lambda: downscale_target(y_true, 2),
                lambda: downscale_target(y_true, 4),
            ),
        )
        return y_true, y_pred
    if true_h == pred_h:
        return y_true, y_pred
    if true_h % pred_h:
        raise ValueError(
            f"Target height {true_h} is not a multiple of prediction height {pred_h}."
        )
    return downscale_target(y_true, true_h // pred_h), y_pred


def content_error(y_true, y_pred):
    """Per-image mean absolute error (the content term at one scale)."""
    y_true, y_pred = _match_scale(y_true, y_pred)
    return ops.mean(ops.abs(y_pred - y_true), axis=(1, 2, 3))


def frequency_error(y_true, y_pred):
    """Per-image mean |FFT2(pred) - FFT2(true)| over real and imaginary parts.

    Unnormalised 2-D FFT over H and W of each channel, like the official
    `torch.rfft(x, 2, onesided=False)` loss; by linearity one FFT of the
    difference suffices.
    """
    y_true, y_pred = _match_scale(y_true, y_pred)
    diff = ops.transpose(y_pred - y_true, (0, 3, 1, 2))  # FFT over the last two axes
    real, imag = ops.fft2((diff, ops.zeros_like(diff)))
    return 0.5 * ops.mean(ops.abs(real) + ops.abs(imag), axis=(1, 2, 3))


@keras.saving.register_keras_serializable(package="keras_mimo")
class ContentLoss(keras.losses.Loss):
    """L1 loss at one scale; summed over MIMO-UNet's outputs it is the content loss.

    Example:
    >>> import keras_mimo
    >>> model = keras_mimo.MIMOUNet(num_res=1, width=8)
    >>> model.compile(optimizer="adam", loss=ContentLoss())
    """

    def __init__(self, name="content_loss", **kwargs):
        super().__init__(name=name, **kwargs)

    def call(self, y_true, y_pred):
        return content_error(y_true, y_pred)


@keras.saving.register_keras_serializable(package="keras_mimo")
class FrequencyLoss(keras.losses.Loss):
    """FFT L1 loss at one scale; summed over outputs it is the official MSFR loss."""

    def __init__(self, name="frequency_loss", **kwargs):
        super().__init__(name=name, **kwargs)

    def call(self, y_true, y_pred):
        return frequency_error(y_true, y_pred)


@keras.saving.register_keras_serializable(package="keras_mimo")
class MIMOLoss(keras.losses.Loss):
    """Content + `frequency_weight` x frequency loss: the official objective.

    Args:
        frequency_weight: weight of the FFT term (0.1 in the paper).

    Example:
    >>> import keras_mimo
    >>> model = keras_mimo.MIMOUNet(num_res=1, width=8)
    >>> model.compile(optimizer=keras.optimizers.Adam(1e-4), loss=MIMOLoss())
    """

    def __init__(self, frequency_weight=0.1, name="mimo_loss", **kwargs):
        super().__init__(name=name, **kwargs)
        self.frequency_weight = frequency_weight

    def call(self, y_true, y_pred):
        return content_error(y_true, y_pred) + self.frequency_weight * frequency_error(
            y_true, y_pred
        )

    def get_config(self):
        return {**super().get_config(), "frequency_weight": self.frequency_weight}


def multiscale_loss(sharp, outputs, frequency_weight: float = 0.1) -> dict:
    """The official loss terms for one batch, as scalars.

    Args:
        sharp: full-resolution targets, NHWC.
        outputs: the model's `[quarter, half, full]` predictions.

    Returns:
        `{"content": ..., "frequency": ..., "total": ...}`.
    """
    content = sum(ops.mean(content_error(sharp, out)) for out in outputs)
    frequency = sum(ops.mean(frequency_error(sharp, out)) for out in outputs)
    return {
        "content": content,
        "frequency": frequency,
        "total": content + frequency_weight * frequency,
    }
