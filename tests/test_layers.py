import keras
import numpy as np
import pytest

from keras_mimo import layers
from tests.test_case import TestCase, to_numpy

LAYER_CASES = [
    (
        layers.ConvBlock,
        {"filters": 8, "kernel_size": 3, "strides": 2},
        (2, 8, 12, 3),
        (2, 4, 6, 8),
    ),
    (
        layers.ConvBlock,
        {"filters": 5, "kernel_size": 1, "activation": False},
        (1, 4, 4, 3),
        (1, 4, 4, 5),
    ),
    (layers.TransposedConvBlock, {"filters": 4}, (1, 3, 5, 8), (1, 6, 10, 4)),
    (layers.ResidualBlock, {"filters": 6}, (1, 4, 4, 6), (1, 4, 4, 6)),
    (layers.ResidualStack, {"filters": 6, "num_res": 2}, (1, 4, 4, 6), (1, 4, 4, 6)),
    (layers.ShallowConvModule, {"filters": 16}, (1, 8, 8, 3), (1, 8, 8, 16)),
    (layers.NearestDownsample, {}, (1, 8, 6, 3), (1, 4, 3, 3)),
    (layers.NearestUpsample, {}, (1, 4, 3, 2), (1, 8, 6, 2)),
]


class TestLayers(TestCase):
    @pytest.mark.parametrize("cls,kwargs,in_shape,out_shape", LAYER_CASES)
    def test_shape_config_and_mixed_precision(self, cls, kwargs, in_shape, out_shape):
        layer = cls(**kwargs)
        x = np.random.default_rng(0).random(in_shape, dtype=np.float32)
        y = layer(x)
        assert tuple(y.shape) == out_shape
        assert tuple(layer.compute_output_shape(in_shape)) == out_shape
        clone = cls.from_config(layer.get_config())
        assert clone.get_config() == layer.get_config()
        mixed = cls(**kwargs, dtype="mixed_bfloat16")
        assert keras.backend.standardize_dtype(mixed(x).dtype) == "bfloat16"
        assert all(v.dtype == "float32" for v in mixed.weights)

    def test_multi_input_layers(self):
        a = np.ones((1, 4, 4, 8), "float32")
        assert tuple(layers.FeatureAttention(8)([a, a]).shape) == (1, 4, 4, 8)
        maps = [np.ones((1, 4, 4, c), "float32") for c in (4, 8, 16)]
        fusion = layers.FeatureFusion(8)
        assert tuple(fusion(maps).shape) == (1, 4, 4, 8)
        assert fusion.squeeze.conv.kernel.shape == (1, 1, 28, 8)

    def test_feature_attention_is_gated_residual(self):
        layer = layers.FeatureAttention(3)
        x = np.random.default_rng(1).random((1, 4, 4, 3), dtype=np.float32)
        layer([x, x])
        layer.merge.conv.kernel.assign(np.zeros((3, 3, 3, 3), "float32"))
        layer.merge.conv.bias.assign(np.ones(3, "float32"))
        self.assert_allclose(layer([x, x]), x + 1, atol=1e-6)

    @pytest.mark.parametrize("strides", [1, 2])
    def test_conv_block_matches_pytorch_padding(self, strides):
        torch = pytest.importorskip("torch")
        rng = np.random.default_rng(2)
        x = rng.random((1, 10, 12, 4), dtype=np.float32)
        w = rng.standard_normal((6, 4, 3, 3)).astype("float32")
        b = rng.standard_normal(6).astype("float32")
        layer = layers.ConvBlock(6, 3, strides=strides)
        layer.build(x.shape)
        layer.conv.kernel.assign(w.transpose(2, 3, 1, 0))
        layer.conv.bias.assign(b)
        expected = (
            torch.relu(
                torch.nn.functional.conv2d(
                    torch.from_numpy(x).permute(0, 3, 1, 2),
                    torch.from_numpy(w),
                    torch.from_numpy(b),
                    stride=strides,
                    padding=1,
                )
            )
            .permute(0, 2, 3, 1)
            .numpy()
        )
        self.assert_allclose(layer(x), expected, atol=1e-5)

    def test_transposed_conv_block_matches_pytorch(self):
        torch = pytest.importorskip("torch")
        rng = np.random.default_rng(3)
        x = rng.random((1, 5, 7, 8), dtype=np.float32)
        w = rng.standard_normal((8, 4, 4, 4)).astype("float32")  # [in, out, kh, kw]
        b = rng.standard_normal(4).astype("float32")
        layer = layers.TransposedConvBlock(4)
        layer.build(x.shape)
        layer.conv.kernel.assign(w.transpose(2, 3, 1, 0))
        layer.conv.bias.assign(b)
        expected = (
            torch.relu(
                torch.nn.functional.conv_transpose2d(
                    torch.from_numpy(x).permute(0, 3, 1, 2),
                    torch.from_numpy(w),
                    torch.from_numpy(b),
                    stride=2,
                    padding=1,
                )
            )
            .permute(0, 2, 3, 1)
            .numpy()
        )
        self.assert_allclose(layer(x), expected, atol=1e-5)

    def test_nearest_resampling_values(self):
        x = np.arange(2 * 4 * 4 * 1, dtype="float32").reshape(2, 4, 4, 1)
        down = to_numpy(layers.NearestDownsample()(x))
        np.testing.assert_array_equal(down, x[:, ::2, ::2])
        up = to_numpy(layers.NearestUpsample()(down))
        np.testing.assert_array_equal(up, down.repeat(2, axis=1).repeat(2, axis=2))
        coarse = np.random.default_rng(2).random((2, 2, 3, 4), dtype=np.float32)
        fine = np.random.default_rng(3).random((2, 8, 12, 4), dtype=np.float32)
        np.testing.assert_allclose(
            to_numpy(layers.resampling.add_upsampled(fine, coarse, 4)),
            fine + coarse.repeat(4, axis=1).repeat(4, axis=2),
            rtol=1e-6,
        )

    def test_depth_to_space_and_subpixel_kernel(self):
        x = np.random.default_rng(5).random((2, 3, 5, 12), dtype=np.float32)
        expected = np.zeros((2, 6, 10, 3), "float32")
        for a in range(2):
            for b in range(2):
                expected[:, a::2, b::2] = x[..., (2 * a + b) * 3 : (2 * a + b + 1) * 3]
        np.testing.assert_array_equal(
            to_numpy(keras.ops.depth_to_space(x, 2)), expected
        )
        # Every 4x4 kernel tap is used exactly once across the four phases.
        taps = np.arange(16, dtype="float32").reshape(4, 4, 1, 1) + 1
        kernel = to_numpy(layers.conv.subpixel_kernel(taps))
        assert kernel.shape == (3, 3, 1, 4)
        np.testing.assert_array_equal(np.sort(kernel[kernel > 0]), taps.ravel())
        # ...and the sub-pixel form (used on JAX) equals the transposed conv.
        block = layers.TransposedConvBlock(4, activation=False)
        block(x[..., :8])
        kernel = layers.conv.subpixel_kernel(block.conv.kernel)
        subpixel = keras.ops.depth_to_space(
            keras.ops.conv(x[..., :8], kernel, padding="same"), 2
        )
        self.assert_allclose(
            subpixel + block.conv.bias, block.conv(x[..., :8]), atol=1e-5
        )

    def test_fusion_of_coarse_inputs_equals_official_concat(self):
        # The official AFF upsamples the coarse maps, then concat + 1x1 conv;
        # FeatureFusion convolves each at its own size and upsamples after.
        rng = np.random.default_rng(4)
        maps = [rng.random((2, 8, 12, c), dtype=np.float32) * 2 - 1 for c in (4, 8, 16)]
        coarse = [maps[0], maps[1][:, ::2, ::2], maps[2][:, ::4, ::4]]
        same_size = [
            coarse[0],
            coarse[1].repeat(2, axis=1).repeat(2, axis=2),
            coarse[2].repeat(4, axis=1).repeat(4, axis=2),
        ]
        official = layers.FeatureFusion(8)
        expected = official(same_size)
        folded = layers.FeatureFusion(8, upsample_factors=(1, 2, 4))
        folded.build([m.shape for m in coarse])
        folded.set_weights(official.get_weights())
        self.assert_allclose(folded(coarse), expected, atol=1e-5)
        assert tuple(folded.compute_output_shape([m.shape for m in coarse])) == (
            2,
            8,
            12,
            8,
        )
        for factors in ((2, 2, 4), (1, 2), (1, 2, 3)):
            with pytest.raises(ValueError, match="one factor per input"):
                layers.FeatureFusion(8, upsample_factors=factors)(coarse)
