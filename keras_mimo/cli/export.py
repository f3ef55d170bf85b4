"""`keras-mimo export`: preset or .keras -> verified SavedModel / TFLite / ONNX / OpenVINO."""

import argparse
import logging
import os
import sys

FORMAT_HELP = (
    "comma-separated: saved_model, tflite_float32, tflite_float16, "
    "tflite_dynamic_int8, tflite_int8, onnx, openvino_float32, openvino_float16, "
    "or 'tflite' / 'openvino' (all variants of one) / 'all' (default)"
)


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export a model to SavedModel / TFLite / ONNX / OpenVINO, verified",
        description=(
            "Exports a preset (name or directory) or a .keras file to "
            "savedmodels/<name>/ (or OUTPUT_DIR), verifies every artifact "
            "against the Keras model on real images (float: >= 50 dB PSNR or "
            "the export is refused; int8: >= 35 dB or a warning) and writes "
            "manifest.json. Runs on the TensorFlow backend: when no other "
            "backend was chosen it selects TensorFlow itself; with a "
            "different --backend it stops with an error."
        ),
    )
    parser.add_argument("model", help="preset name or directory, or a .keras file")
    parser.add_argument("output_dir", nargs="?", help="default: savedmodels/<name>")
    parser.add_argument("--formats", default="all", help=FORMAT_HELP)
    parser.add_argument(
        "--images",
        required=True,
        help="folder of real images (or one image) for int8 calibration and "
        "verification, e.g. a few frames like the ones you will deblur",
    )
    parser.add_argument(
        "--verification-images", help="separate images for verification"
    )
    parser.add_argument("--name", help="export name (default: preset name)")
    parser.add_argument("--calibration-samples", type=int, default=32)
    parser.add_argument("--calibration-size", type=int, default=128)
    parser.add_argument("--verification-samples", type=int, default=3)
    parser.add_argument(
        "--overwrite", action="store_true", help="replace an existing output dir"
    )
    parser.set_defaults(func=run)


def _select_tensorflow(args: argparse.Namespace) -> str | None:
    """Chooses the TensorFlow backend if still possible; else an error message."""
    if args.backend not in (None, "tensorflow"):
        return (
            f"export runs on the TensorFlow backend, not {args.backend!r}: use "
            "`keras-mimo --backend tensorflow export ...` (a preset saved under "
            "JAX or PyTorch loads fine there)."
        )
    if "keras" not in sys.modules:
        os.environ["KERAS_BACKEND"] = "tensorflow"
        return None
    import keras

    if keras.config.backend() != "tensorflow":
        return (
            f"Keras was already imported with the {keras.config.backend()!r} "
            "backend; run `keras-mimo --backend tensorflow export ...` "
            "(or set KERAS_BACKEND=tensorflow)."
        )
    return None


def run(args: argparse.Namespace) -> int:
    error = _select_tensorflow(args)
    if error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from keras_mimo.export.errors import ExportError
    from keras_mimo.export.exporter import export_model
    from keras_mimo.export.manifest import read_manifest
    from keras_mimo.utils.errors import OutputExistsError
    from keras_mimo.utils.preset_utils import PresetError

    try:
        target = export_model(
            args.model,
            args.output_dir,
            formats=args.formats,
            representative_images=args.images,
            verification_images=args.verification_images,
            name=args.name,
            calibration_samples=args.calibration_samples,
            calibration_size=args.calibration_size,
            verification_samples=args.verification_samples,
            overwrite=args.overwrite,
        )
    except OutputExistsError as err:
        print(
            f"error: {err.path} exists; pass --overwrite to replace it", file=sys.stderr
        )
        return 1
    except (ExportError, PresetError, FileNotFoundError, FileExistsError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    manifest = read_manifest(target)
    print(f"\nExported {manifest['name']} -> {target}")
    print(f"{'artifact':<22}{'size (MB)':>10}{'min PSNR vs Keras':>20}  quantization")
    for name, entry in manifest["artifacts"].items():
        psnr = entry["agreement"]["min_psnr_db"]
        flag = "" if entry["agreement"]["passed"] else "  (below target)"
        print(
            f"{name:<22}{entry['size_bytes'] / 1e6:>10.1f}{psnr:>17.2f} dB  "
            f"{entry['quantization']}{flag}"
        )
    for warning in manifest["warnings"]:
        print(f"warning: {warning}", file=sys.stderr)
    return 0
