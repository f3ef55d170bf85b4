"""Readers that discover blur/sharp pairs on disk by file name.

Every reader returns a list of `ImagePair` in a stable (natural) order and
refuses a data set it cannot use with a `DataError` naming the file: a blur
image without a sharp partner (or the reverse), a pair of different sizes, an
unreadable file, an empty folder. Size checks read image headers only.

Layouts:

- `gopro_pairs`: the official archive,
  `GOPRO_Large/{train,test}/<sequence>/{blur,blur_gamma,sharp}/NNNNNN.png`.
- `split_folder_pairs`: the preprocessed `ROOT/{train,test}/{blur,sharp}/`.
- `realblur_pairs`: RealBlur list files, lines `gt_path blur_path`.
- `folder_pairs`: any blur folder and sharp folder with the same file names.
"""

import os
import pathlib

from keras_mimo.data.errors import DataError
from keras_mimo.data.image_files import list_images, natural_key
from keras_mimo.data.pairs import check_pairs
from keras_mimo.images.pairs import ImagePair, make_pair

GOPRO_BLUR_FOLDERS = ("blur", "blur_gamma")


def _pair_folders(
    blur_dir: pathlib.Path, sharp_dir: pathlib.Path, prefix: str, recursive: bool
) -> list[ImagePair]:
    blur = {
        p.relative_to(blur_dir).as_posix(): p for p in list_images(blur_dir, recursive)
    }
    sharp = {
        p.relative_to(sharp_dir).as_posix(): p
        for p in list_images(sharp_dir, recursive)
    }
    for mine, theirs, folder in ((blur, sharp, sharp_dir), (sharp, blur, blur_dir)):
        missing = [key for key in mine if key not in theirs]
        if missing:
            first = mine[missing[0]]
            raise DataError(
                f"{first}: missing partner, no {missing[0]} in {folder} "
                f"({len(missing)} image(s) without a partner).",
                first,
            )
    return [
        make_pair(blur[key], sharp[key], prefix + key.rsplit(".", 1)[0])
        for key in sorted(blur, key=natural_key)
    ]


def folder_pairs(
    blur_dir: str | os.PathLike,
    sharp_dir: str | os.PathLike,
    recursive: bool = False,
    check: bool = True,
) -> list[ImagePair]:
    """Pairs the PNG/JPEG files of two folders by file name.

    Args:
        blur_dir: folder of blurry images.
        sharp_dir: folder of sharp images with the same file names.
        recursive: also pair images in sub-folders (by relative path).
        check: check every pair's headers (readable, same size).

    Returns:
        `ImagePair`s named by the relative path without extension.

    Raises:
        DataError: missing folder, empty folder, missing partner, size
            mismatch or unreadable image.

    Example:
    >>> pairs = folder_pairs("data/gopro_val/blur", "data/gopro_val/sharp")
    >>> pairs[0].name
    'pair0'
    """
    pairs = _pair_folders(
        pathlib.Path(blur_dir), pathlib.Path(sharp_dir), "", recursive
    )
    return check_pairs(pairs) if check else pairs


def split_folder_pairs(
    root: str | os.PathLike, split: str = "train", check: bool = True
) -> list[ImagePair]:
    """Pairs of the preprocessed layout `ROOT/{train,test}/{blur,sharp}/`.

    This is the layout of the official MIMO-UNet data preparation script
    (GoPro) and of many other deblurring sets (HIDE, RealBlur exports).

    Example:
    >>> len(split_folder_pairs("GOPRO", split="test"))
    3
    """
    folder = pathlib.Path(root) / split
    if not folder.is_dir():
        raise DataError(
            f"{folder}: split folder not found (layout ROOT/{split}/{{blur,sharp}}/).",
            folder,
        )
    return folder_pairs(folder / "blur", folder / "sharp", recursive=True, check=check)


def gopro_pairs(
    root: str | os.PathLike,
    split: str = "train",
    blur: str = "blur",
    check: bool = True,
) -> list[ImagePair]:
    """Pairs of the official GoPro archive (`GOPRO_Large`).

    Layout: `ROOT/{train,test}/<sequence>/{blur,blur_gamma,sharp}/NNNNNN.png`
    (train: 2,103 pairs in 22 sequences; test: 1,111 pairs in 11).

    Args:
        root: the `GOPRO_Large` folder.
        split: `"train"` or `"test"`.
        blur: `"blur"` (the MIMO-UNet training input) or `"blur_gamma"`
            (frames averaged in linear light).
        check: check every pair's headers (readable, same size).

    Returns:
        `ImagePair`s named `<sequence>/NNNNNN`.

    Example:
    >>> pairs = gopro_pairs("GOPRO_Large", split="test")
    >>> len(pairs), pairs[0].name
    (3, 'GOPR0001_11_00/pair0')
    """
    if blur not in GOPRO_BLUR_FOLDERS:
        raise DataError(
            f"gopro_pairs: blur must be one of {GOPRO_BLUR_FOLDERS}, got {blur!r}."
        )
    folder = pathlib.Path(root) / split
    if not folder.is_dir():
        raise DataError(
            f"{folder}: split folder not found (layout GOPRO_Large/{split}/<sequence>/"
            f"{{{blur},sharp}}/).",
            folder,
        )
    sequences = sorted(
        (p for p in folder.iterdir() if p.is_dir()), key=lambda p: natural_key(p.name)
    )
    if not sequences:
        raise DataError(f"{folder}: empty folder, no sequence folders.", folder)
    pairs = []
    for sequence in sequences:
        for sub in (blur, "sharp"):
            if not (sequence / sub).is_dir():
                raise DataError(
                    f"{sequence / sub}: folder not found in GoPro sequence.",
                    sequence / sub,
                )
        pairs += _pair_folders(
            sequence / blur, sequence / "sharp", sequence.name + "/", False
        )
    return check_pairs(pairs) if check else pairs


def realblur_pairs(
    list_file: str | os.PathLike,
    root: str | os.PathLike | None = None,
    check: bool = True,
) -> list[ImagePair]:
    """Pairs listed in a RealBlur list file (`RealBlur_J_train_list.txt`, ...).

    Each non-empty line is `gt_path blur_path`, relative to `root`; `#`
    starts a comment.

    Args:
        list_file: the list file.
        root: folder the paths are relative to; default the list file's folder.
        check: check every pair's headers (readable, same size).

    Returns:
        `ImagePair`s named by the blur path without extension.

    Example:
    >>> pairs = realblur_pairs("RealBlur/RealBlur_J_test_list.txt")  # doctest: +SKIP
    """
    list_file = pathlib.Path(list_file)
    root = list_file.parent if root is None else pathlib.Path(root)
    try:
        lines = list_file.read_text().splitlines()
    except OSError as error:
        raise DataError(
            f"{list_file}: cannot read list file ({error}).", list_file
        ) from None
    pairs = []
    for number, line in enumerate(lines, 1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        if len(fields) != 2:
            raise DataError(
                f"{list_file}:{number}: expected 'gt_path blur_path', got {line.strip()!r}.",
                list_file,
            )
        sharp, blur = (root / field for field in fields)
        for path in (blur, sharp):
            if not path.is_file():
                raise DataError(
                    f"{path}: missing partner, listed in {list_file}:{number} but not found.",
                    path,
                )
        pairs.append(make_pair(blur, sharp, fields[1].rsplit(".", 1)[0]))
    if not pairs:
        raise DataError(f"{list_file}: empty list file, no pairs.", list_file)
    return check_pairs(pairs) if check else pairs
