"""`keras-mimo` command line: one sub-command per module in this package.

Each sub-command module defines `add_parser(subparsers)`, which registers
its parser and sets `func(args) -> int` as the handler.
"""

import argparse
import importlib
import os
import sys

from keras_mimo.utils.quiet import quiet_startup

SUBCOMMANDS = ("convert", "deblur", "deblur-batch", "evaluate", "export", "serve")


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
            module = importlib.import_module(f"keras_mimo.cli.{name.replace('-', '_')}")
        except ModuleNotFoundError as error:
            if error.name != f"keras_mimo.cli.{name.replace('-', '_')}":
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
    quiet_startup()
    # deblur-batch passes what follows "--" to Beam as pipeline options (for
    # the other commands "--" keeps its usual meaning: end of options).
    passthrough = []
    if "--" in argv and "deblur-batch" in argv[: argv.index("--")]:
        split = argv.index("--")
        argv, passthrough = argv[:split], argv[split + 1 :]
    parser = build_parser()
    args = parser.parse_args(argv)
    if passthrough and not getattr(args, "passthrough", False):
        parser.error(f"{args.command} takes no arguments after '--'")
    args.pipeline_args = passthrough
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
