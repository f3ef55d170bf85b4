"""`keras-mimo convert`: official PyTorch checkpoint -> preset directory."""

import argparse
import sys


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "convert",
        help="convert an official MIMO-UNet checkpoint (.pkl) to a preset",
        description=(
            "Reads an official checkpoint with torch's weights-only loader (never "
            "runs code from the file), checks every tensor and writes a preset "
            "directory. Give OUTPUT_DIR, or --name to install it as a named preset."
        ),
    )
    parser.add_argument("checkpoint", help="MIMO-UNet.pkl or MIMO-UNetPlus.pkl")
    parser.add_argument("output_dir", nargs="?", help="preset directory to write")
    parser.add_argument(
        "--name", help="install into the user preset folder under this name"
    )
    parser.add_argument(
        "--variant", choices=("mimo_unet", "mimo_unet_plus"), help="expected variant"
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing preset (never a folder holding other files)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from keras_mimo.models.mimo_unet.mimo_unet_conversion import (
        CheckpointError,
        convert_checkpoint,
    )
    from keras_mimo.presets import user_preset_dir
    from keras_mimo.utils.errors import OutputExistsError, UnsafePathError
    from keras_mimo.utils.files import check_plain_name
    from keras_mimo.utils.preset_utils import PresetError

    if (args.output_dir is None) == (args.name is None):
        print("error: give exactly one of OUTPUT_DIR or --name", file=sys.stderr)
        return 2
    try:
        name = None if args.name is None else check_plain_name(args.name, "--name")
    except UnsafePathError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    target = args.output_dir or user_preset_dir() / name
    try:
        model = convert_checkpoint(
            args.checkpoint, target, variant=args.variant, overwrite=args.overwrite
        )
    except OutputExistsError as error:
        print(
            f"error: {error.path} exists; pass --overwrite to replace it",
            file=sys.stderr,
        )
        return 1
    except (CheckpointError, PresetError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(
        f"Converted {args.checkpoint} ({model.variant or 'custom'}, "
        f"{model.count_params():,} parameters) -> {target}"
    )
    if args.name:
        print(f"Load it with keras_mimo.MIMOUNet.from_preset({args.name!r}).")
    return 0
