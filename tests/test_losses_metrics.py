import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_mimo import (
    PSNR,
    SSIM,
    ContentLoss,
    FrequencyLoss,
    MIMOLoss,
    multiscale_targets,
    psnr,
    ssim,
)
from tests.conftest import DATA, FIXTURES, requires_shared
from tests.test_case import TestCase, to_numpy


def load(path):
    return np.asarray(Image.open(path).convert("RGB"), np.float32)[None] / 255


class TestLosses(TestCase):
    def test_targets_match_official(self, reference_io):
        quarter, half, full = multiscale_targets(reference_io["label_a"])
        self.assert_allclose(half, reference_io["label_a_half"], atol=1e-6)
        self.assert_allclose(quarter, reference_io["label_a_quarter"], atol=1e-6)
        self.assert_allclose(full, reference_io["label_a"], atol=0)

    @pytest.mark.parametrize(
        "loss,name",
        [
            (ContentLoss(), "content"),
            (FrequencyLoss(), "frequency"),
            (MIMOLoss(), "total"),
        ],
    )
    def test_summed_over_outputs_is_official_loss(self, reference_io, loss, name):
        # Keras applies one loss to each output and sums: the official objective.
        targets = multiscale_targets(reference_io["label_a"])
        prescaled = sum(
            float(loss(t, reference_io[f"output_a_{k}"])) for k, t in enumerate(targets)
        )
        full_size = sum(
            float(loss(reference_io["label_a"], reference_io[f"output_a_{k}"]))
            for k in range(3)
        )
        expected = float(reference_io[f"loss_{name}"])
        assert prescaled == pytest.approx(expected, rel=1e-4)
        assert full_size == pytest.approx(expected, rel=1e-4)

    def test_frequency_loss_matches_numpy_fft(self):
        rng = np.random.default_rng(0)
        a, b = rng.random((2, 2, 8, 12, 3), dtype=np.float32)
        spectrum = np.fft.fft2(a - b, axes=(1, 2))
        expected = np.mean(np.stack([spectrum.real, spectrum.imag]).__abs__())
        assert float(FrequencyLoss()(a, b)) == pytest.approx(expected, rel=1e-5)

    def test_loss_config_round_trip(self):
        loss = MIMOLoss(frequency_weight=0.2)
        assert MIMOLoss.from_config(loss.get_config()).frequency_weight == 0.2


class TestMetrics(TestCase):
    @requires_shared
    def test_psnr_on_real_pair(self):
        name = "GOPR0477_11_00_st_frame-165_n_avg-8.png"
        blur = load(DATA / "gopro_val" / "blur" / name)
        sharp = load(DATA / "gopro_val" / "sharp" / name)
        expected = 10 * np.log10(1 / np.mean((blur.astype(np.float64) - sharp) ** 2))
        assert float(psnr(sharp, blur)[0]) == pytest.approx(expected, abs=1e-3)
        metric = PSNR()
        metric.update_state(sharp, blur)
        metric.update_state(sharp, sharp * 0.5)
        second = 10 * np.log10(1 / np.mean((sharp * 0.5 - sharp) ** 2))
        assert float(metric.result()) == pytest.approx(
            (expected + second) / 2, abs=1e-3
        )

    def test_psnr_clips_prediction(self):
        target = np.full((1, 8, 8, 3), 1.0, "float32")
        assert float(psnr(target, target + 0.5)[0]) > 100

    @requires_shared
    def test_ssim_matches_tensorflow_definition(self):
        name = "GOPR0477_11_00_st_frame-171_n_avg-8.png"
        blur = load(DATA / "gopro_val" / "blur" / name)[:, 100:292, 300:556]
        sharp = load(DATA / "gopro_val" / "sharp" / name)[:, 100:292, 300:556]
        expected = float(tf.image.ssim(sharp, blur, max_val=1.0)[0])
        assert float(ssim(sharp, blur)[0]) == pytest.approx(expected, abs=1e-4)
        assert float(ssim(sharp, sharp)[0]) == pytest.approx(1.0, abs=1e-5)
        metric = SSIM()
        metric.update_state(sharp, blur)
        assert float(metric.result()) == pytest.approx(expected, abs=1e-4)
        assert expected < 0.99  # a real blur lowers it

    def test_ssim_matches_published_definition(self):
        """Wang et al. (2004) as scikit-image computes it, borders included.

        scikit-image filters with reflected borders and then leaves the outer
        (11 - 1) / 2 = 5 pixels out of the mean, which is the valid window
        positions `ssim` averages. Measured agreement on these pairs: within
        4e-5 in float32 on TensorFlow and PyTorch, 1.3e-6 on JAX.
        """
        metrics = pytest.importorskip("skimage.metrics", reason="needs scikit-image")
        pairs = [
            [
                load(FIXTURES / "pairs" / kind / f"pair{i}.png")[0]
                for kind in ("sharp", "blur")
            ]
            for i in range(3)
        ]
        options = dict(
            gaussian_weights=True,
            sigma=1.5,
            use_sample_covariance=False,
            data_range=1,
            channel_axis=-1,
        )
        expected, with_border = [], []
        for sharp, blur in pairs:
            score, full = metrics.structural_similarity(
                sharp.astype("float64"), blur.astype("float64"), full=True, **options
            )
            expected.append(score)
            with_border.append(full.mean())
        # Averaging the reflected border too would move every score by more
        # than the tolerance, so this checks the border handling as well.
        assert np.min(np.abs(np.subtract(with_border, expected))) > 5e-4
        scores = to_numpy(
            ssim(np.stack([s for s, _ in pairs]), np.stack([b for _, b in pairs]))
        )
        np.testing.assert_allclose(scores, expected, rtol=0, atol=1e-4)

    def test_metrics_serialize(self):
        assert PSNR.from_config(PSNR().get_config()).name == "psnr"
        assert to_numpy(SSIM().result()) == 0


@pytest.mark.requires_backend("tensorflow")
def test_loss_downscales_target_with_symbolic_sizes(reference_io):
    """Validation images of varying size reach the loss with unknown H, W."""
    spec = tf.TensorSpec([None, None, None, 3], tf.float32)
    graph_loss = tf.function(
        lambda t, p: MIMOLoss()(t, p), input_signature=[spec, spec]
    )
    total = sum(
        float(graph_loss(reference_io["label_a"], reference_io[f"output_a_{k}"]))
        for k in range(3)
    )
    assert total == pytest.approx(float(reference_io["loss_total"]), rel=1e-4)
