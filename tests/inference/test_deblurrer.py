import numpy as np
import pytest
from PIL import Image

from keras_mimo.inference import Deblurrer, InputImageError, deblur
from keras_mimo.inference import deblurrer as deblurrer_module
from keras_mimo.utils.preset_utils import PresetError
from tests.conftest import requires_shared

from .conftest import FIRST_BLUR


def _psnr(a, b):
    return 10 * np.log10(1.0 / np.mean((np.clip(a, 0, 1) - np.clip(b, 0, 1)) ** 2))


@pytest.fixture(scope="module")
def deblurrer(tiny):
    return Deblurrer(tiny)


def test_array_kinds_keep_shape_dtype_and_alpha(deblurrer):
    rng = np.random.default_rng(0)
    cases = [
        rng.integers(0, 256, (6, 10, 3), np.uint8),
        rng.integers(0, 65536, (6, 10), np.uint16),
        rng.integers(0, 256, (6, 10, 2), np.uint8),
        rng.random((6, 10, 4)).astype("float32"),
        rng.integers(0, 256, (3, 6, 10, 3), np.uint8),
    ]
    for image in cases:
        out = deblurrer(image)
        assert out.shape == image.shape and out.dtype == image.dtype
        if image.ndim == 3 and image.shape[-1] in (2, 4):
            np.testing.assert_array_equal(out[..., -1], image[..., -1])
    assert deblurrer(cases[3]).min() >= 0.0 and deblurrer(cases[3]).max() <= 1.0


def test_tiny_images_are_padded_not_rejected(deblurrer):
    for shape in [(1, 1, 3), (1, 1), (2, 3, 3), (5, 9, 3)]:
        image = np.full(shape, 0.5, np.float32)
        assert deblurrer(image).shape == shape


def test_pil_images_keep_their_mode(deblurrer):
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (6, 10, 3), np.uint8)
    for image in [
        Image.fromarray(rgb),
        Image.fromarray(rgb).convert("L"),
        Image.fromarray(rgb).convert("RGBA"),
        Image.fromarray(rng.integers(0, 65536, (6, 10), np.uint16)),
    ]:
        out = deblurrer(image)
        assert isinstance(out, Image.Image)
        assert out.mode == image.mode and out.size == image.size
    with pytest.raises(InputImageError, match="palette"):
        deblurrer(Image.fromarray(rgb).convert("P"))


