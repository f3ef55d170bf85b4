"""The native JAX-on-CPU convolution weight gradient (`keras_mimo.kernels`)."""

import platform
import sys

import keras
import numpy as np
import pytest

from keras_mimo import kernels
from keras_mimo.kernels import library
from tests.test_case import TestCase, tiny_model

pytestmark = pytest.mark.requires_backend("jax")

NATIVE_PLATFORM = sys.platform.startswith("linux") and platform.machine() == "x86_64"


def has_avx512() -> bool:
    try:
        with open("/proc/cpuinfo") as f:
            return " avx512f " in f.read()
    except OSError:
        return False


def reference_conv(x, kernel):
    import jax

    return jax.lax.conv_general_dilated(
        x, kernel, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")
    )


def gradients(conv, x, kernel, seed=1):
    """Input and kernel gradients of a fixed random projection of `conv`."""
    import jax
    import jax.numpy as jnp

    projection = jnp.asarray(
        np.random.default_rng(seed).standard_normal(
            (*x.shape[:3], kernel.shape[-1]), dtype=np.float32
        )
    )
    loss = lambda x, k: jnp.sum(conv(x, k) * projection)  # noqa: E731
    return jax.jit(jax.grad(loss, argnums=(0, 1)))(x, kernel)


@pytest.mark.skipif(not NATIVE_PLATFORM, reason="native kernel: x86-64 Linux only")
def test_library_is_built_and_loads():
    # `make test` installs with --no-build-isolation so setup.py sees jaxlib;
    # a missing library here means the install step skipped the build.
    assert library.library_path() is not None
    assert kernels.native_kernels_available() == has_avx512()


@pytest.mark.skipif(not has_avx512(), reason="native kernel needs AVX-512")
class TestSameConv(TestCase):
    def assert_same_up_to_rounding(self, actual, expected):
        """Equal up to float32 summation order, relative to the largest value."""
        scale = float(np.abs(np.asarray(expected)).max()) or 1.0
        self.assert_allclose(actual, expected, atol=2e-6 * scale)

    # (batch, height, width, in, out, kernel): the model's shapes, channel
    # counts off the 8-row block, 16-wide output tails, images smaller than
    # the kernel, 1x1 and 5x5 kernels.
    @pytest.mark.parametrize(
        "shape",
        [
            (2, 16, 24, 32, 32, 3),
            (1, 9, 7, 13, 48, 3),
            (3, 5, 6, 3, 16, 3),
            (1, 2, 3, 8, 32, 5),
            (2, 4, 4, 20, 64, 1),
        ],
    )
    def test_gradients_match_xla(self, shape):
        import jax.numpy as jnp

        batch, height, width, channels, filters, size = shape
        rng = np.random.default_rng(0)
        x = jnp.asarray(
            rng.standard_normal((batch, height, width, channels), dtype=np.float32)
        )
        kernel = jnp.asarray(
            rng.standard_normal((size, size, channels, filters), dtype=np.float32)
        )
        assert kernels.uses_native_conv(x, kernel)
        self.assert_same_up_to_rounding(
            kernels.same_conv(x, kernel), reference_conv(x, kernel)
        )
        native = gradients(kernels.same_conv, x, kernel)
        xla = gradients(reference_conv, x, kernel)
        for a, b in zip(native, xla, strict=True):
            self.assert_same_up_to_rounding(a, b)

    def test_empty_batch_and_vmap(self):
        import jax
        import jax.numpy as jnp

        rng = np.random.default_rng(3)
        kernel = jnp.asarray(rng.standard_normal((3, 3, 16, 16), dtype=np.float32))
        empty = jnp.zeros((0, 5, 6, 16))
        assert kernels.same_conv(empty, kernel).shape == (0, 5, 6, 16)
        _, grad_kernel = gradients(kernels.same_conv, empty, kernel)
        self.assert_allclose(grad_kernel, np.zeros((3, 3, 16, 16)), atol=0)
        stacked = jnp.asarray(rng.standard_normal((3, 1, 5, 6, 16), dtype=np.float32))
        mapped = jax.vmap(lambda x: kernels.same_conv(x, kernel))(stacked)
        for x, y in zip(stacked, mapped, strict=True):
            self.assert_same_up_to_rounding(y, reference_conv(x, kernel))

    def test_falls_back_where_it_does_not_apply(self, monkeypatch):
        import jax.numpy as jnp

        x = jnp.ones((1, 4, 4, 8))
        assert kernels.uses_native_conv(x, jnp.ones((3, 3, 8, 16)))
        assert not kernels.uses_native_conv(x, jnp.ones((3, 3, 8, 8)))
        assert not kernels.uses_native_conv(x, jnp.ones((2, 2, 8, 16)))
        half = x.astype("bfloat16")
        assert not kernels.uses_native_conv(half, jnp.ones((3, 3, 8, 16)))
        monkeypatch.setenv(library.DISABLE_VARIABLE, "0")
        assert not kernels.uses_native_conv(x, jnp.ones((3, 3, 8, 16)))

    def test_model_gradients_match_xla(self, monkeypatch):
        import jax

        # Channel counts where every stride-1 3x3 block takes the native path.
        model = tiny_model(width=32, num_res=1)
        loss_fn = keras.losses.MeanAbsoluteError()
        rng = np.random.default_rng(2)
        x = rng.random((2, 32, 32, 3), dtype=np.float32)
        y = rng.random((2, 32, 32, 3), dtype=np.float32)
        trainable = [v.value for v in model.trainable_variables]
        frozen = [v.value for v in model.non_trainable_variables]

        def loss(trainable):
            outputs, _ = model.stateless_call(trainable, frozen, x, training=True)
            return loss_fn(y, outputs[-1])

        native = jax.jit(jax.grad(loss))(trainable)
        monkeypatch.setenv(library.DISABLE_VARIABLE, "0")
        xla = jax.jit(jax.grad(loss))(trainable)
        for variable, a, b in zip(model.trainable_variables, native, xla, strict=True):
            scale = float(np.abs(b).max()) or 1.0
            np.testing.assert_allclose(a, b, atol=1e-5 * scale, err_msg=variable.path)
