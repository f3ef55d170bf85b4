"""Every decoder checks the pixel limit from the header; 16-bit PNGs decode in C."""

import io
import struct
import time
import zlib

import numpy as np
import pytest
from PIL import Image

from keras_mimo.data import DataError
from keras_mimo.data.image_files import image_info
from keras_mimo.images import png16
from keras_mimo.inference import InputImageError, read_image
from keras_mimo.utils.limits import max_image_pixels

pytestmark = pytest.mark.once


def chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def png_claiming(width: int, height: int, depth: int = 16) -> bytes:
    """A few hundred bytes of PNG whose header claims `width x height` RGB."""
    header = struct.pack(">IIBBBBB", width, height, depth, 2, 0, 0, 0)
    rows = zlib.compress(b"\0" * 1000)
    return (
        png16.SIGNATURE
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", rows)
        + chunk(b"IEND", b"")
    )


def test_sixteen_bit_png_bomb_is_refused_before_decoding(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(png_claiming(14_000, 14_000))
    start = time.perf_counter()
    with pytest.raises(InputImageError) as caught:
        read_image(path)
    assert time.perf_counter() - start < 1.0
    assert str(caught.value) == (
        f"{path}: 14000x14000 = 196,000,000 pixels exceeds the limit of "
        "178,956,970 pixels (a decompression bomb?); set KERAS_MIMO_MAX_PIXELS "
        "to allow it"
    )


def test_limit_is_configurable(tmp_path, monkeypatch):
    path = tmp_path / "small.png"
    Image.fromarray(np.zeros((20, 30, 3), np.uint8)).save(path)
    monkeypatch.setenv("KERAS_MIMO_MAX_PIXELS", "500")
    with pytest.raises(InputImageError, match="20 = 600 pixels exceeds the limit"):
        read_image(path)
    with pytest.raises(DataError, match="30x20 = 600 pixels exceeds the limit of 500"):
        image_info(path)
    monkeypatch.setenv("KERAS_MIMO_MAX_PIXELS", "0")
    assert max_image_pixels() is None
    assert read_image(path).pixels.shape == (20, 30, 3)
    monkeypatch.setenv("KERAS_MIMO_MAX_PIXELS", "lots")
    with pytest.raises(ValueError, match="KERAS_MIMO_MAX_PIXELS='lots'"):
        max_image_pixels()


def test_training_reader_refuses_a_bomb(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(png_claiming(20_000, 10_000, depth=8))
    with pytest.raises(DataError) as caught:
        image_info(path)
    assert str(caught.value).startswith(f"{path}: Image size (200000000 pixels)")


def test_animated_image_is_refused(tmp_path):
    path = tmp_path / "anim.webp"
    frames = [Image.new("RGB", (8, 8), c) for c in ("red", "blue")]
    frames[0].save(path, save_all=True, append_images=frames[1:])
    with pytest.raises(InputImageError) as caught:
        read_image(path)
    assert str(caught.value) == (
        f"{path}: animated image (2 frames); only still images can be deblurred "
        "(extract the frames first)"
    )


def test_sixteen_bit_png_decodes_fast():
    """3 Mpx of 16-bit RGB (libpng picks Paeth and the other filters) in C."""
    rng = np.random.default_rng(0)
    smooth = np.cumsum(rng.integers(0, 64, (1500, 2000, 3)), axis=1) % 65536
    pixels = smooth.astype(np.uint16)
    buffer = io.BytesIO()
    png16.write_png16(buffer, pixels, icc_profile=b"icc", exif=b"Exif\0\0II*\0")
    start = time.perf_counter()
    decoded, info = png16.read_png16(buffer.getvalue())
    assert time.perf_counter() - start < 1.0  # the Python codec took 4.4 s
    np.testing.assert_array_equal(decoded, pixels)
    assert info == {"icc_profile": b"icc", "exif": b"II*\0"}
