"""`ImagePair`: one blurry image, its sharp partner and a name."""

import dataclasses
import os

from keras_mimo.data.errors import DataError
from keras_mimo.data.image_files import ImageInfo, image_info


@dataclasses.dataclass(frozen=True)
class ImagePair:
    """A blurry image file, its sharp ground truth and a unique name.

    Example:
    >>> ImagePair("b/0001.png", "s/0001.png", "seq/0001")
    ImagePair(blur='b/0001.png', sharp='s/0001.png', name='seq/0001')
    """

    blur: str
    sharp: str
    name: str


def check_pair(pair: ImagePair, verify: bool = False) -> ImageInfo:
    """Checks both files' headers and that their sizes match.

    Returns:
        The sharp image's `ImageInfo`.

    Raises:
        DataError: unreadable file or different sizes.
    """
    blur = image_info(pair.blur, verify=verify)
    sharp = image_info(pair.sharp, verify=verify)
    if (blur.width, blur.height) != (sharp.width, sharp.height):
        raise DataError(
            f"{pair.blur}: size mismatch, blur is {blur.width}x{blur.height} but "
            f"its sharp partner {pair.sharp} is {sharp.width}x{sharp.height} "
            "(width x height).",
            pair.blur,
        )
    return sharp


def check_pairs(pairs: list[ImagePair], verify: bool = False) -> list[ImagePair]:
    """`check_pair` on every pair (headers only unless `verify`); returns `pairs`."""
    for pair in pairs:
        check_pair(pair, verify=verify)
    return pairs


def make_pair(
    blur: os.PathLike | str, sharp: os.PathLike | str, name: str
) -> ImagePair:
    return ImagePair(os.fspath(blur), os.fspath(sharp), name)
