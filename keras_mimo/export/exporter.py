"""`export_model`: convert, verify against Keras, publish atomically."""

import datetime
import logging
import os
import pathlib
import shutil
import time

import numpy as np

from keras_mimo.export.errors import ExportError, require_tensorflow_backend
from keras_mimo.export.formats import DEFAULT_FORMATS, Format, parse_formats
from keras_mimo.export.images import (
    calibration_batches,
    load_images,
    verification_crops,
)
from keras_mimo.export.manifest import MANIFEST_VERSION, file_entries, write_manifest
from keras_mimo.export.verify import keras_reference, measure_agreement
from keras_mimo.inference.execution import with_precision

logger = logging.getLogger("keras_mimo.export")

DEFAULT_ROOT = pathlib.Path("savedmodels")
TFLITE_SOURCE = ".tflite_source"
#: The ONNX graph OpenVINO converts when `onnx` itself is not exported.
ONNX_SOURCE = ".onnx_source.onnx"
#: Distributions whose versions the manifest records, when installed.
PRODUCER_PACKAGES = ("ai-edge-litert", "tf2onnx", "onnx", "onnxruntime", "openvino")


def is_export_entry(name: str) -> bool:
    """Whether an export directory entry is one `export_model` writes."""
    from keras_mimo.export.formats import FORMATS
    from keras_mimo.export.manifest import MANIFEST_FILE

    temporaries = {TFLITE_SOURCE, ONNX_SOURCE}
    return name in {MANIFEST_FILE, *temporaries, *(f.path for f in FORMATS.values())}


def _load_model(model_or_preset):
    """The model as float32, its default export name and where it came from."""
    import keras

    from keras_mimo.models.mimo_unet.mimo_unet import MIMOUNet

    if isinstance(model_or_preset, keras.Model):
        model = model_or_preset
        name = getattr(model, "variant", None) or model.name
        source = {"kind": "model object"}
    else:
        path = pathlib.Path(os.path.expanduser(str(model_or_preset)))
        if path.suffix == ".keras":
            if not path.is_file():
                raise FileNotFoundError(f"Model file {path} does not exist.")
            model, name = keras.saving.load_model(path), path.stem
            source = {"kind": ".keras file", "path": str(path)}
        else:
            model = MIMOUNet.from_preset(model_or_preset, dtype="float32")
            info = dict(model.preset_source or {})
            metadata = info.pop("metadata", {})
            name = info.get("name") or path.name
            source = {"kind": "preset", **info, "backend": metadata.get("backend")}
    if model.dtype_policy.name != "float32":
        rebuilt = type(model).from_config({**model.get_config(), "dtype": "float32"})
        rebuilt.set_weights(model.get_weights())
        model = rebuilt
    return model, name, source


def _model_info(model, source: dict) -> dict:
    config = {
        k: getattr(model, k)
        for k in ("num_res", "width", "dropout")
        if hasattr(model, k)
    }
    return {
        "class": type(model).__name__,
        "variant": getattr(model, "variant", None),
        "config": config,
        "parameters": int(model.count_params()),
        "source": source,
    }


def _versions() -> dict:
    import keras
    import tensorflow as tf

    from keras_mimo.version import __version__

    versions = {
        "keras_mimo": __version__,
        "keras": keras.__version__,
        "tensorflow": tf.__version__,
    }
    from importlib.metadata import PackageNotFoundError, version

    for package in PRODUCER_PACKAGES:
        try:
            versions[package.replace("-", "_")] = version(package)
        except PackageNotFoundError:  # its formats cannot run anyway
            pass
    return versions


def _judge(fmt: Format, agreement: dict, thresholds: dict) -> dict:
    threshold = float(thresholds.get(fmt.name, fmt.min_psnr_db))
    worst = min(a["min_psnr_db"] for a in agreement.values())
    return {
        "min_psnr_db": worst,
        "threshold_db": threshold,
        "passed": worst >= threshold,
        "per_signature": agreement,
    }


