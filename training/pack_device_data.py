"""Packs the training material for a lent GPU machine into one carried folder.

The GPU machine receives only the repository plus carried paths (64 MiB in
all, `.whl/` included), so this writes `.train_data/` (git-ignored): the
160 consecutive sharp frames cut to one fixed window (exact for GoPro-style
synthesis, which averages pixel by pixel), the `gopro_val` pairs, and
optionally sharp photographs for camera-shake synthesis, then checks the
total against what the working tree and `.whl/` leave of the 64 MiB.
`training/fit_on_device.py` synthesizes the blur on the device.

    python training/pack_device_data.py --shared ../shared --output .train_data
"""

import argparse
import json
import pathlib
import shutil
import subprocess
import sys

from PIL import Image

from keras_mimo.utils.errors import ForeignFilesError
from keras_mimo.utils.files import atomic_directory

#: What this script writes; an existing --output holding anything else is
#: refused, never deleted.
PACKED = ("frames", "sharp", "val", "manifest.json")
ROOT = pathlib.Path(__file__).resolve().parents[1]
#: What one device call carries at most: working tree plus carried paths.
CALL_LIMIT_MIB = 64.0


def pack_frames(frames: pathlib.Path, out: pathlib.Path, window: int) -> int:
    out.mkdir(parents=True)
    for path in sorted(frames.glob("*.png")):
        image = Image.open(path)
        left = (image.width - window) // 2
        top = (image.height - window) // 2
        image.crop((left, top, left + window, top + window)).save(
            out / path.name, optimize=True
        )
    return len(list(out.iterdir()))


def carried_elsewhere_mib(root: pathlib.Path = ROOT) -> float:
    """MiB of the device call's limit taken by the working tree and `.whl/`."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    paths = [root / name for name in listing if name]
    paths += list((root / ".whl").glob("*"))
    return sum(p.stat().st_size for p in paths if p.is_file()) / 2**20


def copy_files(paths, out: pathlib.Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    for path in paths:
        shutil.copy2(path, out / path.name)
    return len(paths)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", default="../shared", type=pathlib.Path)
    parser.add_argument("--output", default=".train_data", type=pathlib.Path)
    parser.add_argument(
        "--frame-window", type=int, default=512, help="square crop of each frame"
    )
    parser.add_argument(
        "--photos",
        nargs="*",
        default=[],
        help="sharp/ sets for camera-shake synthesis (fit_on_device.py uses none)",
    )
    parser.add_argument(
        "--val-pairs", type=int, default=6, help="gopro_val pairs to carry"
    )
    parser.add_argument(
        "--budget-mb",
        type=float,
        help="MiB the packed data may take (default: what the device call's "
        "64 MiB leave beside the working tree and .whl/)",
    )
    args = parser.parse_args(argv)
    if args.budget_mb is None:
        args.budget_mb = round(CALL_LIMIT_MIB - carried_elsewhere_mib(), 1)
    try:
        with atomic_directory(args.output, PACKED.__contains__, "packed data") as out:
            return pack(args, out)
    except ForeignFilesError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def pack(args: argparse.Namespace, output: pathlib.Path) -> int:
    """Writes the packed data into `output` (published as `args.output`)."""
    data = args.shared / "data"
    counts = {
        "frames": pack_frames(
            data / "gopro_frames" / "GOPR0477_11_00",
            output / "frames",
            args.frame_window,
        )
    }
    photos = [p for s in args.photos for p in sorted((data / "sharp" / s).iterdir())]
    counts["photos"] = copy_files(
        [p for p in photos if p.suffix.lower() in (".png", ".jpg", ".jpeg")],
        output / "sharp",
    )
    names = sorted(p.name for p in (data / "gopro_val" / "blur").glob("*.png"))[
        : args.val_pairs
    ]
    for kind in ("blur", "sharp"):
        copy_files(
            [data / "gopro_val" / kind / n for n in names], output / "val" / kind
        )
    counts["val_pairs"] = len(names)
    size = sum(p.stat().st_size for p in output.rglob("*") if p.is_file()) / 2**20
    (output / "manifest.json").write_text(json.dumps({**counts, "mib": round(size, 1)}))
    print(f"{args.output}: {counts}, {size:.1f} MiB")
    if size > args.budget_mb:
        print(
            f"error: {size:.1f} MiB exceeds the {args.budget_mb} MiB budget",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
