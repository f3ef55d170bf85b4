import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from keras_mimo.images import png16

pytestmark = pytest.mark.once


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def encode_with_filters(pixels: np.ndarray) -> bytes:
    """A reference encoder using every PNG row filter (0..4) in turn."""
    height, width, channels = pixels.shape
    bpp = 2 * channels
    data = pixels.astype(">u2").view(np.uint8).reshape(height, width * bpp)
    rows = []
    for y in range(height):
        kind = y % 5
        line = data[y].astype(int)
        prior = data[y - 1].astype(int) if y else np.zeros_like(line)
        out = []
        for i, value in enumerate(line):
            a = line[i - bpp] if i >= bpp else 0
            c = prior[i - bpp] if i >= bpp else 0
            b = prior[i]
            predictor = [0, a, b, (a + b) // 2, _paeth(a, b, c)][kind]
            out.append((value - predictor) % 256)
        rows.append(bytes([kind]) + bytes(out))

    def chunk(kind, body):
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    color = {1: 0, 2: 4, 3: 2, 4: 6}[channels]
    header = struct.pack(">IIBBBBB", width, height, 16, color, 0, 0, 0)
    return (
        png16.SIGNATURE
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_round_trip(channels):
    pixels = np.random.default_rng(0).integers(0, 65536, (7, 9, channels), np.uint16)
    buffer = io.BytesIO()
    png16.write_png16(buffer, pixels, icc_profile=b"fake icc", exif=b"Exif")
    decoded, info = png16.read_png16(buffer.getvalue())
    np.testing.assert_array_equal(decoded.reshape(pixels.shape), pixels)
    assert info == {"icc_profile": b"fake icc", "exif": b"Exif"}
    Image.open(io.BytesIO(buffer.getvalue())).load()  # a valid PNG for Pillow too


def test_every_row_filter_decodes():
    pixels = np.random.default_rng(1).integers(0, 65536, (10, 6, 3), np.uint16)
    decoded, _ = png16.read_png16(encode_with_filters(pixels))
    np.testing.assert_array_equal(decoded, pixels)


def test_truncated_and_corrupt_files_raise():
    buffer = io.BytesIO()
    png16.write_png16(buffer, np.ones((4, 4, 3), np.uint16))
    data = buffer.getvalue()
    with pytest.raises(png16.PNGError, match="truncated"):
        png16.read_png16(data[: len(data) // 2])
    corrupt = bytearray(data)
    corrupt[40] ^= 0xFF
    with pytest.raises(png16.PNGError, match="CRC"):
        png16.read_png16(bytes(corrupt))
