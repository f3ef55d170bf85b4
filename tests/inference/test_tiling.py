import numpy as np
import pytest

from keras_mimo.inference.memory import (
    activation_bytes_per_pixel,
    choose_tile,
    parse_memory,
    tiles_per_call,
)
from keras_mimo.inference.tiling import axis_window, run_tiled, tile_starts

pytestmark = pytest.mark.once


@pytest.mark.parametrize(
    "size, tile, overlap", [(100, 40, 8), (720, 224, 32), (64, 64, 8)]
)
def test_tile_starts_cover_and_align(size, tile, overlap):
    starts = tile_starts(size, tile, overlap)
    assert starts[0] == 0 and starts[-1] + min(tile, size) == size
    assert all(s % 4 == 0 for s in starts)
    assert all(
        b - a <= tile - overlap for a, b in zip(starts, starts[1:], strict=False)
    )


def test_window_ramps_only_at_cuts():
    window = axis_window(64, 16, cut_start=True, cut_end=False)
    assert window[:4].max() == 0.0  # outer quarter of the overlap discarded
    assert np.all(np.diff(window[:16]) >= 0) and np.all(window[16:] == 1.0)
    assert np.all(axis_window(64, 16, False, False) == 1.0)


def test_blending_is_a_partition_of_unity():
    """A position-dependent "model" output is reproduced exactly by blending."""
    rng = np.random.default_rng(0)
    images = rng.random((2, 52, 76, 3)).astype("float32")
    for tile, overlap in [((24, 32), 8), ((16, 16), 4), ((52, 20), 8)]:
        out = run_tiled(lambda batch: batch * 2.0, images, tile, overlap, batch_size=3)
        np.testing.assert_allclose(out, images * 2.0, rtol=1e-6)


def test_bad_tiles_raise():
    images = np.zeros((1, 64, 64, 3), np.float32)
    with pytest.raises(ValueError, match="multiples of 4"):
        run_tiled(lambda b: b, images, (30, 32), 8)
    with pytest.raises(ValueError, match="less than half"):
        run_tiled(lambda b: b, images, (32, 32), 16)


def test_parse_memory():
    assert parse_memory("512M") == 512 * 2**20
    assert parse_memory("1.5GB") == int(1.5 * 2**30)
    assert parse_memory("2GiB") == 2 * 2**30
    assert parse_memory(1000) == 1000
    for bad in ("lots", "-1G", 0):
        with pytest.raises(ValueError):
            parse_memory(bad)


def test_choose_tile_fits_budget_and_multiple():
    bytes_per_pixel = activation_bytes_per_pixel(32, "jax")
    assert choose_tile(256, 256, 512 * 2**20, bytes_per_pixel, 32) is None
    for height, width in [(720, 1280), (2160, 3840), (1080, 1920)]:
        tile_h, tile_w = choose_tile(height, width, 512 * 2**20, bytes_per_pixel, 32)
        assert tile_h * tile_w * bytes_per_pixel <= 512 * 2**20
        for side, full in ((tile_h, height), (tile_w, width)):
            assert side == full or side % 16 == 0
            assert side > 64  # more than twice the overlap
    # JAX needs 800 B/pixel: two full-width tiles for a 1280x720 frame.
    assert choose_tile(720, 1280, 512 * 2**20, bytes_per_pixel, 32) == (384, 1280)
    # At 3200 B/pixel the cheapest cover is 7 full-height strips.
    assert choose_tile(720, 1280, 512 * 2**20, 3200, 32) == (720, 224)
    # A budget below the smallest tile still gives the smallest tile.
    assert choose_tile(720, 1280, 1, bytes_per_pixel, 32) == (80, 80)
    assert tiles_per_call(64 * 64, 512 * 2**20, 3200) == 40


@pytest.mark.once
@pytest.mark.parametrize(
    "key, height, width, whole",
    [
        (("tensorflow", "graph", "bfloat16"), 720, 1280, True),
        (("tensorflow", "graph", "bfloat16"), 1080, 1920, True),
        (("jax", "XLA", "float32"), 720, 1280, True),
        # Whole, PyTorch's 720p frame would pass the 1.5 GB resident target.
        (("torch", "eager", "bfloat16"), 720, 1280, False),
        (("tensorflow", "graph", "bfloat16"), 2160, 3840, False),
    ],
)
def test_default_budget_runs_what_the_readme_says(key, height, width, whole):
    """The default memory budget's plans for the full MIMO-UNet (width 32)."""
    from keras_mimo.inference.memory import (
        BYTES_PER_PIXEL_PER_CHANNEL,
        DEFAULT_MEMORY_BUDGET,
        model_call_budget,
    )

    budget = model_call_budget(DEFAULT_MEMORY_BUDGET, height, width)
    tile = choose_tile(height, width, budget, BYTES_PER_PIXEL_PER_CHANNEL[key] * 32, 32)
    assert (tile is None) == whole, tile
