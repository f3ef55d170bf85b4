"""`detect_layout`: which `--data` kind a bare path is, without `KIND:`.

| layout on disk | kind |
| --- | --- |
| `DIR/{train,test}/<sequence>/{blur,blur_gamma,sharp}/` (GOPRO_Large) | `gopro` |
| `DIR/{train,test}/{blur,sharp}/` | `split` |
| `DIR/{blur,sharp}/` | `folders` |
| a file (RealBlur list: lines `gt_path blur_path`) | `realblur` |

Other kinds (`gopro_gamma`, `tfrecord`, `synth_gopro`, `synth_shake`,
`synth_motion`) look like plain image folders and need their `KIND:` prefix.
"""

import os
import pathlib

from keras_mimo.data.errors import DataError

LAYOUTS = {
    "gopro": "GOPRO_Large: DIR/{train,test}/<sequence>/{blur,blur_gamma,sharp}/",
    "split": "DIR/{train,test}/{blur,sharp}/",
    "folders": "DIR/{blur,sharp}/ with the same file names",
    "realblur": "a RealBlur list file, lines 'gt_path blur_path'",
}
# Every kind of `parse_source_spec` (`keras_mimo.data.specs`), what its
# argument is and its `?KEY=VALUE` options; `fit.py --help` prints it.
KIND_ARGUMENTS = {
    "gopro": "GOPRO_Large folder, blurry inputs from blur/ (?split=train|test)",
    "gopro_gamma": "GOPRO_Large folder, inputs from blur_gamma/ (?split=)",
    "split": "folder with {train,test}/{blur,sharp}/ (?split=)",
    "realblur": "RealBlur list file (?root=DIR the paths are relative to)",
    "folders": "BLUR_DIR,SHARP_DIR: two folders, same file names",
    "tfrecord": "folder written by write_tfrecords (?verify=1: check sha256)",
    "synth_gopro": "folder of sharp 240 fps frame sequences, frames averaged "
    "(?window=7-13&n=&crops=)",
    "synth_shake": "folder of sharp photos, random camera shake "
    "(?kernel_size=&length=2-40&n=)",
    "synth_motion": "folder of sharp photos filmed along a random camera path, "
    "frames averaged (?window=7-13&shift=1-24&n=)",
}
SPLITS = ("train", "test")
_SHOWN = 8


def describe_kinds() -> str:
    """The data kinds and the detected layouts, as `--help` text."""
    width = max(map(len, KIND_ARGUMENTS))
    kinds = "\n".join(
        f"  {kind:<{width}}  {text}" for kind, text in KIND_ARGUMENTS.items()
    )
    layouts = "\n".join(f"  {kind:<{width}}  {text}" for kind, text in LAYOUTS.items())
    return (
        f"data kinds (SOURCE is KIND:ARGS[?KEY=VALUE&...]):\n{kinds}\n\n"
        f"a bare path (no KIND:) is detected when it is one of:\n{layouts}"
    )


def _has_pair_folders(folder: pathlib.Path) -> bool:
    return (folder / "blur").is_dir() and (folder / "sharp").is_dir()


def _contents(folder: pathlib.Path) -> str:
    names = sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir())
    if not names:
        return "nothing (empty folder)"
    more = f", ... ({len(names)} entries)" if len(names) > _SHOWN else ""
    return ", ".join(names[:_SHOWN]) + more


def detect_layout(path: str | os.PathLike) -> tuple[str, str]:
    """Names the kind and spec argument of a data folder or list file.

    Args:
        path: a folder in one of the layouts of the module table, or a
            RealBlur list file.

    Returns:
        `(kind, argument)` for `parse_source_spec`: `folders` gives
        `"DIR/blur,DIR/sharp"`, the other kinds the path itself.

    Raises:
        DataError: the path is missing, or a folder in none of the layouts;
            the message lists what the folder holds and the layouts.

    Example:
    >>> import pathlib, tempfile
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for split in ("train", "test"):
    ...     for kind in ("blur", "sharp"):
    ...         (root / split / kind).mkdir(parents=True)
    >>> detect_layout(root)[0]
    'split'
    """
    path = pathlib.Path(os.path.expanduser(path))
    if path.is_file():
        return "realblur", str(path)
    if not path.is_dir():
        raise DataError(f"{path}: no such file or folder.", path)
    if _has_pair_folders(path):
        return "folders", f"{path / 'blur'},{path / 'sharp'}"
    splits = [path / split for split in SPLITS if (path / split).is_dir()]
    if splits and all(_has_pair_folders(split) for split in splits):
        return "split", str(path)
    for split in splits:
        sequences = [p for p in split.iterdir() if p.is_dir()]
        if sequences and all((p / "sharp").is_dir() for p in sequences):
            return "gopro", str(path)
    layouts = "\n".join(f"  {kind}: {text}" for kind, text in LAYOUTS.items())
    raise DataError(
        f"{path}: cannot tell the data layout; the folder holds {_contents(path)}.\n"
        f"Layouts recognized without a KIND: prefix:\n{layouts}\n"
        "Other data needs its kind named, e.g. synth_shake:DIR or tfrecord:DIR "
        "(see `fit.py --help`).",
        path,
    )
