import keras
import numpy as np
import pytest

from keras_mimo import ImageShapeError, MIMOUNet
from tests.test_case import TestCase, tiny_model, to_numpy


class TestMIMOUNet(TestCase):
    @pytest.mark.parametrize(
        "variant,params", [("mimo_unet", 6_807_171), ("mimo_unet_plus", 16_107_651)]
    )
    def test_parameter_counts(self, variant, params):
        model = MIMOUNet.from_variant(variant)
        assert model.count_params() == params
        assert model.variant == variant

    def test_unknown_variant(self):
        with pytest.raises(ValueError, match="mimo_unet_plus"):
            MIMOUNet.from_variant("mimo_unet_xl")

    def test_three_scales_any_size(self):
        model = tiny_model()
        for h, w in ((16, 24), (36, 20)):
            quarter, half, full = model(np.zeros((2, h, w, 3), "float32"))
            assert tuple(full.shape) == (2, h, w, 3)
            assert tuple(half.shape) == (2, h // 2, w // 2, 3)
            assert tuple(quarter.shape) == (2, h // 4, w // 4, 3)

    def test_predict_returns_full_resolution(self):
        model = tiny_model()
        x = np.random.default_rng(0).random((3, 16, 20, 3), dtype=np.float32)
        predicted = model.predict(x, batch_size=2, verbose=0)
        assert predicted.shape == x.shape
        self.assert_allclose(predicted, to_numpy(model(x)[-1]), atol=1e-5)

    @pytest.mark.parametrize(
        "shape,message",
        [
            ((16, 16, 3), "rank 3"),
            ((1, 16, 16, 1), "grayscale"),
            ((1, 16, 16, 4), "RGBA"),
            ((1, 18, 16, 3), "divisible by 4"),
            ((1, 16, 22, 3), "divisible by 4"),
        ],
    )
    def test_clear_input_errors(self, shape, message):
        model = tiny_model()
        with pytest.raises(ImageShapeError, match=message):
            model(np.zeros(shape, "float32"))
        if len(shape) == 4:
            with pytest.raises(ImageShapeError, match=message):
                model.predict(np.zeros(shape, "float32"), verbose=0)

    def test_keras_file_round_trip(self, tmp_path):
        model = tiny_model(dropout=0.1)
        x = np.random.default_rng(1).random((1, 16, 16, 3), dtype=np.float32)
        restored = self.run_serialization_test(model, tmp_path, x)
        assert restored.dropout == 0.1

    def test_dropout_only_in_training(self):
        model = tiny_model(dropout=0.5)
        x = np.random.default_rng(2).random((1, 16, 16, 3), dtype=np.float32)
        inference = [to_numpy(model(x, training=False)[-1]) for _ in range(2)]
        np.testing.assert_array_equal(*inference)
        training = to_numpy(model(x, training=True)[-1])
        assert np.abs(training - inference[0]).max() > 0

    def test_mixed_precision(self):
        model = tiny_model(dtype="mixed_bfloat16")
        out = model(np.zeros((1, 16, 16, 3), "float32"))[-1]
        assert keras.backend.standardize_dtype(out.dtype) == "bfloat16"
        assert all(w.dtype == "float32" for w in model.weights)