def export_model(
    model_or_preset,
    output_dir: str | os.PathLike | None = None,
    formats=DEFAULT_FORMATS,
    representative_images=None,
    *,
    verification_images=None,
    name: str | None = None,
    calibration_samples: int = 32,
    calibration_size: int = 128,
    verification_samples: int = 3,
    min_psnr_db: dict[str, float] | None = None,
    overwrite: bool = False,
) -> pathlib.Path:
    """Exports a MIMO-UNet to SavedModel / TFLite / ONNX / OpenVINO, verified.

    Needs the TensorFlow Keras backend (`KERAS_BACKEND=tensorflow`; a preset
    or `.keras` file saved under JAX or PyTorch loads fine there). Every
    artifact takes RGB images of any size (reflect-padded to a multiple of 4
    inside, cropped back) and returns the clipped full-resolution output.

    Each artifact is run on crops of real images and compared with the Keras
    model (PSNR, data range 1), each in its own runtime (TensorFlow, LiteRT,
    ONNX Runtime, OpenVINO). A float artifact (SavedModel, TFLite float32
    and float16, ONNX, OpenVINO) below its threshold (default 50 dB) makes the export fail:
    an `ExportError` is raised and nothing is written. An int8 artifact
    below 35 dB is published with a warning in the manifest.

    Args:
        model_or_preset: a `MIMOUNet`, a preset name or directory, or a
            `.keras` file.
        output_dir: target directory (default `savedmodels/<name>`), replaced
            atomically; it must not exist unless `overwrite=True`.
        formats: names from `keras_mimo.export.FORMATS` (`saved_model`,
            `saved_model_bfloat16`, `tflite_float32`, `tflite_float16`,
            `tflite_dynamic_int8`, `tflite_int8`, `onnx`, `openvino_float32`,
            `openvino_float16`),
            `"tflite"`, `"openvino"` or `"all"`; list or comma string.
        representative_images: real images (folder, files or arrays, see
            `images.load_images`) for int8 calibration and, unless
            `verification_images` is given, for verification. Required.
        verification_images: images for the agreement check (default: the
            representative images).
        name: export name (default: preset name, file stem or variant).
        calibration_samples: random crops used to calibrate `tflite_int8`.
        calibration_size: side of each calibration crop.
        verification_samples: crops per artifact for the agreement check
            (sizes 256x256, 250x198, 189x253, cycling).
        min_psnr_db: per-format threshold overrides, e.g. `{"tflite_int8": 30}`.
        overwrite: replace an existing `output_dir`; even then a folder
            holding files an export does not write is refused
            (`ForeignFilesError`) and nothing in it is deleted.

    Returns:
        The export directory; its `manifest.json` describes every artifact.

    Example:
    >>> export_model(  # doctest: +SKIP
    ...     "presets/mimo_unet_gopro",
    ...     formats=("saved_model", "tflite_float32", "tflite_int8"),
    ...     representative_images="../shared/data/gopro_val/blur",
    ... )
    PosixPath('savedmodels/mimo_unet_gopro')
    """
    require_tensorflow_backend()
    from keras_mimo.export.errors import require_modules
    from keras_mimo.utils.errors import OutputExistsError
    from keras_mimo.utils.files import atomic_directory, check_plain_name

    chosen = parse_formats(formats)
    require_modules({f.family for f in chosen})
    thresholds = dict(min_psnr_db or {})
    unknown = set(thresholds) - {f.name for f in chosen}
    if unknown:
        raise ValueError(
            f"min_psnr_db names formats not being exported: {sorted(unknown)}"
        )
    if representative_images is None:
        raise ExportError(
            "Export verifies every artifact on real images and calibrates int8 "
            "on them: pass representative_images= (a folder of photos, image "
            "files or arrays), e.g. a few frames like the ones you will deblur."
        )
    model, default_name, source = _load_model(model_or_preset)
    name = name or default_name
    if output_dir:
        target = pathlib.Path(output_dir)
    else:
        target = DEFAULT_ROOT / check_plain_name(name, "export name")
    if (target.exists() or target.is_symlink()) and not overwrite:
        raise OutputExistsError(target)

    calibration = load_images(representative_images, limit=max(calibration_samples, 1))
    checks = (
        load_images(verification_images, limit=verification_samples)
        if verification_images is not None
        else calibration
    )
    crops = verification_crops(checks, verification_samples)
    references = [keras_reference(model, crop) for _, crop in crops]
    uint8_references = [
        keras_reference(model, np.round(crop * 255) / 255) for _, crop in crops
    ]

    def calibration_data():
        return calibration_batches(
            [image for _, image in calibration], calibration_samples, calibration_size
        )

    artifacts, warnings = {}, []
    with atomic_directory(target, is_export_entry, "an export") as tmp:
        for fmt in chosen:
            start = time.perf_counter()
            logger.info("exporting %s", fmt.name)
            if fmt.family == "saved_model":
                precision = "bfloat16" if fmt.name.endswith("bfloat16") else "float32"
                entry = _export_saved_model(
                    with_precision(model, precision),
                    tmp / fmt.path,
                    crops,
                    references,
                    uint8_references,
                )
            elif fmt.family == "tflite":
                entry = _export_tflite(
                    model, tmp, fmt, calibration_data, crops, references
                )
            elif fmt.family == "onnx":
                entry = _export_onnx(model, tmp / fmt.path, crops, references)
            else:
                entry = _export_openvino(model, tmp, fmt, crops, references)
            entry["agreement"] = _judge(fmt, entry.pop("agreement"), thresholds)
            entry = {
                "format": fmt.family,
                "path": fmt.path,
                "quantization": fmt.quantization,
                **entry,
                "files": file_entries(tmp, tmp / fmt.path),
                "export_seconds": round(time.perf_counter() - start, 1),
            }
            entry["size_bytes"] = sum(f["size_bytes"] for f in entry["files"])
            agreement = entry["agreement"]
            logger.info(
                "%s: min PSNR %.2f dB vs Keras", fmt.name, agreement["min_psnr_db"]
            )
            if not agreement["passed"]:
                message = (
                    f"{fmt.name} agrees with the Keras model only to "
                    f"{agreement['min_psnr_db']:.2f} dB PSNR (threshold "
                    f"{agreement['threshold_db']:.1f} dB)."
                )
                if fmt.required:
                    raise ExportError(f"{message} Refusing to publish {target}.")
                warnings.append(message)
                entry["warnings"] = [message]
            artifacts[fmt.name] = entry
        shutil.rmtree(tmp / TFLITE_SOURCE, ignore_errors=True)
        (tmp / ONNX_SOURCE).unlink(missing_ok=True)
        manifest = {
            "manifest_version": MANIFEST_VERSION,
            "name": name,
            "created": datetime.datetime.now(datetime.UTC).isoformat(
                timespec="seconds"
            ),
            "producer": _versions(),
            "model": _model_info(model, source),
            "io": {
                "layout": "NHWC, RGB, batch of images",
                "size": "any height and width >= 4; reflect-padded to a multiple "
                "of 4 inside, output cropped back",
                "output": "deblurred full-resolution image, same dtype as the input, clipped",
            },
            "verification": {
                "reference": "Keras model (TensorFlow backend) full-resolution output "
                "on the same reflect-padded input, clipped to [0, 1]",
                "metric": "PSNR in dB, data range 1 (uint8 outputs scaled by 1/255), "
                "capped at 100",
                "images": [crop_name for crop_name, _ in crops],
                "calibration": {
                    "images": [image_name for image_name, _ in calibration],
                    "samples": calibration_samples,
                    "crop_size": calibration_size,
                }
                if any(f.name == "tflite_int8" for f in chosen)
                else None,
            },
            "artifacts": artifacts,
            "warnings": warnings,
        }
        write_manifest(tmp, manifest)
    logger.info("published %s", target)
    return target


