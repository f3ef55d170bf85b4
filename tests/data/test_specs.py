import os

import pytest

from keras_mimo.data import (
    CameraShakeSource,
    DataError,
    FilePairSource,
    GoProSynthesisSource,
    JpegInputSource,
    TFRecordSource,
    parse_source_spec,
    write_tfrecords,
)
from tests.conftest import requires_shared
from tests.data.conftest import GOPRO_FRAMES, GOPRO_VAL, SHARP, VAL_NAMES

pytestmark = pytest.mark.once


@pytest.fixture
def layouts(tmp_path):
    for split in ("train", "test"):
        for kind in ("blur", "blur_gamma", "sharp"):
            source_kind = "sharp" if kind == "sharp" else "blur"
            for name in VAL_NAMES[:2]:
                target = tmp_path / "GOPRO_Large" / split / "SEQ" / kind / name
                target.parent.mkdir(parents=True, exist_ok=True)
                os.symlink(GOPRO_VAL / source_kind / name, target)
        os.symlink(
            tmp_path / "GOPRO_Large" / split / "SEQ",
            tmp_path / split,
            target_is_directory=True,
        )
    (tmp_path / "list.txt").write_text(
        f"SEQ/sharp/{VAL_NAMES[0]} SEQ/blur/{VAL_NAMES[0]}\n"
    )
    return tmp_path


@requires_shared
def test_every_kind(layouts):
    root = layouts / "GOPRO_Large"
    source, weight = parse_source_spec(f"gopro:{root}")
    assert (
        isinstance(source, FilePairSource) and source.tag == "gopro" and weight == 1.0
    )
    assert len(source) == 2 and "/train/" in source.pairs[0].blur
    source, weight = parse_source_spec(f"gopro_gamma:{root}?split=test@0.25")
    assert (
        source.tag == "gopro_gamma"
        and weight == 0.25
        and "/test/SEQ/blur_gamma/" in source.pairs[0].blur
    )
    assert "/test/" in parse_source_spec(f"gopro:{root}", split="test")[0].pairs[0].blur
    source, _ = parse_source_spec(f"split:{layouts}")
    assert source.tag == "split" and len(source) == 2
    source, _ = parse_source_spec(f"realblur:{layouts}/list.txt?root={root}/train")
    assert source.tag == "realblur" and len(source) == 1
    source, weight = parse_source_spec(f"folders:{GOPRO_VAL}/blur,{GOPRO_VAL}/sharp@2")
    assert source.tag == "folders" and len(source) == 6 and weight == 2.0
    source, weight = parse_source_spec(
        f"synth_gopro:{GOPRO_FRAMES.parent}?window=7-9&n=5&crops=3&stride=1-2@0.7"
    )
    assert isinstance(source, GoProSynthesisSource) and source.window == (7, 9)
    assert source.stride == (1, 2)
    assert len(source) == 5 and weight == 0.7 and source.crops_per_draw == 3
    source, _ = parse_source_spec(
        f"synth_shake:{SHARP / 'kodak24'}?kernel_size=21&length=3-15"
    )
    assert (
        isinstance(source, CameraShakeSource)
        and source.kernel_size == 21
        and source.length == (3.0, 15.0)
    )
    write_tfrecords(
        parse_source_spec(f"realblur:{layouts}/list.txt?root={root}/train")[0],
        layouts / "tfr",
    )
    source, _ = parse_source_spec(f"tfrecord:{layouts}/tfr?verify=1")
    assert isinstance(source, TFRecordSource) and len(source) == 1


@pytest.mark.parametrize(
    "spec, message",
    [
        ("", r"expected \[KIND:\]PATH"),
        ("/no/such/GOPRO_Large", "no such file or folder"),
        ("gopro:", r"expected \[KIND:\]PATH"),
        ("imagenet:/data", "unknown kind 'imagenet'"),
        ("folders:/a/blur@heavy", "weight 'heavy' is not a number"),
        ("folders:/a/blur@0", "weight must be a positive number"),
        ("folders:/a/blur@-1", "weight must be a positive number"),
        ("folders:/only/one", "expected BLUR_DIR,SHARP_DIR"),
        ("gopro:/x?splt=test", "unknown option 'splt=test' for gopro"),
        ("synth_gopro:/x?window=a-b", "bad source spec"),
        ("gopro:/no/such/GOPRO_Large", "split folder not found"),
        ("tfrecord:/no/such/dir", "no TFRecord manifest"),
    ],
)
def test_bad_specs(spec, message):
    with pytest.raises(DataError, match=message):
        parse_source_spec(spec)


@requires_shared
def test_window_error_is_wrapped():
    with pytest.raises(DataError, match="window must be"):
        parse_source_spec(f"synth_gopro:{GOPRO_FRAMES}?window=9-7")
    with pytest.raises(DataError, match="stride must be"):
        parse_source_spec(f"synth_gopro:{GOPRO_FRAMES}?stride=0")


def test_jpeg_option_wraps_any_kind(small_pairs):
    spec = f"folders:{small_pairs}/blur,{small_pairs}/sharp?jpeg=40-60@0.5"
    source, weight = parse_source_spec(spec)
    assert isinstance(source, JpegInputSource) and weight == 0.5
    assert source.quality == (40, 60) and source.tag == "folders" and len(source) == 3
    assert parse_source_spec(f"{small_pairs}?jpeg=75")[0].quality == (75, 75)


@pytest.mark.parametrize("quality", ["0-50", "50-101", "90-80", "high"])
def test_bad_jpeg_quality(small_pairs, quality):
    with pytest.raises(DataError, match="bad source spec"):
        parse_source_spec(
            f"folders:{small_pairs}/blur,{small_pairs}/sharp?jpeg={quality}"
        )