def test_pil_exif_orientation_is_honoured(deblurrer, tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 8  # rotate 90 degrees counter-clockwise for display
    Image.new("RGB", (6, 10)).save(tmp_path / "r.jpg", exif=exif.tobytes())
    assert deblurrer(Image.open(tmp_path / "r.jpg")).size == (10, 6)
    assert deblurrer(str(tmp_path / "r.jpg")).shape == (6, 10, 3)


def test_path_input_returns_array_and_bad_path_names_file(deblurrer, tmp_path):
    Image.new("RGB", (10, 6)).save(tmp_path / "ok.png")
    out = deblurrer(tmp_path / "ok.png")
    assert isinstance(out, np.ndarray) and out.shape == (6, 10, 3)
    (tmp_path / "bad.png").write_text("not an image")
    with pytest.raises(InputImageError, match="bad.png"):
        deblurrer(tmp_path / "bad.png")


def test_nan_and_inf_raise(deblurrer):
    image = np.zeros((8, 8, 3), np.float32)
    image[2, 3, 1] = np.nan
    with pytest.raises(InputImageError, match="NaN"):
        deblurrer(image)


@pytest.mark.parametrize("ensemble", [1, 4, 8])
def test_identity_model_gives_input_back(identity, ensemble):
    image = np.random.default_rng(0).random((1, 18, 26, 3)).astype("float32")
    out = Deblurrer(identity, ensemble=ensemble, tile=0).predict(image)
    np.testing.assert_array_equal(out, image)
    tiled = Deblurrer(identity, ensemble=ensemble, tile=8, overlap=0).predict(image)
    np.testing.assert_array_equal(tiled, image)
    blended = Deblurrer(identity, ensemble=ensemble, tile=(12, 16), overlap=4)
    np.testing.assert_allclose(blended.predict(image), image, atol=1e-6)


@requires_shared
def test_tiled_matches_untiled_on_real_crop(tiny):
    image = np.asarray(Image.open(FIRST_BLUR))[200:360, 400:624] / 255.0
    image = image[None].astype("float32")
    whole = Deblurrer(tiny, tile=0, jit_compile=False).predict(image)
    tiled_deblurrer = Deblurrer(tiny, tile=96, overlap=32, jit_compile=False)
    tiled = tiled_deblurrer.predict(image)
    tile, batch = tiled_deblurrer.plan(160, 224)
    assert tile == (96, 96) and batch >= 6  # the 6 tiles fit one call
    assert _psnr(tiled, whole) >= 45.0


def test_same_size_images_share_batches_and_compiled_functions(deblurrer):
    rng = np.random.default_rng(0)
    images = [rng.random((6, 10, 3)).astype("float32") for _ in range(3)]
    images.append(rng.random((1, 1, 3)).astype("float32"))
    outputs = deblurrer(images)
    assert {(3, 8, 12, 3), (1, 4, 4, 3)} <= set(deblurrer.compiled.cache)
    compiled = dict(deblurrer.compiled.cache)
    for image, output in zip(images, outputs, strict=True):
        np.testing.assert_allclose(output, deblurrer(image), atol=1e-5)
    deblurrer(images)
    assert deblurrer.compiled.cache.keys() == compiled.keys() | {(1, 8, 12, 3)}
    assert all(deblurrer.compiled.cache[k] is v for k, v in compiled.items())


def test_deblur_reuses_its_deblurrer(identity):
    image = np.zeros((8, 8, 3), np.uint8)
    deblur(image, identity, ensemble=4)
    first = deblurrer_module._cache["deblurrer"]
    assert deblur(image, identity, ensemble=4).shape == (8, 8, 3)
    assert deblurrer_module._cache["deblurrer"] is first
    deblur(image, identity, ensemble=1)
    assert deblurrer_module._cache["deblurrer"] is not first


@pytest.mark.once
def test_presets_and_arguments_are_checked(tiny, monkeypatch):
    import keras_mimo

    with pytest.raises(PresetError, match="Unknown preset 'no-such-preset'"):
        Deblurrer(preset="no-such-preset")
    # A wheel without the shipped preset (and none installed by the user):
    monkeypatch.delitem(keras_mimo.presets.REGISTRY, "gopro")
    with pytest.raises(PresetError, match="default preset 'gopro'"):
        Deblurrer()
    with pytest.raises(ValueError, match="not both"):
        Deblurrer(tiny, preset="gopro")
    with pytest.raises(ValueError, match="ensemble"):
        Deblurrer(tiny, ensemble=3)
    with pytest.raises(ValueError, match="multiple of 4"):
        Deblurrer(tiny, tile=30)


@pytest.mark.once
def test_default_plan_tiles_large_images(tiny):
    deblurrer = Deblurrer(tiny)
    assert deblurrer.plan(64, 64)[0] is None
    tile, batch = Deblurrer(tiny, memory_budget="64M").plan(2160, 3840)
    assert tile is not None and batch >= 1


@requires_shared
@pytest.mark.slow
@pytest.mark.once
def test_full_model_tiled_matches_untiled_on_1280x720(tmp_path):
    """Reference checkpoint, real GoPro frame: default tiles vs one pass."""
    from keras_mimo import MIMOUNet, convert_checkpoint
    from tests.conftest import REFERENCE

    convert_checkpoint(REFERENCE / "mimo_unet_random_init.pkl", tmp_path / "ref")
    model = MIMOUNet.from_preset(tmp_path / "ref")
    image = (np.asarray(Image.open(FIRST_BLUR)) / 255.0)[None].astype("float32")
    tiled_deblurrer = Deblurrer(model, memory_budget="384M", precision="float32")
    assert tiled_deblurrer.plan(720, 1280)[0] is not None  # this budget tiles
    tiled = tiled_deblurrer.predict(image)
    whole = Deblurrer(model, tile=0, precision="float32").predict(image)
    assert _psnr(whole, image) < 30  # the network changes the image a lot...
    assert _psnr(tiled, whole) >= 45.0  # ...and tiling does not
