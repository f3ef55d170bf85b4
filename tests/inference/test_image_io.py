import io
import os
import stat

import numpy as np
import pytest
from PIL import Image

from keras_mimo.inference import (
    InputImageError,
    OutputPathError,
    read_image,
    write_image,
)
from tests.conftest import requires_shared

from .conftest import FIRST_BLUR

pytestmark = pytest.mark.once


@requires_shared
def test_reads_real_png():
    image = read_image(FIRST_BLUR)
    assert image.pixels.shape == (720, 1280, 3) and image.pixels.dtype == np.uint8
    assert image.format == "PNG" and image.mode == "RGB"


def test_exif_orientation_is_applied(tmp_path):
    pixels = np.zeros((4, 6, 3), np.uint8)
    pixels[0, 0] = 255  # top-left marker
    exif = Image.Exif()
    exif[0x0112] = 6  # stored rotated: display = rotate 90 degrees clockwise
    path = tmp_path / "rotated.jpg"
    Image.fromarray(pixels).save(path, exif=exif.tobytes(), quality=100)
    image = read_image(path)
    assert image.pixels.shape == (6, 4, 3)
    assert image.pixels[0, -1].mean() > 200  # marker moved to the top-right
    if "exif" in image.info:  # kept, but no longer says "rotate"
        exif = Image.Exif()
        exif.load(image.info["exif"])
        assert 0x0112 not in exif


@pytest.mark.parametrize("channels", [2, 3, 4])
def test_16bit_colour_png_round_trip(tmp_path, channels):
    pixels = np.random.default_rng(0).integers(0, 65536, (5, 7, channels), np.uint16)
    write_image(tmp_path / "deep.png", pixels)
    image = read_image(tmp_path / "deep.png")
    assert image.pixels.dtype == np.uint16
    np.testing.assert_array_equal(image.pixels, pixels)


def test_16bit_grey_png_round_trip(tmp_path):
    pixels = np.random.default_rng(0).integers(0, 65536, (5, 7), np.uint16)
    write_image(tmp_path / "grey.png", pixels)
    image = read_image(tmp_path / "grey.png")
    assert image.mode.startswith("I;16")
    np.testing.assert_array_equal(image.pixels, pixels)


def test_formats_and_file_mode(tmp_path):
    pixels = np.random.default_rng(0).integers(0, 256, (16, 16, 3), np.uint8)
    for name in ("a.jpg", "a.png", "a.bmp", "a.tiff", "a.webp"):
        write_image(tmp_path / name, pixels)
        decoded = read_image(tmp_path / name).pixels
        assert decoded.shape == pixels.shape
        mode = stat.S_IMODE(os.stat(tmp_path / name).st_mode)
        assert mode & 0o044  # readable by others, not the 0600 of a temp file
    np.testing.assert_array_equal(read_image(tmp_path / "a.png").pixels, pixels)


def test_metadata_is_kept(tmp_path):
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    pixels = np.zeros((8, 8, 3), np.uint8)
    Image.fromarray(pixels).save(tmp_path / "in.jpg", exif=exif.tobytes())
    info = read_image(tmp_path / "in.jpg").info
    info["icc_profile"] = b"not a real profile"
    for name, deep in (
        ("a.jpg", False),
        ("a.png", False),
        ("a.tiff", False),
        ("b.png", True),
    ):
        data = pixels.astype(np.uint16) if deep else pixels
        write_image(tmp_path / name, data, info=info)
        image = read_image(tmp_path / name)
        loaded = Image.Exif()
        loaded.load(image.info["exif"])
        assert loaded[0x010F] == "TestCam", name


def _png_bytes(mode="RGB", size=(16, 16)):
    buffer = io.BytesIO()
    Image.new(mode, size, 128).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "content, problem",
    [
        (b"this is not an image", "not an image file"),
        (b"", "empty file"),
        (_png_bytes()[:60], "corrupt or truncated"),
        (_png_bytes("P"), "palette"),
    ],
)
def test_bad_files_raise_naming_the_file(tmp_path, content, problem):
    path = tmp_path / "bad.png"
    path.write_bytes(content)
    with pytest.raises(InputImageError, match=problem) as info:
        read_image(path)
    assert str(path) in str(info.value)


def test_cmyk_and_truncated_jpeg(tmp_path):
    Image.new("CMYK", (8, 8)).save(tmp_path / "cmyk.jpg")
    with pytest.raises(InputImageError, match="CMYK"):
        read_image(tmp_path / "cmyk.jpg")
    buffer = io.BytesIO()
    Image.fromarray(
        np.random.default_rng(0).integers(0, 256, (64, 64, 3), np.uint8)
    ).save(buffer, format="JPEG")
    (tmp_path / "cut.jpg").write_bytes(buffer.getvalue()[:-200])
    with pytest.raises(InputImageError, match="truncated"):
        read_image(tmp_path / "cut.jpg")


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputImageError, match="No such file"):
        read_image(tmp_path / "missing.png")
    with pytest.raises(InputImageError, match="directory"):
        read_image(tmp_path)


def test_bad_output_paths(tmp_path):
    pixels = np.zeros((4, 4, 3), np.uint8)
    (tmp_path / "folder.png").mkdir()
    with pytest.raises(OutputPathError, match="is a directory"):
        write_image(tmp_path / "folder.png", pixels)
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputPathError, match="cannot write"):
        write_image(tmp_path / "file" / "out.png", pixels)
    with pytest.raises(OutputPathError, match="extension"):
        write_image(tmp_path / "out.xyz", pixels)


def test_failed_write_leaves_no_file(tmp_path):
    with pytest.raises(Exception):  # noqa: B017 - Pillow's own error type
        write_image(tmp_path / "out.png", np.zeros((4, 4, 3), np.float64))
    assert list(tmp_path.iterdir()) == []
