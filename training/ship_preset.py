"""Evaluate a trained preset and ship it inside the package (developers).

    python training/ship_preset.py runs/gopro/preset \
        --val ../shared/data/gopro_val --levin ../shared/data/levin \
        --output keras_mimo/preset_files/gopro --recipe training/recipes/gopro_cpu.sh

Scores the candidate on the validation pairs (blurry-input PSNR, PSNR, SSIM)
in float32 and again with its weights stored as float16, and refuses to
replace a shipped preset whose validation PSNR is as good or better (`--force`
overrides): only improvements ship. The shipped preset keeps float16 weights
(restored to float32 on load) when that costs less than 0.01 dB, and its
`metadata.json` records the scores, the float16 cost, the PSNR change of
bfloat16 compute (`bfloat16_check`: `Deblurrer(precision="auto")` does not
pick bfloat16 for a preset whose change exceeds 0.05 dB) and the training
provenance (run history, validation curve, hardware, hours).
"""

import argparse
import json
import pathlib
import shutil
import sys
import tempfile

from keras_mimo.utils.quiet import quiet_startup

FLOAT16_TOLERANCE_DB = 0.01


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("candidate", help="preset folder written by training/fit.py")
    p.add_argument("--val", required=True, help="validation pairs (blur/, sharp/)")
    p.add_argument("--levin", help="Levin benchmark pairs, also scored")
    p.add_argument("--output", required=True, help="shipped preset folder")
    p.add_argument("--recipe", help="recipe file that reproduces the run")
    p.add_argument("--hours", type=float, help="training hours, all sessions")
    p.add_argument("--hardware", help="training hardware (default: this CPU)")
    p.add_argument("--force", action="store_true", help="ship even if not better")
    p.add_argument(
        "--picture", help="also write a blurry | restored | sharp PNG of the demo photo"
    )
    p.add_argument(
        "--train-frames",
        help="training frames folder: also score held-in pairs made from them like "
        "gopro_val's (over-fitting shows as a much larger gain there)",
    )
    p.add_argument(
        "--jpeg",
        type=int,
        metavar="QUALITY",
        help="also score the validation pairs with their blurry inputs JPEG-compressed "
        "at this quality (most users' photos are JPEGs)",
    )
    return p.parse_args(argv)


def levin_pairs(root) -> list:
    """Levin et al.'s benchmark: `blur/im_K_ker_J.png` is `sharp/im_K.png` blurred."""
    from keras_mimo.images.pairs import make_pair

    root = pathlib.Path(root)
    return [
        make_pair(
            blur, root / "sharp" / (blur.stem.split("_ker_")[0] + ".png"), blur.name
        )
        for blur in sorted((root / "blur").glob("*_ker_*.png"))
    ]


def training_frame_pairs(frames_dir, folder, starts=(5, 30, 55, 80, 105, 130)) -> list:
    """Held-in pairs from the training frames, made like gopro_val's (8 frames).

    Writes `blur/` and `sharp/` PNGs under `folder` and returns their pairs:
    the blur of frames `start + 1 ... start + 8` (1-based), sharp the middle.
    """
    import numpy as np

    from keras_mimo.data.synthesis.gopro import frame_sequences, synthesize_gopro_pair
    from keras_mimo.images.files import write_image
    from keras_mimo.images.pairs import make_pair

    frames = frame_sequences(frames_dir)[0]
    folder = pathlib.Path(folder)
    pairs = []
    for start in starts:
        name = f"train_st_frame-{start}_n_avg-8.png"
        images = synthesize_gopro_pair([str(p) for p in frames[start : start + 8]])
        for kind, image in zip(("blur", "sharp"), images, strict=True):
            (folder / kind).mkdir(parents=True, exist_ok=True)
            pixels = np.round(image.numpy() * 255).astype(np.uint8)
            write_image(folder / kind / name, pixels)
        pairs.append(make_pair(folder / "blur" / name, folder / "sharp" / name, name))
    return pairs


def jpeg_input_pairs(val_root, folder, quality: int) -> list:
    """The validation pairs with each blurry input sent through a JPEG of `quality`.

    The round trip is the training option's (`synth_gopro:...?jpeg=`,
    `keras_mimo.data.compression.jpeg_round_trip`); the decoded input is
    written losslessly as `folder/blur/NAME.png`, the sharp image stays the
    original, so the score says how well a preset copes with a JPEG photo.
    """
    import numpy as np

    from keras_mimo.data.compression import jpeg_round_trip
    from keras_mimo.data.decoding import read_image_tensor
    from keras_mimo.images.files import write_image
    from keras_mimo.images.pairs import find_pairs, make_pair

    folder = pathlib.Path(folder) / "blur"
    folder.mkdir(parents=True, exist_ok=True)
    pairs = []
    for pair in find_pairs(val_root):
        blur = read_image_tensor(pair.blur)  # as the training pipeline decodes it
        pixels = np.round(jpeg_round_trip(blur, quality).numpy() * 255)
        path = folder / (pathlib.Path(pair.name).stem + ".png")
        write_image(path, pixels.astype(np.uint8))
        pairs.append(make_pair(path, pair.sharp, path.name))
    return pairs


