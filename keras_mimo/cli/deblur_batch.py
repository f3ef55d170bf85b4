"""`keras-mimo deblur-batch`: a photo collection on Apache Beam (any runner)."""

import argparse
import sys

from keras_mimo.cli.deblur import (
    EXIT_FAILURES,
    EXIT_USAGE,
    add_precision_argument,
    parse_tile,
)


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "deblur-batch",
        help="deblur a photo collection with an Apache Beam pipeline",
        description=(
            "Deblurs every file matching the INPUT globs (or files, or local "
            "folders) into OUTPUT with Apache Beam's RunInference, keeping "
            "names relative to each pattern's folder, format and bit depth, and "
            "writes OUTPUT/manifest.json (input, output, size, time, PSNR/SSIM "
            "when a blur/NAME has a sharp/NAME partner). Bad files are skipped "
            "and listed; existing outputs are never redone or replaced, so "
            "running the same command again resumes an interrupted run. Inputs "
            "and OUTPUT may be on any filesystem Beam knows (gs://, s3://, "
            "hdfs://). Beam pipeline options go after '--', e.g. "
            "'-- --runner=FlinkRunner --flink_master=HOST:8081' (default: the "
            "DirectRunner on this machine)."
        ),
    )
    parser.add_argument(
        "inputs", nargs="+", metavar="INPUT", help="globs, files or folders"
    )
    parser.add_argument("-o", "--output", required=True, help="output folder")
    parser.add_argument(
        "--model",
        "--preset",
        dest="model",
        default="gopro",
        help="preset name or directory, or a .keras file (default: gopro)",
    )
    parser.add_argument("--ensemble", type=int, choices=(1, 4, 8), default=1)
    parser.add_argument("--tile", type=parse_tile, help="tile size N or HxW")
    parser.add_argument("--memory-budget", help="per image, e.g. 512M (default 1.2G)")
    add_precision_argument(parser)
    parser.add_argument("--quality", type=int, default=95, help="JPEG/WebP quality")
    parser.set_defaults(func=run, passthrough=True)


def run(args: argparse.Namespace) -> int:
    from keras_mimo.batch.errors import BatchError

    try:
        from keras_mimo.batch.pipeline import deblur_files
    except ModuleNotFoundError as error:
        if error.name != "apache_beam":
            raise
        print(
            "error: deblur-batch needs Apache Beam: pip install 'keras-mimo[batch]'",
            file=sys.stderr,
        )
        return EXIT_USAGE

    try:
        manifest = deblur_files(
            args.inputs,
            args.output,
            args.model,
            ensemble=args.ensemble,
            tile=args.tile,
            memory_budget=args.memory_budget,
            precision=args.precision,
            quality=args.quality,
            pipeline_args=args.pipeline_args,
        )
    except BatchError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    counts = manifest["counts"]
    print(
        f"Deblurred {counts['deblurred']} image(s), {counts['done_before']} done "
        f"before, {counts['failed']} failed, {counts['skipped']} skipped -> "
        f"{args.output} (manifest.json)"
    )
    for entry in manifest["skipped"]:
        print(f"skipped: {entry['input']}: {entry['reason']}", file=sys.stderr)
    for entry in manifest["failed"]:
        print(f"error: {entry['error']}", file=sys.stderr)
    return EXIT_FAILURES if counts["failed"] else 0
