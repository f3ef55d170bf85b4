"""Finding image files and checking their headers without decoding them.

Pipelines decode PNG and JPEG (8- or 16-bit PNG, grayscale or RGB; see
`decoding.py`). Grayscale images become RGB. Images with an alpha channel
(RGBA, LA) are refused here, at reader level, because what lies under the
transparent pixels is undefined: convert them to RGB first. Other formats
(TIFF, WebP, ...) are not listed by the folder readers; convert them to PNG.
"""

import dataclasses
import os
import pathlib
import re

from PIL import Image, UnidentifiedImageError

from keras_mimo.data.errors import DataError
from keras_mimo.images.files import PIPELINE_EXTENSIONS, has_image_extension
from keras_mimo.utils.limits import pixel_limit_problem

# PIL header modes the decoder turns into RGB (grey replicated, palette expanded).
_CHANNELS_BY_MODE = {
    "1": 1,
    "L": 1,
    "I;16": 1,
    "I;16B": 1,
    "I;16L": 1,
    "I": 1,
    "P": 3,
    "RGB": 3,
    "YCbCr": 3,
}


@dataclasses.dataclass(frozen=True)
class ImageInfo:
    """What an image file's header says: size, mode and format."""

    path: str
    width: int
    height: int
    mode: str
    format: str

    @property
    def channels(self) -> int:
        """Channels as stored: 1 for grayscale, 3 for RGB or palette."""
        return _CHANNELS_BY_MODE[self.mode]


def image_info(path: str | os.PathLike, verify: bool = False) -> ImageInfo:
    """Reads an image's header (PIL lazy open) and checks it is usable.

    Only the header is read unless `verify=True`, which also runs PIL's
    integrity check (reads the whole file, checks chunk CRCs, no decoding).

    Raises:
        DataError: missing or unreadable file, a format other than PNG or
            JPEG, an image above the pixel limit (`keras_mimo.utils.limits`),
            or a mode the pipeline refuses (alpha channel, CMYK, float).

    Example:
    >>> info = image_info("photo.png")
    >>> (info.height, info.width, info.channels)
    (72, 96, 3)
    """
    path = os.fspath(path)
    try:
        with Image.open(path) as image:
            info = ImageInfo(path, image.width, image.height, image.mode, image.format)
            if verify:
                image.verify()
    except FileNotFoundError:
        raise DataError(f"{path}: file not found.", path) from None
    except Image.DecompressionBombError as error:
        # Pillow's own limit (by default the same as ours; see utils/limits.py).
        raise DataError(f"{path}: {error}", path) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise DataError(
            f"{path}: unreadable or corrupt image ({error}).", path
        ) from None
    if problem := pixel_limit_problem(info.width, info.height):
        raise DataError(f"{path}: {problem}.", path)
    if info.format not in ("PNG", "JPEG"):
        raise DataError(
            f"{path}: {info.format} images are not supported; convert it to PNG.",
            path,
        )
    if info.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        raise DataError(
            f"{path}: image has an alpha channel (mode {info.mode}); deblurring "
            "pairs must be RGB or grayscale. Convert it, e.g. "
            "PIL.Image.open(p).convert('RGB').save(p).",
            path,
        )
    if info.mode not in _CHANNELS_BY_MODE:
        raise DataError(
            f"{path}: unsupported image mode {info.mode}; use RGB or grayscale.",
            path,
        )
    return info


def natural_key(text: str) -> list:
    """Sort key that orders `frame2` before `frame10`."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def list_images(
    folder: str | os.PathLike, recursive: bool = False
) -> list[pathlib.Path]:
    """PNG/JPEG files in `folder`, naturally sorted by relative path.

    Raises:
        DataError: the folder does not exist or holds no PNG/JPEG image.
    """
    folder = pathlib.Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: folder not found.", folder)
    candidates = folder.rglob("*") if recursive else folder.iterdir()
    files, others = [], []
    for path in candidates:
        if not path.is_file() or path.name.startswith("."):
            continue
        (files if has_image_extension(path, PIPELINE_EXTENSIONS) else others).append(
            path
        )
    if not files:
        found = (
            f" (only {len(others)} other files, e.g. {others[0].name})"
            if others
            else ""
        )
        raise DataError(f"{folder}: empty folder, no PNG/JPEG images{found}.", folder)
    return sorted(files, key=lambda p: natural_key(p.relative_to(folder).as_posix()))
