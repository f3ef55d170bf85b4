"""`keras-mimo deblur`: deblur image files and folders."""

import argparse
import os
import pathlib
import sys
import time

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
        help="working memory for one model call, e.g. 512M, 1.5G (default 512M)",
    )
    parser.add_argument(
        "--ensemble",
        type=int,
        choices=(1, 4, 8),
        default=1,
        help="self-ensemble: 4 = flips, 8 = flips and rotations (default 1)",
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
            "overwritten and each output is written atomically. Bad files are "
            "reported at the end and make the exit status non-zero."
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
        "--quality", type=int, default=95, help="JPEG/WebP quality (default 95)"
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    parser.set_defaults(func=run)


def _same_file(a: pathlib.Path, b: pathlib.Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def _folder_images(folder: pathlib.Path, recursive: bool) -> list[pathlib.Path]:
    from keras_mimo.inference.image_io import IMAGE_EXTENSIONS

    paths = folder.rglob("*") if recursive else folder.iterdir()
    return sorted(
        p
        for p in paths
        if p.is_file()
        and p.suffix.lower() in IMAGE_EXTENSIONS
        and not p.name.startswith(".")
    )


def plan_jobs(
    inputs: list[str], output: str, recursive: bool = False, compare: bool = False
) -> tuple[list[tuple[pathlib.Path, pathlib.Path]], list[str]]:
    """Maps inputs to output paths; returns `(jobs, failures)`.

    A single input file with an OUTPUT that has an image extension (and is
    not a folder) is written to OUTPUT; otherwise OUTPUT is a folder and each
    output keeps its input's name (images from an input folder keep their
    path relative to it).
    """
    from keras_mimo.inference.image_io import IMAGE_EXTENSIONS

    output_path = pathlib.Path(output)
    sources = [pathlib.Path(p) for p in inputs]
    single_file = (
        len(sources) == 1
        and not sources[0].is_dir()
        and output_path.suffix.lower() in IMAGE_EXTENSIONS
        and not output_path.is_dir()
    )
    jobs, failures = [], []
    if single_file:
        jobs.append((sources[0], output_path))
    else:
        for source in sources:
            if source.is_dir():
                images = _folder_images(source, recursive)
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
        key = os.path.normcase(os.path.abspath(target))
        written = [target, compare_path(target)] if compare else [target]
        clash = [t for t in written if any(_same_file(i, t) for i in all_inputs)]
        if clash:
            failures.append(
                f"{source}: output {clash[0]} is an input image; refusing to "
                "overwrite it"
            )
        elif key in seen:
            failures.append(
                f"{source}: output {target} is also the output of {seen[key]}"
            )
        else:
            seen[key] = source
            checked.append((source, target))
    return checked, failures


def make_parent(target: pathlib.Path) -> None:
    """Creates `target`'s folder, as an `OutputPathError` on failure."""
    from keras_mimo.inference.errors import OutputPathError

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
    from keras_mimo.inference.errors import InputImageError, OutputPathError

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

    return Deblurrer(
        preset=args.preset,
        tile=args.tile,
        overlap=args.overlap,
        memory_budget=args.memory_budget,
        ensemble=args.ensemble,
    )


def run(args: argparse.Namespace) -> int:
    jobs, failures = plan_jobs(args.inputs, args.output, args.recursive, args.compare)
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

    from keras_mimo.inference.image_io import (
        check_output_path,
        format_for_path,
        read_image,
        write_image,
    )

    progress = None
    if len(jobs) > 1 and not args.quiet:
        progress = keras.utils.Progbar(len(jobs), unit_name="image")
    start = time.perf_counter()
    done = 0
    try:
        for index, (source, target) in enumerate(jobs):
            try:
                image_format = format_for_path(target)
                make_parent(target)
                check_output_path(target)  # fail before the slow part
                image = read_image(source)
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
