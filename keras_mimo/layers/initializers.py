"""PyTorch's default convolution initialisation, computed with NumPy."""

import math

import keras
import numpy as np


@keras.saving.register_keras_serializable(package="keras_mimo")
class TorchConvUniform(keras.initializers.Initializer):
    """`U(-1/sqrt(fan_in), 1/sqrt(fan_in))`: the official model's initial kernels.

    This is what PyTorch's `Conv2d`/`ConvTranspose2d` use by default
    (`kaiming_uniform_(a=sqrt(5))`), so training from scratch starts like the
    official code. `fan_in = prod(shape[:-1])` is right for both Keras
    `Conv2D` `(kh, kw, in, out)` and `Conv2DTranspose` `(kh, kw, out, in)`
    kernels (PyTorch counts a transposed kernel's fan-in over its output
    channels). NumPy's generator (seeded by `keras.utils.set_random_seed`)
    draws the values, so building a model does not compile a random kernel
    per weight shape, which takes tens of seconds on JAX.

    Example:
    >>> kernel = TorchConvUniform()((3, 3, 4, 8))
    >>> bool(keras.ops.max(keras.ops.abs(kernel)) <= 1 / 6)
    True
    """

    def __call__(self, shape, dtype=None):
        bound = 1.0 / math.sqrt(max(1, math.prod(shape[:-1])))
        values = np.random.uniform(-bound, bound, size=shape)
        return keras.ops.convert_to_tensor(values, dtype=dtype or "float32")

    def get_config(self):
        return {}
