"""`keras-mimo deblur`: deblur image files and folders."""

import argparse
import os
import pathlib
import sys
import time

from keras_mimo.utils.precision import PRECISION_CHOICES

EXIT_FAILURES = 1
EXIT_USAGE = 2


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by `deblur` and `evaluate`."""
    parser.add_argument(
        "--preset",
        help="preset name or directory (default: the 'gopro' preset, if installed)",
    )
    parser.add_argument(
        "--tile",
        type=parse_tile,
        help="tile size N or HxW (multiples of 4; 0 = never tile; default: "
        "chosen from --memory-budget)",
    )
    parser.add_argument(
        "--overlap", type=int, default=32, help="minimum tile overlap in pixels (32)"
    )
    parser.add_argument(
        "--memory-budget",
        help="working memory for one image (its buffers, then the model calls), "
        "e.g. 512M, 1.5G (default 1.2G)",
    )
    parser.add_argument(
        "--ensemble",
        type=int,
        choices=(1, 4, 8),
        default=1,
        help="self-ensemble: 4 = flips, 8 = flips and rotations (default 1)",
    )
    add_precision_argument(parser)
    parser.add_argument(
        "--jit-compile",
        choices=("auto", "true", "false"),
        default="auto",
        help="TensorFlow: XLA (true) or a graph (false); default auto: the "
        "faster, measured once per machine",
    )


def add_precision_argument(parser: argparse.ArgumentParser) -> None:
    """`--precision`, shared by `deblur`, `evaluate` and `deblur-batch`."""
    parser.add_argument(
        "--precision",
        choices=PRECISION_CHOICES,
        default="auto",
        help="compute precision (default auto: bfloat16 where this machine "
        "computes it natively and it is measured faster, else float32)",
    )


def parse_tile(text: str) -> int | tuple[int, int]:
    """`"256"` -> 256, `"256x384"` -> (256, 384), `"0"` -> 0 (no tiling)."""
    try:
        parts = [int(p) for p in text.lower().split("x")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected N or HxW, got {text!r}") from None
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        return tuple(parts)
    raise argparse.ArgumentTypeError(f"expected N or HxW, got {text!r}")


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "deblur",
        help="deblur images or folders of images",
        description=(
            "Deblurs each INPUT image (or every image in each INPUT folder) and "
            "writes it to OUTPUT with the same name and format (16-bit PNGs stay "
            "16-bit, JPEGs are written at quality 95). Inputs are never "
            "overwritten, existing files only with --overwrite, and each output "
            "is written atomically. Bad files are reported at the end and make "
            "the exit status non-zero; files in a folder that are not images "
            "are listed as skipped."
        ),
    )
    parser.add_argument(
        "inputs", nargs="+", metavar="INPUT", help="image files or folders"
    )
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        help="output folder, or an output file name for a single input image",
    )
    add_model_arguments(parser)
    parser.add_argument(
        "--recursive",
        "-r",
        action="store_true",
        help="also deblur images in sub-folders",
    )
    parser.add_argument(
        "--compare",
        action="store_true",
        help="also write NAME_compare.png: the input and the output side by side",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace output files that already exist (never an input)",
    )
    parser.add_argument(
        "--quality", type=int, default=95, help="JPEG/WebP quality (default 95)"
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    parser.set_defaults(func=run)


def _same_file(a: pathlib.Path, b: pathlib.Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def _skip_reason(path: pathlib.Path) -> str | None:
    """Why a folder entry is not deblurred, or None for an image file."""
    from keras_mimo.images.files import IMAGE_EXTENSIONS

    if path.is_file():
        if path.suffix.lower() in IMAGE_EXTENSIONS:
            return None
        return f"not a supported image type ({path.suffix or 'no extension'})"
    if path.is_symlink():
        return "broken or looping symbolic link"
    if path.is_dir():
        return None
    return "not a regular file"


def _folder_images(
    folder: pathlib.Path, recursive: bool
) -> tuple[list[pathlib.Path], list[str]]:
    """The images in `folder`, and `"<file>: <reason>"` for what is skipped.

    Hidden entries (names starting with '.') are ignored; sub-folders are
    entered only when `recursive`.
    """
    paths = folder.rglob("*") if recursive else folder.iterdir()
    images, skipped = [], []
    for path in paths:
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        reason = _skip_reason(path)
        if reason:
            skipped.append(f"{path}: {reason}")
        elif not path.is_dir():
            images.append(path)
    return sorted(images), sorted(skipped)


def plan_jobs(
    inputs: list[str],
    output: str,
    recursive: bool = False,
    compare: bool = False,
    overwrite: bool = False,
) -> tuple[list[tuple[pathlib.Path, pathlib.Path]], list[str], list[str]]:
    """Maps inputs to output paths; returns `(jobs, failures, skipped)`.

    A single input file with an OUTPUT that has an image extension (and is
    not a folder) is written to OUTPUT; otherwise OUTPUT is a folder and each
    output keeps its input's name (images from an input folder keep their
    path relative to it).

    An input whose output (or `--compare` picture) would replace an input,
    another output of this run, or, without `overwrite`, an existing file,
    is a failure and is not run.
    """
    from keras_mimo.images.files import IMAGE_EXTENSIONS

    output_path = pathlib.Path(output)
    sources = [pathlib.Path(p) for p in inputs]
    single_file = (
        len(sources) == 1
        and not sources[0].is_dir()
        and output_path.suffix.lower() in IMAGE_EXTENSIONS
        and not output_path.is_dir()
    )
    jobs, failures, skipped = [], [], []
    if single_file:
        jobs.append((sources[0], output_path))
    else:
        for source in sources:
            if source.is_dir():
                images, passed_over = _folder_images(source, recursive)
                skipped.extend(passed_over)
                if not images:
                    failures.append(f"{source}: folder holds no images")
                for image in images:
                    jobs.append((image, output_path / image.relative_to(source)))
            elif source.exists():
                jobs.append((source, output_path / source.name))
            else:
                failures.append(f"{source}: no such file or folder")
    all_inputs = [source for source, _ in jobs]
    checked, seen = [], {}
    for source, target in jobs:
        written = [target, compare_path(target)] if compare else [target]
        keys = [os.path.normcase(os.path.abspath(t)) for t in written]
        clash = [t for t in written if any(_same_file(i, t) for i in all_inputs)]
        taken = [(t, seen[k]) for t, k in zip(written, keys, strict=True) if k in seen]
        existing = [t for t in written if t.is_file() or t.is_symlink()]
        if clash:
            failures.append(
                f"{source}: output {clash[0]} is an input image; refusing to "
                "overwrite it"
            )
        elif taken:
            failures.append(
                f"{source}: output {taken[0][0]} is also an output of {taken[0][1]}"
            )
        elif existing and not overwrite:
            failures.append(
                f"{source}: output {existing[0]} exists; pass --overwrite to replace it"
            )
        else:
            seen.update(dict.fromkeys(keys, source))
            checked.append((source, target))
    return checked, failures, skipped


def make_parent(target: pathlib.Path) -> None:
    """Creates `target`'s folder, as an `OutputPathError` on failure."""
    from keras_mimo.images.errors import OutputPathError

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputPathError(
            target, f"cannot create folder {target.parent}: {error.strerror or error}"
        ) from None


