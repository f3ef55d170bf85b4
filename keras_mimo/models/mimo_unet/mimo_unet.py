"""MIMO-UNet: multi-input multi-output U-Net for single-image deblurring."""

import keras

# Registers the loss and metrics, so a compiled `.keras` file reloads.
from keras_mimo import losses, metrics  # noqa: F401
from keras_mimo.layers import (
    ConvBlock,
    FeatureAttention,
    FeatureFusion,
    NearestDownsample,
    ResidualStack,
    ShallowConvModule,
    TransposedConvBlock,
)
from keras_mimo.models.mimo_unet.input_check import SIZE_MULTIPLE, check_image_shape
from keras_mimo.utils.preset_utils import PresetMixin

OUTPUT_NAMES = ("quarter", "half", "full")


@keras.saving.register_keras_serializable(package="keras_mimo")
class MIMOUNet(PresetMixin, keras.Model):
    """MIMO-UNet (Cho et al., ICCV 2021), channels-last, any Keras backend.

    One coarse-to-fine U-Net that takes the blurry image at three scales
    (full, 1/2, 1/4, made inside by nearest downsampling) and predicts the
    sharp image at each of them. Calling the model returns
    `[quarter, half, full]`, the form `compile`/`fit` and `keras_mimo.MIMOLoss`
    use; `predict` returns only the full-resolution image.

    Variants are configuration: MIMO-UNet is `num_res=8` (6,807,171
    parameters), MIMO-UNet+ is `num_res=20, dropout=0.1` (16,107,651);
    MIMO-UNet++ is MIMO-UNet+ with self-ensemble at inference.

    Args:
        num_res: residual blocks in every encoder and decoder stage.
        width: channels of the full-resolution stage (`C`; 2C and 4C below).
        dropout: spatial dropout rate on the fused skip features (training only).

    Input: float images in [0, 1], shape `(batch, H, W, 3)` with H and W
    divisible by 4.

    Example:
    >>> model = MIMOUNet.from_config({"num_res": 1, "width": 8})
    >>> quarter, half, full = model(keras.ops.zeros((1, 16, 16, 3)))
    >>> tuple(full.shape), tuple(quarter.shape)
    ((1, 16, 16, 3), (1, 4, 4, 3))
    """

    #: H and W must be divisible by this (`keras_mimo.images.padding` pads to it).
    SIZE_MULTIPLE = SIZE_MULTIPLE

    VARIANTS = {
        "mimo_unet": {"num_res": 8, "width": 32, "dropout": 0.0},
        "mimo_unet_plus": {"num_res": 20, "width": 32, "dropout": 0.1},
    }

    def __init__(self, num_res=8, width=32, dropout=0.0, **kwargs):
        dtype = kwargs.pop("dtype", None)
        kwargs.setdefault("name", "mimo_unet")
        c = width

        def conv(filters, kernel=3, name=None, **kw):
            return ConvBlock(filters, kernel, dtype=dtype, name=name, **kw)

        def stack(filters, name):
            return ResidualStack(filters, num_res, dtype=dtype, name=name)

        downsample = NearestDownsample(dtype=dtype, name="downsample")

        image = keras.Input(shape=(None, None, 3), name="blurry")
        x = image
        x_half = downsample(x)
        x_quarter = downsample(x_half)
        scm_half = ShallowConvModule(2 * c, dtype=dtype, name="scm_half")(x_half)
        scm_quarter = ShallowConvModule(4 * c, dtype=dtype, name="scm_quarter")(
            x_quarter
        )

        # Encoder: full -> 1/2 -> 1/4, each coarser level gated by its SCM.
        res_full = stack(c, "encoder_full")(conv(c, name="stem")(x))
        z = conv(2 * c, strides=2, name="down_half")(res_full)
        z = FeatureAttention(2 * c, dtype=dtype, name="attention_half")([z, scm_half])
        res_half = stack(2 * c, "encoder_half")(z)
        z = conv(4 * c, strides=2, name="down_quarter")(res_half)
        z = FeatureAttention(4 * c, dtype=dtype, name="attention_quarter")(
            [z, scm_quarter]
        )
        z = stack(4 * c, "encoder_quarter")(z)

        # Asymmetric feature fusion: every encoder scale feeds each skip. The
        # coarser maps go in at their own size (FeatureFusion upsamples after
        # its 1x1 convolution, which is cheaper and gives the same values).
        skip_half = FeatureFusion(
            2 * c, upsample_factors=(1, 1, 2), dtype=dtype, name="fusion_half"
        )([downsample(res_full), res_half, z])
        skip_full = FeatureFusion(
            c, upsample_factors=(1, 2, 4), dtype=dtype, name="fusion_full"
        )([res_full, res_half, z])
        if dropout:
            skip_half = keras.layers.SpatialDropout2D(
                dropout, dtype=dtype, name="dropout_half"
            )(skip_half)
            skip_full = keras.layers.SpatialDropout2D(
                dropout, dtype=dtype, name="dropout_full"
            )(skip_full)

        # Decoder: 1/4 -> 1/2 -> full, an image (residual on the input) per level.
        def image_output(features, blurry, head, name):
            residual = head(features)
            return keras.layers.Add(dtype=dtype, name=name)([residual, blurry])

        z = stack(4 * c, "decoder_quarter")(z)
        out_quarter = image_output(
            z, x_quarter, conv(3, activation=False, name="head_quarter"), "quarter"
        )
        z = TransposedConvBlock(2 * c, dtype=dtype, name="up_half")(z)
        z = keras.layers.Concatenate(dtype=dtype, name="concat_half")([z, skip_half])
        z = conv(2 * c, 1, name="merge_half")(z)
        z = stack(2 * c, "decoder_half")(z)
        out_half = image_output(
            z, x_half, conv(3, activation=False, name="head_half"), "half"
        )
        z = TransposedConvBlock(c, dtype=dtype, name="up_full")(z)
        z = keras.layers.Concatenate(dtype=dtype, name="concat_full")([z, skip_full])
        z = conv(c, 1, name="merge_full")(z)
        z = stack(c, "decoder_full")(z)
        out_full = image_output(
            z, x, conv(3, activation=False, name="head_full"), "full"
        )

        super().__init__(
            inputs=image,
            outputs=[out_quarter, out_half, out_full],
            dtype=dtype,
            **kwargs,
        )
        if dtype is not None:  # the functional constructor does not keep it
            self.dtype_policy = keras.dtype_policies.get(dtype)
        self.num_res = num_res
        self.width = width
        self.dropout = dropout

    @classmethod
    def from_variant(cls, variant: str, **kwargs) -> "MIMOUNet":
        """Builds a randomly initialised named variant.

        Example:
        >>> MIMOUNet.from_variant("mimo_unet").count_params()
        6807171
        """
        if variant not in cls.VARIANTS:
            raise ValueError(
                f"Unknown variant {variant!r}; known: {sorted(cls.VARIANTS)}."
            )
        return cls(**{**cls.VARIANTS[variant], **kwargs})

    @property
    def variant(self) -> str | None:
        """The named variant this configuration matches, if any."""
        for name, config in self.VARIANTS.items():
            if config == {
                "num_res": self.num_res,
                "width": self.width,
                "dropout": self.dropout,
            }:
                return name
        return None

    def __call__(self, inputs, *args, **kwargs):
        # Validate before Keras' own input-spec check, for a clearer message
        # (an `InputSpec` cannot check that H and W divide evenly).
        if hasattr(inputs, "shape"):
            check_image_shape(tuple(inputs.shape), name=self.name)
        return super().__call__(inputs, *args, **kwargs)

    # `predict_step` is Keras' documented hook for what `predict` returns, and
    # the one keras-hub tasks use (its object detectors decode there, with the
    # same JAX `(outputs, state)` case). The alternatives are worse: Keras 3's
    # `predict` cannot select an output (named outputs give a dict of all
    # three), and an inference `keras.Model(self.input, self.outputs[-1])`
    # sharing the weights still needs `predict` and `predict_on_batch`
    # overridden to reach it, and on JAX runs via `stateless_call`, which
    # skips `__call__` and so the shape check (an 18x16 image then fails
    # with a TypeError inside FeatureFusion instead of ImageShapeError).
    def predict_step(self, *args):
        """`predict` returns the full-resolution image only."""
        # On JAX the step runs the model through `stateless_call`, which
        # bypasses `__call__`, so the input is checked here as well.
        data = args[-1]  # JAX passes (state, data)
        images = data[0] if isinstance(data, (tuple, list)) else data
        check_image_shape(tuple(images.shape), name=self.name)
        outputs = super().predict_step(*args)
        if keras.config.backend() == "jax":  # (outputs, non-trainable state)
            return outputs[0][-1], outputs[1]
        return outputs[-1]

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "num_res": self.num_res,
            "width": self.width,
            "dropout": self.dropout,
            # The policy's name ("float32", "mixed_bfloat16"), not Keras's
            # serialized dict: serialize_keras_object imports TensorFlow
            # whenever it is installed, which costs JAX and PyTorch users
            # about 0.4 GB of memory on every `Deblurrer`. Presets written
            # with the dict still load.
            "dtype": self.dtype_policy.name,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "dtype" in config and isinstance(config["dtype"], dict):
            config["dtype"] = keras.dtype_policies.deserialize(config["dtype"])
        return cls(**config)
