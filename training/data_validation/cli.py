"""Command line of `training/validate_data.py`; unknown flags are Beam options."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from pathlib import Path

from .files import path_exists
from .validate import UsageError, validate

DEFAULT_SCHEMA = Path(__file__).resolve().parents[1] / "schema" / "pairs_schema.pbtxt"

DESCRIPTION = """\
Validate a keras-mimo blur/sharp pair dataset with TensorFlow Data Validation.

Reads either the TFRecord dataset written by ``keras_mimo.data`` (a directory of
``data-*.tfrecord`` shards plus ``manifest.json``) or a raw ``--blur-dir`` /
``--sharp-dir`` folder pair, computes per-example image features in an Apache
Beam pipeline, turns them into TFDV statistics, validates them against a schema
(``training/schema/pairs_schema.pbtxt`` by default) and runs the checks a TFDV
schema cannot express (too-small images, near-identical pairs, grayscale/alpha,
size mismatches, unexpected formats, undecodable bytes, manifest problems)."""

BEAM_EPILOG = """\
Apache Beam:
  The features and statistics are computed in an Apache Beam pipeline. It runs
  on the local DirectRunner by default; every argument this script does not
  know is passed through as a Beam pipeline option, so the same job scales out
  to a cluster for datasets larger than one machine, e.g.

    .venv-tfdv/bin/python training/validate_data.py --data gs://b/gopro_records \\
        --output gs://b/validation --runner=DataflowRunner --project=P \\
        --region=us-central1 --temp_location=gs://b/tmp \\
        --requirements_file=reqs.txt   # tensorflow-data-validation etc.

  Locally, --direct_num_workers=N --direct_running_mode=multi_processing uses
  N processes. Input and output paths may be any Beam filesystem (gs://, ...).

Outputs (in --output):
  stats.pb / stats.pbtxt   TFDV DatasetFeatureStatisticsList
  anomalies.pbtxt          TFDV Anomalies (schema + custom checks)
  anomalies.json           the same, machine-readable, with example names
  anomalous_examples-*.jsonl  one line per (example, check)
  report.html, report.png  human report and histograms
  facets.html              TFDV Facets view (needs a browser with internet)

Exit status: 0 clean, 1 anomalies found, 2 usage error.
"""


def build_parser() -> argparse.ArgumentParser:
    """Argument parser; unknown arguments are Beam pipeline options."""
    parser = argparse.ArgumentParser(
        prog="validate_data.py",
        description=DESCRIPTION,
        epilog=BEAM_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = parser.add_argument_group("input (either --data, or both folder flags)")
    source.add_argument(
        "--data", help="TFRecord dataset dir (data-*.tfrecord + manifest.json)"
    )
    source.add_argument("--blur-dir", help="folder of blurred images")
    source.add_argument("--sharp-dir", help="folder of sharp images, same file names")
    parser.add_argument("--output", required=True, help="directory for stats/report")
    parser.add_argument(
        "--schema",
        default=str(DEFAULT_SCHEMA),
        help="TFDV schema (text proto) to validate against (default: %(default)s)",
    )
    parser.add_argument(
        "--infer-schema",
        metavar="OUT.pbtxt",
        help="infer a schema from this data (tightened with the domain rules), "
        "write it here and validate against it instead of --schema",
    )
    parser.add_argument(
        "--crop",
        type=int,
        default=256,
        help="training crop; smaller images are anomalies",
    )
    parser.add_argument(
        "--max-psnr",
        type=float,
        default=50.0,
        help="blur/sharp PSNR (dB) above which a pair counts as unblurred",
    )
    parser.add_argument(
        "--max-names", type=int, default=20, help="example names listed per check"
    )
    parser.add_argument(
        "--batch-size", type=int, default=256, help="examples per Arrow record batch"
    )
    return parser


def _unknown_beam_options(beam_args: list[str]) -> list[str]:
    """Pass-through arguments that no Beam PipelineOptions class defines."""
    from apache_beam.options.pipeline_options import PipelineOptions

    options = PipelineOptions(beam_args)
    logging.getLogger("apache_beam.options.pipeline_options").setLevel(logging.ERROR)
    known = options.get_all_options()
    every = options.get_all_options(retain_unknown_options=True)
    return [f"--{flag}" for flag in sorted(set(every) - set(known))]


def parse_args(argv: list[str] | None) -> tuple[argparse.Namespace, list[str]]:
    """Parses and checks arguments; exits with status 2 on usage errors."""
    parser = build_parser()
    args, beam_args = parser.parse_known_args(argv)
    folders = (args.blur_dir is not None, args.sharp_dir is not None)
    if args.data is None and folders != (True, True):
        parser.error("give --data DIR, or both --blur-dir and --sharp-dir")
    if args.data is not None and any(folders):
        parser.error("--data cannot be combined with --blur-dir/--sharp-dir")
    if args.crop < 1 or args.max_names < 1 or args.batch_size < 1:
        parser.error("--crop, --max-names and --batch-size must be positive")
    for flag in ("data", "blur_dir", "sharp_dir"):
        value = getattr(args, flag)
        if value is not None and not path_exists(value):
            parser.error(f"--{flag.replace('_', '-')} {value}: not found")
    if args.infer_schema is None and not path_exists(args.schema):
        parser.error(f"--schema {args.schema}: not found")
    unknown = _unknown_beam_options(beam_args)
    if unknown:
        parser.error(f"unrecognized arguments (not Beam options either): {unknown}")
    return args, beam_args


def quiet() -> None:
    """Silences library chatter so the summary stays readable."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=UserWarning)
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("apache_beam").setLevel(logging.ERROR)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    quiet()
    args, beam_args = parse_args(argv)
    if "://" not in args.output:
        os.makedirs(args.output, exist_ok=True)
    try:
        result = validate(args, beam_args)
    except UsageError as err:
        print(f"validate_data.py: error: {err}", file=sys.stderr)
        return 2
    from .report import print_summary

    print_summary(result, args.max_names)
    return 0 if result["clean"] else 1
