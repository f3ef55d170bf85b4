"""Convert an official MIMO-UNet checkpoint and check it against reference outputs.

    python tools/checkpoint_conversion/convert_mimo_unet_checkpoints.py \
        --checkpoint MIMO-UNet.pkl --preset-dir presets/gopro_official \
        [--reference-io ../shared/reference/mimo_unet_reference_io.npz]

With `--reference-io` (an `.npz` of NCHW `input_*` and official `output_*_{0,1,2}`)
the converted model is run on every input and the max abs error printed;
the conversion fails above `--tolerance`.
"""

import argparse
import sys

import numpy as np


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--preset-dir")
    parser.add_argument("--variant", choices=("mimo_unet", "mimo_unet_plus"))
    parser.add_argument("--reference-io")
    parser.add_argument("--tolerance", type=float, default=1e-4)
    args = parser.parse_args(argv)

    import keras

    from keras_mimo import convert_checkpoint

    model = convert_checkpoint(args.checkpoint, args.preset_dir, variant=args.variant)
    print(f"{model.variant or 'custom'}: {model.count_params():,} parameters")
    if args.reference_io:
        data = np.load(args.reference_io)
        worst = 0.0
        for key in sorted(k for k in data.files if k.startswith("input_")):
            case = key.split("_", 1)[1]
            outputs = model(data[key].transpose(0, 2, 3, 1))
            for scale, output in enumerate(outputs):
                expected = data[f"output_{case}_{scale}"].transpose(0, 2, 3, 1)
                error = float(
                    np.abs(keras.ops.convert_to_numpy(output) - expected).max()
                )
                worst = max(worst, error)
                print(f"{case} scale {scale}: max abs error {error:.2e}")
        if worst > args.tolerance:
            print(f"error: {worst:.2e} exceeds {args.tolerance}", file=sys.stderr)
            return 1
    if args.preset_dir:
        print(f"Preset written to {args.preset_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
