"""`ImagePair`: a blurry image file, its sharp partner and a name.

The one pair type for training data readers (`keras_mimo.data`), evaluation
(`keras_mimo.inference.evaluate_pairs`) and the scripts under `training/`.
`find_pairs` finds the `blur/NAME` + `sharp/NAME` pairs that `keras-mimo
evaluate` scores; the training readers for other layouts are in
`keras_mimo.data.readers`.
"""

import dataclasses
import os
import pathlib

from keras_mimo.images.files import list_image_files


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


def make_pair(
    blur: os.PathLike | str, sharp: os.PathLike | str, name: str
) -> ImagePair:
    """An `ImagePair` from paths of any kind (stored as strings)."""
    return ImagePair(os.fspath(blur), os.fspath(sharp), name)


def find_pairs(root: str | os.PathLike) -> list[ImagePair]:
    """Pairs `blur/NAME` with `sharp/NAME` in `root` and in its sub-folders.

    Every folder at or below `root` holding both a `blur/` and a `sharp/`
    folder contributes its pairs, so both a flat `PAIRS/{blur,sharp}/` and
    the GoPro layout `GOPRO_Large/test/<sequence>/{blur,sharp}/` work. A
    pair's name is its path relative to `root` without the `blur/` folder.

    Raises:
        FileNotFoundError: `root` does not exist.
        ValueError: no pairs, or blurry images without a sharp counterpart.

    Example:
    >>> [p.name for p in find_pairs("data/gopro_val")]
    ['pair0.png', 'pair1.png', 'pair2.png']
    """
    root = pathlib.Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder")
    folders = [root] + sorted(p for p in root.rglob("*") if p.is_dir())
    pairs, unmatched = [], []
    for folder in folders:
        if not ((folder / "blur").is_dir() and (folder / "sharp").is_dir()):
            continue
        sharp = {p.name: p for p in list_image_files(folder / "sharp")}
        for blur in list_image_files(folder / "blur"):
            relative = (folder / blur.name).relative_to(root).as_posix()
            if blur.name in sharp:
                pairs.append(make_pair(blur, sharp[blur.name], relative))
            else:
                unmatched.append(str(blur))
    if unmatched:
        listing = ", ".join(unmatched[:5]) + (" ..." if len(unmatched) > 5 else "")
        raise ValueError(
            f"{root}: {len(unmatched)} blurry image(s) have no sharp image of the "
            f"same name: {listing}"
        )
    if not pairs:
        raise ValueError(
            f"{root}: no image pairs found; expected blur/ and sharp/ folders with "
            "images of the same names"
        )
    return pairs