def evaluate(preset_dir, pairs, precision: str = "float32") -> dict:
    from keras_mimo import MIMOUNet
    from keras_mimo.images.pairs import find_pairs
    from keras_mimo.inference import Deblurrer
    from keras_mimo.inference.evaluation import evaluate_pairs, summarize

    if not isinstance(pairs, list):
        pairs = find_pairs(pairs)
    model = MIMOUNet.from_preset(preset_dir)
    results = evaluate_pairs(Deblurrer(model, precision=precision), pairs)
    failed = [r.error for r in results if r.error]
    if failed:
        raise SystemExit(f"evaluation failed: {failed[0]}")
    summary = summarize(results)
    return {
        "images": summary["images"],
        "input_psnr": round(summary["input_psnr"], 3),
        "psnr": round(summary["psnr"], 3),
        "ssim": round(summary["ssim"], 4),
        "gain_db": round(summary["psnr"] - summary["input_psnr"], 3),
    }


def demo_picture(preset_dir, path, window=(slice(60, 300), slice(120, 360))) -> dict:
    """`make demo`'s photo, blurred and restored by the preset, cropped side by side."""
    import numpy as np

    from keras_mimo import MIMOUNet
    from keras_mimo.demo import camera_shake, demo_photo, side_by_side
    from keras_mimo.inference import Deblurrer
    from keras_mimo.metrics import psnr

    sharp = demo_photo()
    blurry = camera_shake(sharp)
    restored = Deblurrer(MIMOUNet.from_preset(preset_dir))(blurry)
    side_by_side([image[window] for image in (blurry, restored, sharp)], path)
    scores = {}
    for name, image in (("input_psnr", blurry), ("psnr", restored)):
        value = psnr(sharp[None] / 255.0, image[None].astype("float32") / 255.0)
        scores[name] = round(float(np.asarray(value)[0]), 2)
    return scores


def main(argv=None) -> int:
    args = parse_args(argv)
    quiet_startup()
    from keras_mimo import MIMOUNet
    from keras_mimo.utils.files import atomic_directory
    from keras_mimo.utils.hardware import describe_cpu
    from keras_mimo.utils.preset_utils import (
        METADATA_FILE,
        PRESET_FILES,
    )

    candidate = pathlib.Path(args.candidate)
    output = pathlib.Path(args.output)
    val = evaluate(candidate, args.val)
    print(f"candidate on {args.val}: {json.dumps(val)}")
    shipped_metadata = output / METADATA_FILE
    if shipped_metadata.is_file() and not args.force:
        shipped = json.loads(shipped_metadata.read_text()).get("scores", {})
        best = shipped.get("gopro_val", {}).get("psnr", float("-inf"))
        if val["psnr"] <= best:
            print(f"not shipped: {val['psnr']} dB <= shipped {best} dB (--force)")
            return 1

    with tempfile.TemporaryDirectory() as tmp:
        half = pathlib.Path(tmp) / "preset"
        model = MIMOUNet.from_preset(candidate)
        model.save_to_preset(half, model.preset_source["metadata"], half=True)
        val16 = evaluate(half, args.val)
        cost = round(val["psnr"] - val16["psnr"], 4)
        print(f"float16 weights: {json.dumps(val16)} (cost {cost} dB)")
        ship = half if abs(cost) < FLOAT16_TOLERANCE_DB else candidate
        scores = {"gopro_val": val16 if ship is half else val}
        if args.levin:
            scores["levin"] = evaluate(ship, levin_pairs(args.levin))
            print(f"levin: {json.dumps(scores['levin'])}")
        if args.train_frames:
            pairs = training_frame_pairs(
                args.train_frames, pathlib.Path(tmp) / "held_in"
            )
            scores["training_frames"] = evaluate(ship, pairs)
            print(
                f"held-in training-frame pairs: {json.dumps(scores['training_frames'])} "
                f"(gain {scores['training_frames']['gain_db']} dB against gopro_val's "
                f"{scores['gopro_val']['gain_db']} dB)"
            )
        if args.jpeg:
            pairs = jpeg_input_pairs(args.val, pathlib.Path(tmp) / "jpeg", args.jpeg)
            key = f"gopro_val_jpeg{args.jpeg}"
            scores[key] = evaluate(ship, pairs)
            print(f"JPEG inputs (quality {args.jpeg}): {json.dumps(scores[key])}")
        bf16 = evaluate(ship, args.val, precision="bfloat16")
        bf16_check = {
            "data": str(args.val),
            "psnr_float32": scores["gopro_val"]["psnr"],
            "psnr_bfloat16": bf16["psnr"],
            "psnr_change_db": round(bf16["psnr"] - scores["gopro_val"]["psnr"], 4),
            "machine": describe_cpu(),
        }
        print(f"bfloat16 compute: {json.dumps(bf16_check)}")
        metadata = json.loads((ship / METADATA_FILE).read_text())
        metadata.update(
            {
                "scores": scores,
                "weights_dtype": "float16" if ship is half else "float32",
                "float16_cost_db": cost,
                "bfloat16_check": bf16_check,
                "training_hardware": args.hardware or describe_cpu(),
                "training_hours": args.hours,
                "recipe": args.recipe,
            }
        )
        if args.recipe:
            metadata["recipe_text"] = pathlib.Path(args.recipe).read_text()
        (ship / METADATA_FILE).write_text(json.dumps(metadata, indent=2))
        with atomic_directory(output, PRESET_FILES.__contains__, "a preset") as new:
            for name in PRESET_FILES:
                shutil.copy2(ship / name, new / name)
    print(f"shipped to {output}")
    if args.picture:
        scores = demo_picture(output, pathlib.Path(args.picture))
        print(f"demo photo: {json.dumps(scores)}; picture {args.picture}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