def compare_path(target: pathlib.Path) -> pathlib.Path:
    return target.with_name(f"{target.stem}_compare.png")


def side_by_side(before, after, gap: int = 8):
    """Before | after as one 8-bit RGB array, with a white gap between."""
    import numpy as np

    from keras_mimo.inference.layout import quantize, split_image

    def rgb8(pixels):
        return quantize(split_image(pixels)[0][0], np.uint8)

    left, right = rgb8(before), rgb8(after)
    spacer = np.full((left.shape[0], gap, 3), 255, np.uint8)
    return np.concatenate([left, spacer, right], axis=1)


def describe_error(error: BaseException, source) -> str:
    """`"<file>: <problem>"` for any exception, on one line, no traceback."""
    from keras_mimo.images.errors import InputImageError, OutputPathError

    if isinstance(error, InputImageError | OutputPathError):
        return str(error)
    if isinstance(error, MemoryError):
        return f"{source}: out of memory; try a smaller --memory-budget or --tile"
    text = str(error).strip()
    first = text.splitlines()[0] if text else ""
    if len(first) > 300:
        first = first[:300] + "..."
    return f"{source}: {type(error).__name__}: {first}".rstrip(": ")


def build_deblurrer(args: argparse.Namespace):
    """The Deblurrer the options ask for; raises PresetError/ValueError."""
    from keras_mimo.inference.deblurrer import Deblurrer

    quiet = getattr(args, "quiet", False)
    return Deblurrer(
        preset=args.preset,
        tile=args.tile,
        overlap=args.overlap,
        memory_budget=args.memory_budget,
        ensemble=args.ensemble,
        precision=args.precision,
        jit_compile=args.jit_compile,
        log=None if quiet else print,
    )


