"""Reading and writing image files, and PIL images <-> numpy arrays.

Files are decoded upright (EXIF orientation applied) to uint8 or uint16
arrays of shape `(H, W)` (grey) or `(H, W, C)` with C = 2 (grey + alpha),
3 (RGB) or 4 (RGBA). 16-bit PNGs keep all 16 bits, including colour ones
that Pillow would reduce to 8 bits (see `keras_mimo.images.png16`).

Example:
>>> image = read_image("photo.jpg")
>>> image.pixels.shape, image.pixels.dtype, image.format
((72, 96, 3), dtype('uint8'), 'JPEG')
>>> write_image("copy.png", image.pixels)
PosixPath('copy.png')
"""

import dataclasses
import io
import os
import pathlib

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from keras_mimo.images import png16
from keras_mimo.images.errors import InputImageError, OutputPathError
from keras_mimo.utils.files import atomic_file
from keras_mimo.utils.limits import max_image_pixels, pixel_limit_problem

#: PIL modes that can be deblurred, and their numpy layout.
SUPPORTED_MODES = ("L", "LA", "RGB", "RGBA", "I;16", "I;16L", "I;16B", "I;16N", "I")
_MODE_HINTS = {
    "P": "palette",
    "PA": "palette with alpha",
    "1": "1-bit",
    "CMYK": "CMYK",
    "YCbCr": "YCbCr",
    "LAB": "CIELAB",
    "HSV": "HSV",
    "F": "32-bit float",
    "RGBX": "RGB with padding",
    "RGBa": "premultiplied RGBA",
    "La": "premultiplied grey+alpha",
}
_EXIF_ORIENTATION = 0x0112
_FORMATS = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".bmp": "BMP",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".webp": "WEBP",
}
#: File extensions `read_image` reads and `write_image` writes; the image
#: files a folder holds for `deblur`, `evaluate`, `export` and `deblur-batch`.
IMAGE_EXTENSIONS = tuple(_FORMATS)
#: The subset the `tf.data` training pipelines decode (TensorFlow reads PNG
#: and JPEG only); training data folders list these.
PIPELINE_EXTENSIONS = (".png", ".jpg", ".jpeg")


def has_image_extension(
    path: str | os.PathLike, extensions: tuple[str, ...] = IMAGE_EXTENSIONS
) -> bool:
    """Whether a file name ends in one of `extensions` (case-insensitive).

    Example:
    >>> has_image_extension("a/B.JPG"), has_image_extension("notes.txt")
    (True, False)
    """
    return os.path.splitext(os.fspath(path))[1].lower() in extensions


def list_image_files(
    folder: str | os.PathLike, recursive: bool = False
) -> list[pathlib.Path]:
    """Image files (`IMAGE_EXTENSIONS`) in `folder`, sorted by path."""
    folder = pathlib.Path(folder)
    candidates = folder.rglob("*") if recursive else folder.iterdir()
    return sorted(p for p in candidates if p.is_file() and has_image_extension(p))


@dataclasses.dataclass
class ImageFile:
    """A decoded image file.

    Attributes:
        pixels: upright uint8 or uint16 array, `(H, W)` or `(H, W, C)`.
        format: Pillow format name of the file (`"PNG"`, `"JPEG"`, ...).
        mode: Pillow mode of the decoded image (`"RGB"`, `"I;16"`, ...);
            `"RGB;16"`, `"RGBA;16"` and `"LA;16"` for 16-bit colour PNGs.
        info: metadata worth keeping on save (`icc_profile`, `exif` with
            the orientation reset, `dpi`).
    """

    pixels: np.ndarray
    format: str
    mode: str
    info: dict = dataclasses.field(default_factory=dict)


def unsupported_mode_message(mode: str) -> str:
    kind = _MODE_HINTS.get(mode, mode)
    return (
        f"unsupported image mode {mode!r} ({kind}); convert it to RGB, RGBA or "
        "L first, e.g. `image.convert('RGB')`"
    )


def pil_to_array(image: Image.Image, source: str = "image") -> np.ndarray:
    """A PIL image as a numpy array, checking the mode.

    uint8 for `L`, `LA`, `RGB`, `RGBA`; uint16 for `I;16*` and for `I`
    (32-bit integer grey, which Pillow uses for some 16-bit files; values
    must lie in 0..65535).
    """
    mode = image.mode
    if mode not in SUPPORTED_MODES:
        raise InputImageError(source, unsupported_mode_message(mode))
    if image.width == 0 or image.height == 0:
        raise InputImageError(source, f"empty image ({image.width}x{image.height})")
    array = np.asarray(image)
    if mode.startswith("I;16"):
        return array.astype(np.uint16)
    if mode == "I":
        if array.size and (array.min() < 0 or array.max() > 65535):
            raise InputImageError(
                source, "32-bit integer image with values outside 0..65535"
            )
        return array.astype(np.uint16)
    return array


