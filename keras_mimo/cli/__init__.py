"""`keras-mimo` command line: one sub-command per module in this package.

Each sub-command module defines `add_parser(subparsers)`, which registers
its parser and sets `func(args) -> int` as the handler.
"""

import argparse
import importlib
import os
import sys

SUBCOMMANDS = ("convert", "deblur", "evaluate", "export")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="keras-mimo", description="MIMO-UNet motion deblurring for Keras 3."
    )
    parser.add_argument(
        "--backend",
        choices=("jax", "tensorflow", "torch"),
        help="Keras backend (default: $KERAS_BACKEND or Keras' default).",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"keras_mimo.cli.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"keras_mimo.cli.{name}":
                raise
            continue
        module.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # The backend must be chosen before Keras is imported anywhere.
    for i, arg in enumerate(argv):
        if arg == "--backend" and i + 1 < len(argv):
            os.environ["KERAS_BACKEND"] = argv[i + 1]
        elif arg.startswith("--backend="):
            os.environ["KERAS_BACKEND"] = arg.split("=", 1)[1]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