def _export_saved_model(model, directory, crops, references, uint8_references) -> dict:
    from keras_mimo.export.saved_model import (
        SIGNATURES,
        SavedModelRunner,
        write_saved_model,
    )

    write_saved_model(model, directory)
    agreement = {
        "serving_default": measure_agreement(
            SavedModelRunner(directory, "serving_default"), crops, references
        ),
        "serving_uint8": measure_agreement(
            SavedModelRunner(directory, "serving_uint8"),
            crops,
            uint8_references,
            uint8=True,
        ),
    }
    return {"signatures": SIGNATURES, "agreement": agreement}


def _export_tflite(
    model, root, fmt: Format, calibration_data, crops, references
) -> dict:
    from keras_mimo.export.saved_model import write_tflite_source
    from keras_mimo.export.tflite import convert_tflite
    from keras_mimo.export.tflite_runner import TFLiteRunner, describe_io

    source = root / TFLITE_SOURCE
    if not source.exists():
        write_tflite_source(model, source)
    blob = convert_tflite(source, fmt.name, calibration_data)
    (root / fmt.path).write_bytes(blob)
    runner = TFLiteRunner(root / fmt.path, num_threads=2)
    return {
        "signature": describe_io(runner),
        "agreement": {"serving_default": measure_agreement(runner, crops, references)},
    }


def _export_onnx(model, path, crops, references) -> dict:
    from keras_mimo.export.onnx import SIGNATURE, ONNXRunner, write_onnx

    write_onnx(model, path)
    runner = ONNXRunner(path, num_threads=2)
    return {
        "signature": SIGNATURE,
        "agreement": {"serving_default": measure_agreement(runner, crops, references)},
    }


def _export_openvino(model, root, fmt: Format, crops, references) -> dict:
    """The IR, converted from the exported ONNX graph (or a temporary one).

    The verdict is for float32 compute; the agreement at bfloat16, which
    OpenVINO picks by itself on CPUs with AVX-512 BF16 or AMX, is measured
    and recorded beside it but does not decide the export.
    """
    from keras_mimo.export.formats import FORMATS
    from keras_mimo.export.onnx import SIGNATURE, write_onnx
    from keras_mimo.export.openvino import (
        OpenVINORunner,
        bf16_supported,
        write_openvino,
    )

    source = root / FORMATS["onnx"].path
    if not source.exists():
        source = root / ONNX_SOURCE
        if not source.exists():
            write_onnx(model, source)
    write_openvino(source, root / fmt.path, float16=fmt.name.endswith("float16"))
    runner = OpenVINORunner(root / fmt.path, num_threads=2, precision="f32")
    bf16 = {
        "note": "INFERENCE_PRECISION_HINT=bf16, OpenVINO's CPU default where "
        "AVX-512 BF16 or AMX exist; measured, not a gate",
        "supported_here": bf16_supported(),
    }
    if bf16["supported_here"]:
        run = OpenVINORunner(root / fmt.path, num_threads=2, precision="bf16")
        measured = measure_agreement(run, crops, references)
        bf16.update(
            min_psnr_db=measured["min_psnr_db"], mean_psnr_db=measured["mean_psnr_db"]
        )
    return {
        "signature": {k: v for k, v in SIGNATURE.items() if k != "opset"},
        "inference_precision": "f32 (INFERENCE_PRECISION_HINT)",
        "agreement": {"serving_default": measure_agreement(runner, crops, references)},
        "bf16_inference": bf16,
    }
