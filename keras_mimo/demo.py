"""`make demo` / `python -m keras_mimo.demo [IMAGE]`: deblur a photo end to end.

Without IMAGE: a real photograph shipped with scikit-image (`coffee.png`) is
blurred with a camera-shake kernel (a seeded random camera trajectory,
rendered in linear light), restored with the `gopro` preset, and a
side-by-side `blurry | restored | sharp` PNG is written with both PSNRs
printed. With IMAGE: that (blurry) photo is restored and a before/after PNG
written; `--synthetic-blur` treats it as sharp and blurs it first.

The `gopro` preset ships inside the package (a user-installed `gopro`, such
as the authors' converted weights, takes precedence); `--preset` picks
another preset name or folder. It writes one file, `--output`'s
`before_after.png`, and replaces an existing one only with `--overwrite`
(`make demo` passes it for its own `demo_output/`).
"""

import argparse
import os
import pathlib
import sys

from keras_mimo.utils.quiet import quiet_startup

#: The one file the demo writes, in its output folder.
PICTURE = "before_after.png"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "image", nargs="?", help="your blurry photo (default: demo photo)"
    )
    parser.add_argument("--preset", default="gopro", help="preset name or directory")
    parser.add_argument(
        "--output", default="demo_output", help="folder for the results"
    )
    parser.add_argument(
        "--synthetic-blur", action="store_true", help="blur IMAGE first"
    )
    parser.add_argument("--backend", choices=("jax", "tensorflow", "torch"))
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help=f"replace an existing {PICTURE} in the output folder",
    )
    return parser.parse_args(argv)


def demo_photo():
    """A real photograph from an installed package (scikit-image sample data)."""
    try:
        from skimage import data
    except ImportError as error:
        raise SystemExit(
            "The default demo photo comes from scikit-image: pip install "
            "'keras-mimo[demo]', or pass your own IMAGE."
        ) from error
    return data.coffee()  # 400x600 RGB photograph (Rachel Michetti, CC0)


def camera_shake(sharp, seed: int = 7):
    """Blurs a uint8 RGB image with a seeded camera-shake kernel (linear light)."""
    import numpy as np
    import tensorflow as tf

    from keras_mimo.data.synthesis.camera_shake import shake_blur
    from keras_mimo.data.synthesis.kernels import random_motion_kernel

    kernel = random_motion_kernel(
        seed, size=31, length=(18.0, 24.0), curvature=(0.5, 0.8)
    )
    pad = kernel.shape[0] // 2
    padded = np.pad(
        sharp.astype("float32") / 255.0, ((pad, pad), (pad, pad), (0, 0)), "reflect"
    )
    blurred = shake_blur(tf.constant(padded), tf.constant(kernel))
    return np.round(blurred.numpy() * 255).astype("uint8")


def load_model(preset: str):
    """The requested preset and a line saying where it came from."""
    from keras_mimo import MIMOUNet

    model = MIMOUNet.from_preset(preset)
    source = model.preset_source
    gain = source["metadata"].get("scores", {}).get("gopro_val", {}).get("gain_db")
    trained = f"; +{gain:.2f} dB on GoPro validation pairs" if gain else ""
    return model, f"preset {preset!r} ({source['origin']}: {source['path']}{trained})"


def side_by_side(panels, path: pathlib.Path) -> None:
    """Writes the panels left to right, 8 white pixels apart, as one PNG."""
    import numpy as np

    from keras_mimo.images.files import write_image

    gap = np.full((panels[0].shape[0], 8, 3), 255, "uint8")
    row = [p for panel in panels for p in (panel, gap)][:-1]
    write_image(path, np.concatenate(row, axis=1), "PNG")


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.backend:
        os.environ["KERAS_BACKEND"] = args.backend
    quiet_startup()
    import numpy as np

    from keras_mimo import PresetError
    from keras_mimo.inference import Deblurrer, read_image
    from keras_mimo.metrics import psnr

    output = pathlib.Path(args.output)
    picture = output / PICTURE
    if os.path.lexists(picture) and not args.overwrite:
        from keras_mimo.utils.errors import OutputExistsError

        print(
            f"error: {OutputExistsError(picture, 'pass --overwrite')}", file=sys.stderr
        )
        return 2
    try:
        model, note = load_model(args.preset)
    except PresetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    output.mkdir(parents=True, exist_ok=True)
    print(f"Deblurring with {note}.")
    deblurrer = Deblurrer(model)

    if args.image and not args.synthetic_blur:
        blurry = read_image(args.image).pixels[..., :3]
        restored = deblurrer(blurry)
        side_by_side([blurry, restored], picture)
        print(f"Wrote {picture} (left: input, right: restored).")
        return 0

    sharp = read_image(args.image).pixels[..., :3] if args.image else demo_photo()
    blurry = camera_shake(sharp)
    restored = deblurrer(blurry)
    scores = {}
    for name, image in (("blurry input", blurry), ("restored", restored)):
        value = psnr(
            sharp[None].astype("float32") / 255, image[None].astype("float32") / 255
        )
        scores[name] = float(np.asarray(value)[0])
    side_by_side([blurry, restored, sharp], picture)
    print(f"PSNR blurry input: {scores['blurry input']:.2f} dB")
    print(f"PSNR restored:     {scores['restored']:.2f} dB")
    print(f"Wrote {picture} (blurry | restored | sharp).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
