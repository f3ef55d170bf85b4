"""16-bit colour PNG reading and writing.

Pillow reads 16-bit grey PNGs as mode `I;16` but reduces 16-bit RGB, RGBA
and grey+alpha PNGs to 8 bits, and cannot write them at all. This module
decodes and encodes those files with `zlib` and numpy so that 16-bit
photographs keep their precision through `keras-mimo deblur`.

Example:
>>> import io, numpy as np
>>> pixels = np.arange(24, dtype="uint16").reshape(2, 4, 3) * 2000
>>> buffer = io.BytesIO()
>>> write_png16(buffer, pixels)
>>> decoded, _ = read_png16(buffer.getvalue())
>>> bool((decoded == pixels).all())
True
"""

import struct
import zlib
from typing import BinaryIO

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
# PNG colour type -> channels (grey, RGB, grey + alpha, RGBA).
_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}
_COLOR_TYPE = {c: t for t, c in _CHANNELS.items()}


class PNGError(ValueError):
    """A PNG file is corrupt, truncated or uses a feature not supported here."""


def png_header(data: bytes) -> dict | None:
    """Reads the IHDR of PNG bytes; `None` when `data` is not a PNG.

    Returns `width`, `height`, `bit_depth`, `color_type` and `interlace`.
    """
    if len(data) < 33 or not data.startswith(SIGNATURE) or data[12:16] != b"IHDR":
        return None
    width, height, depth, color, _, _, interlace = struct.unpack(
        ">IIBBBBB", data[16:29]
    )
    return {
        "width": width,
        "height": height,
        "bit_depth": depth,
        "color_type": color,
        "interlace": interlace,
    }


def _chunks(data: bytes):
    position = len(SIGNATURE)
    while position < len(data):
        if position + 8 > len(data):
            raise PNGError("file is truncated (incomplete chunk header)")
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        end = position + 12 + length
        if end > len(data):
            raise PNGError(f"file is truncated (in a {kind.decode('latin-1')} chunk)")
        body = data[position + 8 : end - 4]
        (crc,) = struct.unpack(">I", data[end - 4 : end])
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            raise PNGError(f"corrupt {kind.decode('latin-1')} chunk (CRC mismatch)")
        yield kind, body
        if kind == b"IEND":
            return
        position = end
    raise PNGError("file is truncated (no IEND chunk)")


def check_png(data: bytes) -> None:
    """Raises `PNGError` unless every chunk is complete, its CRC right, and IEND
    present (Pillow silently decodes some truncated PNGs into garbage)."""
    for _ in _chunks(data):
        pass


def _unfilter_row(kind: int, line: np.ndarray, prior: np.ndarray, bpp: int):
    if kind == 0:
        return line
    if kind == 1:  # Sub: running sum along each byte lane, modulo 256.
        return np.cumsum(line.reshape(-1, bpp), axis=0, dtype=np.uint8).ravel()
    if kind == 2:  # Up
        return line + prior
    out = bytearray(line.tobytes())
    up = prior.tobytes()
    if kind == 3:  # Average
        for i in range(len(out)):
            left = out[i - bpp] if i >= bpp else 0
            out[i] = (out[i] + ((left + up[i]) >> 1)) & 0xFF
    elif kind == 4:  # Paeth
        for i in range(len(out)):
            if i >= bpp:
                a, c = out[i - bpp], up[i - bpp]
            else:
                a = c = 0
            b = up[i]
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            if pa <= pb and pa <= pc:
                predictor = a
            elif pb <= pc:
                predictor = b
            else:
                predictor = c
            out[i] = (out[i] + predictor) & 0xFF
    else:
        raise PNGError(f"unknown row filter type {kind}")
    return np.frombuffer(bytes(out), np.uint8)


def read_png16(data: bytes) -> tuple[np.ndarray, dict]:
    """Decodes a non-interlaced 16-bit PNG.

    Returns `(pixels, info)`: `pixels` is uint16 `(H, W)` for grey or
    `(H, W, C)` with C = 2 (grey + alpha), 3 (RGB) or 4 (RGBA); `info` may
    hold `icc_profile` and `exif` bytes, like Pillow's `Image.info`.
    """
    header = png_header(data)
    if header is None:
        raise PNGError("not a PNG file")
    if header["bit_depth"] != 16 or header["color_type"] not in _CHANNELS:
        raise PNGError("not a 16-bit grey, grey+alpha, RGB or RGBA PNG")
    if header["interlace"]:
        raise PNGError(
            "interlaced (Adam7) 16-bit PNGs are not supported; re-save it "
            "without interlacing"
        )
    width, height = header["width"], header["height"]
    channels = _CHANNELS[header["color_type"]]
    idat, info = [], {}
    for kind, body in _chunks(data):
        if kind == b"IDAT":
            idat.append(body)
        elif kind == b"iCCP":
            name_end = body.index(b"\0")
            info["icc_profile"] = zlib.decompress(body[name_end + 2 :])
        elif kind == b"eXIf":
            info["exif"] = body
    try:
        raw = zlib.decompress(b"".join(idat))
    except zlib.error as error:
        raise PNGError(f"corrupt or truncated image data ({error})") from error
    bpp = 2 * channels
    stride = width * bpp
    if len(raw) < height * (stride + 1):
        raise PNGError("image data is truncated")
    rows = np.frombuffer(raw, np.uint8, count=height * (stride + 1))
    rows = rows.reshape(height, stride + 1)
    out = np.empty((height, stride), np.uint8)
    prior = np.zeros(stride, np.uint8)
    for y in range(height):
        prior = out[y] = _unfilter_row(int(rows[y, 0]), rows[y, 1:], prior, bpp)
    pixels = out.view(">u2").reshape(height, width, channels).astype(np.uint16)
    return (pixels[..., 0] if channels == 1 else pixels), info


def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def write_png16(
    file: BinaryIO,
    pixels: np.ndarray,
    icc_profile: bytes | None = None,
    exif: bytes | None = None,
    compress_level: int = 6,
) -> None:
    """Encodes uint16 `(H, W)` or `(H, W, C)` pixels (C in 1..4) as a 16-bit PNG."""
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint16:
        raise PNGError(f"expected uint16 pixels, got {pixels.dtype}")
    if pixels.ndim == 2:
        pixels = pixels[..., None]
    height, width, channels = pixels.shape
    if channels not in _COLOR_TYPE:
        raise PNGError(f"cannot write {channels} channels to a PNG")
    bpp = 2 * channels
    data = pixels.astype(">u2").view(np.uint8).reshape(height, width * bpp)
    # "Sub" filter on every row: difference with the same byte of the pixel
    # to the left (modulo 256); it compresses photographs well and is cheap.
    filtered = data.copy()
    filtered[:, bpp:] -= data[:, :-bpp]
    rows = np.concatenate([np.ones((height, 1), np.uint8), filtered], axis=1)
    header = struct.pack(">IIBBBBB", width, height, 16, _COLOR_TYPE[channels], 0, 0, 0)
    file.write(SIGNATURE)
    file.write(_chunk(b"IHDR", header))
    if icc_profile:
        file.write(_chunk(b"iCCP", b"icc\0\0" + zlib.compress(icc_profile)))
    if exif:
        # PNG stores the bare TIFF structure, without JPEG's "Exif\0\0" prefix.
        exif = exif[6:] if exif.startswith(b"Exif\x00\x00") else exif
        file.write(_chunk(b"eXIf", exif))
    file.write(_chunk(b"IDAT", zlib.compress(rows.tobytes(), compress_level)))
    file.write(_chunk(b"IEND", b""))
