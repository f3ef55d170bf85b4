"""`keras-mimo evaluate`: PSNR/SSIM of a preset on blurry/sharp pairs."""

import argparse
import csv
import io
import math
import os
import sys

from keras_mimo.cli.deblur import (
    EXIT_FAILURES,
    EXIT_USAGE,
    add_model_arguments,
    build_deblurrer,
)

COLUMNS = ("image", "width", "height", "input_psnr", "psnr", "ssim", "seconds")


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="PSNR/SSIM of a preset on blurry/sharp image pairs",
        description=(
            "Deblurs every blur/NAME image under PAIRS and scores it against "
            "sharp/NAME like the official MIMO-UNet evaluation: RGB, float "
            "output clipped to [0, 1], data range 1. Also prints the blurry "
            "input's PSNR and the deblurring time per image. PAIRS may be one "
            "folder with blur/ and sharp/ or a tree of them (GOPRO_Large/test)."
        ),
    )
    parser.add_argument("--data", required=True, metavar="PAIRS", help="pairs folder")
    add_model_arguments(parser)
    parser.add_argument("--csv", metavar="OUT.csv", help="also write the scores as CSV")
    parser.add_argument(
        "--overwrite", action="store_true", help="replace an existing OUT.csv"
    )
    parser.add_argument("--limit", type=int, help="evaluate only the first N pairs")
    parser.add_argument(
        "--quantize",
        action="store_true",
        help="round outputs to 8 bits before scoring (as a saved PNG would be)",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="table only")
    parser.set_defaults(func=run)


def _number(value: float, digits: int) -> str:
    return "" if math.isnan(value) else f"{value:.{digits}f}"


def format_table(results, summary) -> str:
    """The printed results table, with a mean row."""
    width = max([len(r.name) for r in results] + [len("image")])
    header = (
        f"{'image':<{width}}  {'size':>9}  {'input PSNR':>10}  {'PSNR':>7}  "
        f"{'SSIM':>6}  {'time (s)':>8}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        size = f"{r.width}x{r.height}" if r.width else "-"
        if r.error:
            lines.append(f"{r.name:<{width}}  {size:>9}  failed (see errors below)")
            continue
        lines.append(
            f"{r.name:<{width}}  {size:>9}  {r.input_psnr:>10.2f}  {r.psnr:>7.2f}  "
            f"{r.ssim:>6.4f}  {r.seconds:>8.2f}"
        )
    lines.append("-" * len(header))
    mean = f"mean of {summary['images']}"
    lines.append(
        f"{mean:<{width}}  {'':>9}  {_number(summary['input_psnr'], 2):>10}  "
        f"{_number(summary['psnr'], 2):>7}  {_number(summary['ssim'], 4):>6}  "
        f"{_number(summary['seconds'], 2):>8}"
    )
    if summary["images"] > 1:
        lines.append("(mean time excludes the first image, which includes compilation)")
    return "\n".join(lines)


def write_csv(path, results, summary) -> None:
    """Per-image rows and a final `mean` row, written atomically."""
    from keras_mimo.images.errors import OutputPathError
    from keras_mimo.images.files import check_output_path
    from keras_mimo.utils.files import atomic_file

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS + ("error",))
    for r in results:
        writer.writerow(
            [r.name, r.width, r.height]
            + [_number(v, 6) for v in (r.input_psnr, r.psnr, r.ssim, r.seconds)]
            + [r.error or ""]
        )
    writer.writerow(
        ["mean", "", ""]
        + [_number(summary[k], 6) for k in ("input_psnr", "psnr", "ssim", "seconds")]
        + [""]
    )
    target = check_output_path(path)
    try:
        with atomic_file(target) as tmp:
            tmp.write_text(buffer.getvalue())
    except OSError as error:
        raise OutputPathError(target, f"cannot write: {error}") from error


def run(args: argparse.Namespace) -> int:
    from keras_mimo.images.errors import OutputPathError
    from keras_mimo.images.pairs import find_pairs
    from keras_mimo.inference.evaluation import evaluate_pairs, summarize
    from keras_mimo.utils.preset_utils import PresetError

    try:
        pairs = find_pairs(args.data)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.limit:
        pairs = pairs[: args.limit]
    if args.csv:
        try:  # fail before the slow part, not after it
            from keras_mimo.images.files import check_output_path
            from keras_mimo.utils.errors import OutputExistsError

            check_output_path(args.csv)
            if os.path.lexists(args.csv) and not args.overwrite:
                raise OutputExistsError(args.csv, "pass --overwrite")
        except (OutputPathError, OutputExistsError) as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_USAGE
    try:
        deblurrer = build_deblurrer(args)
    except (PresetError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE

    def report(result):
        if not args.quiet:
            status = result.error or (
                f"PSNR {result.psnr:.2f} dB (input {result.input_psnr:.2f}), "
                f"SSIM {result.ssim:.4f}, {result.seconds:.2f} s"
            )
            print(f"[{len(done) + 1}/{len(pairs)}] {result.name}: {status}", flush=True)
        done.append(result)

    done = []
    try:
        results = evaluate_pairs(deblurrer, pairs, args.quantize, callback=report)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    summary = summarize(results)
    source = getattr(deblurrer.model, "preset_source", None) or {}
    print(
        f"\nPreset {source.get('path', args.preset)}, ensemble {args.ensemble}, "
        f"{'8-bit quantised' if args.quantize else 'float'} output clipped to [0, 1]"
    )
    print(f"Path: {deblurrer.path.describe()}")
    print(format_table(results, summary))
    status = 0
    if args.csv:
        try:
            write_csv(args.csv, results, summary)
            print(f"Wrote {args.csv}")
        except OutputPathError as error:
            print(f"error: {error}", file=sys.stderr)
            status = EXIT_FAILURES
    failures = [r.error for r in results if r.error]
    for failure in failures:
        print(f"error: {failure}", file=sys.stderr)
    return EXIT_FAILURES if failures else status