def array_to_pil(array: np.ndarray, mode: str, info: dict | None = None) -> Image.Image:
    """The inverse of `pil_to_array` for an image of the given PIL `mode`."""
    if mode.startswith("I;16"):
        array = array.astype(np.uint16)
    elif mode == "I":
        array = array.astype(np.int32)
    image = Image.fromarray(np.ascontiguousarray(array))
    if info:
        image.info.update(
            {k: v for k, v in info.items() if k in ("icc_profile", "dpi")}
        )
    return image


def _exif_bytes_upright(exif: Image.Exif) -> bytes | None:
    if _EXIF_ORIENTATION in exif:
        del exif[_EXIF_ORIENTATION]
    return exif.tobytes() if len(exif) else None


def _orient(pixels: np.ndarray, orientation: int) -> np.ndarray:
    """Applies an EXIF orientation (1..8) to an `(H, W, ...)` array."""
    operations = {
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1],
        5: lambda a: np.swapaxes(a, 0, 1),
        6: lambda a: np.swapaxes(a, 0, 1)[:, ::-1],
        7: lambda a: np.swapaxes(a, 0, 1)[::-1, ::-1],
        8: lambda a: np.swapaxes(a, 0, 1)[::-1],
    }
    operation = operations.get(orientation)
    return np.ascontiguousarray(operation(pixels)) if operation else pixels


def _read_png16(data: bytes, source: str) -> ImageFile:
    try:
        pixels, info = png16.read_png16(data, max_image_pixels())
    except png16.PNGError as error:
        raise InputImageError(source, f"corrupt or unsupported PNG ({error})") from None
    if pixels.size == 0:
        raise InputImageError(
            source, f"empty image ({pixels.shape[1]}x{pixels.shape[0]})"
        )
    if "exif" in info:
        exif = Image.Exif()
        exif.load(info["exif"])
        pixels = _orient(pixels, exif.get(_EXIF_ORIENTATION, 1))
        info["exif"] = _exif_bytes_upright(exif)
    mode = {2: "LA;16", 3: "RGB;16", 4: "RGBA;16"}[pixels.shape[-1]]
    return ImageFile(pixels, "PNG", mode, {k: v for k, v in info.items() if v})


def read_image(path: str | os.PathLike) -> ImageFile:
    """Reads an image file upright, as uint8 or uint16 pixels.

    Raises `InputImageError` naming the file when it is missing, not an
    image, corrupt or truncated, empty, animated, larger than the pixel
    limit (`keras_mimo.utils.limits`), or in an unsupported mode (palette,
    CMYK, ...). The size is checked from the header, before decoding.

    Example:
    >>> read_image("blurry.png").pixels.shape
    (72, 96, 3)
    """
    source = str(path)
    if os.path.isdir(path):
        raise InputImageError(source, "is a directory, not an image file")
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as error:
        raise InputImageError(source, error.strerror or str(error)) from None
    return decode_image(data, source)


def decode_image(data: bytes, source: str = "image") -> ImageFile:
    """Decodes an image file's bytes, like `read_image` (same checks and errors).

    For files on other filesystems (e.g. read through Apache Beam's
    `FileSystems`); `source` names the file in errors.

    Example:
    >>> decode_image(b"not an image", "x.png")
    Traceback (most recent call last):
    keras_mimo.images.errors.InputImageError: x.png: not an image file (format not recognised)
    """
    if not data:
        raise InputImageError(source, "empty file (0 bytes), not an image")
    header = png16.png_header(data)
    if header and (problem := pixel_limit_problem(header["width"], header["height"])):
        raise InputImageError(source, problem)
    if header and header["bit_depth"] == 16 and header["color_type"] in (2, 4, 6):
        return _read_png16(data, source)
    if data.startswith(png16.SIGNATURE):
        try:
            png16.check_png(data)
        except png16.PNGError as error:
            raise InputImageError(
                source, f"corrupt or truncated PNG ({error})"
            ) from None
    try:
        image = Image.open(io.BytesIO(data))
        if problem := pixel_limit_problem(image.width, image.height):
            raise InputImageError(source, problem)
        if getattr(image, "n_frames", 1) > 1:
            raise InputImageError(
                source,
                f"animated image ({image.n_frames} frames); only still images "
                "can be deblurred (extract the frames first)",
            )
        image.load()
        image_format = image.format or "PNG"
        info = dict(image.info)
        exif = image.getexif()
        image = ImageOps.exif_transpose(image)
    except InputImageError:
        raise
    except UnidentifiedImageError:
        raise InputImageError(
            source, "not an image file (format not recognised)"
        ) from None
    except Image.DecompressionBombError as error:
        raise InputImageError(source, str(error)) from None
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise InputImageError(source, f"corrupt or truncated image ({error})") from None
    pixels = pil_to_array(image, source)
    kept = {k: info[k] for k in ("icc_profile", "dpi") if info.get(k)}
    exif_bytes = _exif_bytes_upright(exif)
    if exif_bytes:
        kept["exif"] = exif_bytes
    return ImageFile(pixels, image_format, image.mode, kept)