class PathReport:
    """Prints the deblurrer's path and tiling once per image size."""

    def __init__(self, deblurrer, quiet: bool):
        self.deblurrer, self.quiet, self.seen = deblurrer, quiet, set()

    def __call__(self, height: int, width: int) -> None:
        if not self.quiet and (height, width) not in self.seen:
            self.seen.add((height, width))
            print(f"Path: {self.deblurrer.describe(height, width)}", flush=True)


def run(args: argparse.Namespace) -> int:
    jobs, failures, skipped = plan_jobs(
        args.inputs, args.output, args.recursive, args.compare, args.overwrite
    )
    for entry in skipped:
        print(f"skipped: {entry}", file=sys.stderr)
    if not jobs:
        for failure in failures:
            print(f"error: {failure}", file=sys.stderr)
        print("error: nothing to deblur", file=sys.stderr)
        return EXIT_USAGE
    output = pathlib.Path(args.output)
    if output.exists() and not output.is_dir() and jobs[0][1] != output:
        print(f"error: {output}: exists and is not a folder", file=sys.stderr)
        return EXIT_USAGE

    from keras_mimo.utils.preset_utils import PresetError

    try:
        deblurrer = build_deblurrer(args)
    except (PresetError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE

    import keras

    from keras_mimo.images.files import (
        check_output_path,
        format_for_path,
        read_image,
        write_image,
    )
    from keras_mimo.utils.files import remove_stale_temporaries

    report_path = PathReport(deblurrer, args.quiet)
    progress = None
    if len(jobs) > 1 and not args.quiet:
        progress = keras.utils.Progbar(len(jobs), unit_name="image")
    start = time.perf_counter()
    done = 0
    cleaned = set()
    try:
        for index, (source, target) in enumerate(jobs):
            try:
                image_format = format_for_path(target)
                make_parent(target)
                if target.parent not in cleaned:  # left by a killed earlier run
                    remove_stale_temporaries(target.parent)
                    cleaned.add(target.parent)
                check_output_path(target)  # fail before the slow part
                image = read_image(source)
                report_path(*image.pixels.shape[:2])
                result = deblurrer(image.pixels)
                write_image(target, result, image_format, image.info, args.quality)
                if args.compare:
                    write_image(
                        compare_path(target), side_by_side(image.pixels, result), "PNG"
                    )
                done += 1
            except Exception as error:  # report, and go on with the next file
                failures.append(describe_error(error, source))
            if progress is not None:
                progress.update(index + 1, finalize=index + 1 == len(jobs))
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    if not args.quiet:
        seconds = time.perf_counter() - start
        print(
            f"Deblurred {done} of {len(jobs)} image(s) in {seconds:.1f} s -> {output} "
            f"(backend {keras.config.backend()}, ensemble {args.ensemble})"
        )
    for failure in failures:
        print(f"error: {failure}", file=sys.stderr)
    if failures:
        print(f"{len(failures)} failure(s)", file=sys.stderr)
        return EXIT_FAILURES
    return 0
