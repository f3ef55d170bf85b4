"""16-bit colour PNG reading and writing.

Pillow reads 16-bit grey PNGs as mode `I;16` but reduces 16-bit RGB, RGBA
and grey+alpha PNGs to 8 bits, and cannot write them at all. This module
decodes and encodes those files with libpng (through `imagecodecs`, in C),
so that 16-bit photographs keep their precision through `keras-mimo deblur`.
Chunks are walked here first: CRCs and truncation are checked, the size in
the header is checked against a pixel limit before decompressing, and the
ICC profile and EXIF chunks are read and written.

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


def _codecs():
    """The `imagecodecs` module (libpng), with an install hint if missing."""
    try:
        import imagecodecs
    except ImportError as error:
        raise ImportError(
            "16-bit PNG files need imagecodecs: pip install 'keras-mimo[cli]' "
            "(imagecodecs==2026.3.6)."
        ) from error
    return imagecodecs


def read_png16(data: bytes, max_pixels: int | None = None) -> tuple[np.ndarray, dict]:
    """Decodes a 16-bit PNG with libpng (`imagecodecs`).

    Every chunk is checked first (length, CRC, IEND), so a truncated or
    corrupt file is a `PNGError`, and the size in the header is checked
    against `max_pixels` before anything is decompressed.

    Returns `(pixels, info)`: `pixels` is uint16 `(H, W)` for grey or
    `(H, W, C)` with C = 2 (grey + alpha), 3 (RGB) or 4 (RGBA); `info` may
    hold `icc_profile` and `exif` bytes, like Pillow's `Image.info`.
    """
    header = png_header(data)
    if header is None:
        raise PNGError("not a PNG file")
    if header["bit_depth"] != 16 or header["color_type"] not in _CHANNELS:
        raise PNGError("not a 16-bit grey, grey+alpha, RGB or RGBA PNG")
    pixels_in_header = header["width"] * header["height"]
    if max_pixels is not None and pixels_in_header > max_pixels:
        raise PNGError(
            f"{header['width']}x{header['height']} = {pixels_in_header:,} pixels "
            f"exceeds the limit of {max_pixels:,} pixels"
        )
    info = {}
    for kind, body in _chunks(data):
        if kind == b"iCCP":
            name_end = body.index(b"\0")
            info["icc_profile"] = zlib.decompress(body[name_end + 2 :])
        elif kind == b"eXIf":
            info["exif"] = body
    codecs = _codecs()
    try:
        pixels = codecs.png_decode(data)
    except codecs.PngError as error:
        raise PNGError(f"corrupt or truncated image data ({error})") from None
    channels = _CHANNELS[header["color_type"]]
    if pixels.dtype != np.uint16 or pixels.shape[:2] != (
        header["height"],
        header["width"],
    ):
        raise PNGError("image data does not match the PNG header")
    return (pixels if channels > 1 else pixels.reshape(pixels.shape[:2])), info


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
    channels = pixels.shape[-1]
    if channels not in _COLOR_TYPE:
        raise PNGError(f"cannot write {channels} channels to a PNG")
    encoded = _codecs().png_encode(
        np.ascontiguousarray(pixels if channels > 1 else pixels[..., 0]),
        level=compress_level,
    )
    # libpng writes IHDR then the image; metadata chunks go right after IHDR.
    ihdr_end = len(SIGNATURE) + 8 + 13 + 4
    file.write(encoded[:ihdr_end])
    if icc_profile:
        file.write(_chunk(b"iCCP", b"icc\0\0" + zlib.compress(icc_profile)))
    if exif:
        # PNG stores the bare TIFF structure, without JPEG's "Exif\0\0" prefix.
        exif = exif[6:] if exif.startswith(b"Exif\x00\x00") else exif
        file.write(_chunk(b"eXIf", exif))
    file.write(encoded[ihdr_end:])