def format_for_path(path: str | os.PathLike) -> str:
    """The Pillow format name for a file extension (`.jpg` -> `"JPEG"`)."""
    suffix = pathlib.Path(path).suffix.lower()
    if suffix not in _FORMATS:
        raise OutputPathError(
            path,
            f"unknown image extension {suffix!r}; use one of "
            f"{', '.join(sorted(_FORMATS))}",
        )
    return _FORMATS[suffix]


def check_output_path(path: str | os.PathLike) -> pathlib.Path:
    """Raises `OutputPathError` unless `path` can be written as a file."""
    path = pathlib.Path(path)
    if path.is_dir():
        raise OutputPathError(path, "is a directory")
    parent = path.parent
    if not parent.is_dir():
        problem = "is not a directory" if parent.exists() else "does not exist"
        raise OutputPathError(path, f"cannot write: parent folder {parent} {problem}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputPathError(path, f"cannot write: folder {parent} is not writable")
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputPathError(path, "cannot write: file is read-only")
    return path


def _encode(file, pixels: np.ndarray, image_format: str, info: dict, quality: int):
    if pixels.ndim == 3 and pixels.shape[-1] == 1:
        pixels = pixels[..., 0]
    if pixels.dtype == np.uint16 and pixels.ndim == 3 and image_format == "PNG":
        png16.write_png16(file, pixels, info.get("icc_profile"), info.get("exif"))
        return
    grey_16bit_ok = pixels.ndim == 2 and image_format in ("PNG", "TIFF")
    if pixels.dtype == np.uint16 and not grey_16bit_ok:
        # This format cannot hold these 16-bit pixels here: reduce to 8 bits.
        pixels = ((pixels.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
    image = Image.fromarray(np.ascontiguousarray(pixels))
    options = {k: v for k, v in info.items() if k in ("icc_profile", "dpi", "exif")}
    if image_format == "JPEG":
        if image.mode in ("LA", "RGBA"):  # JPEG has no alpha channel.
            image = image.convert(image.mode[:-1])
        options.update(quality=quality, subsampling=0)
    elif image_format == "WEBP":
        options.update(quality=quality)
    image.save(file, format=image_format, **options)


def encode_image(
    pixels: np.ndarray,
    format: str,
    info: dict | None = None,
    quality: int = 95,
) -> bytes:
    """The bytes of an image file, encoded as `write_image` would write it.

    Example:
    >>> encode_image(np.zeros((2, 2, 3), "uint8"), "PNG")[:4]
    b'\\x89PNG'
    """
    buffer = io.BytesIO()
    _encode(buffer, pixels, format, info or {}, quality)
    return buffer.getvalue()


def write_image(
    path: str | os.PathLike,
    pixels: np.ndarray,
    format: str | None = None,
    info: dict | None = None,
    quality: int = 95,
) -> pathlib.Path:
    """Writes uint8/uint16 pixels to an image file, atomically.

    The file is written to a temporary name in the same folder and renamed
    over `path` only when complete, so a failure never leaves a half-written
    file. 16-bit pixels stay 16-bit in PNG (and grey TIFF) files.

    Args:
        path: output file; its extension picks the format unless `format`.
        pixels: `(H, W)` or `(H, W, C)` uint8 or uint16 array, C in 2..4.
        format: Pillow format name, e.g. `"PNG"`, `"JPEG"`.
        info: metadata from `ImageFile.info` (`icc_profile`, `exif`, `dpi`).
        quality: JPEG/WebP quality.

    Example:
    >>> write_image("out.png", np.zeros((8, 8, 3), "uint8"))
    PosixPath('out.png')
    """
    path = check_output_path(path)
    image_format = format or format_for_path(path)
    try:
        with atomic_file(path) as tmp:
            with open(tmp, "wb") as file:
                _encode(file, pixels, image_format, info or {}, quality)
    except OSError as error:
        raise OutputPathError(path, f"cannot write: {error}") from error
    return path
