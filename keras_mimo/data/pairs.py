"""Header checks of training pairs (`keras_mimo.images.pairs.ImagePair`)."""

from keras_mimo.data.errors import DataError
from keras_mimo.data.image_files import ImageInfo, image_info
from keras_mimo.images.pairs import ImagePair


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
