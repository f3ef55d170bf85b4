"""Input-pipeline throughput of `keras_mimo.data.training_dataset`.

Measures images/s and batches/s of the training pipeline (random crops,
flips/rotations, batching) after a warm-up, for real pairs and for both
synthesizers, on the shared data:

    python benchmarks/pipeline_throughput.py                      # all three
    python benchmarks/pipeline_throughput.py --source synth_gopro --batches 50
    python benchmarks/pipeline_throughput.py --spec "gopro:/data/GOPRO_Large"

Sources: `pairs` (the real gopro_val blur/sharp pairs, 1280x720 PNG),
`synth_gopro` (GoPro-style averaging of gopro_frames, 7-13 frames;
`synth_gopro_c4` cuts 4 crops from each averaged window),
`synth_shake` (camera-shake synthesis from sharp/). The model needs ~0.4
images/s on this class of machine (SPEC), so anything well above that keeps
it fed.
"""

import argparse
import os
import pathlib
import time

from keras_mimo.utils.quiet import quiet_startup

quiet_startup()

from keras_mimo.data import parse_source_spec, training_dataset  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
DATA = (
    pathlib.Path(os.environ.get("KERAS_MIMO_SHARED", ROOT.parent / "shared")) / "data"
)
SPECS = {
    "pairs": f"folders:{DATA}/gopro_val/blur,{DATA}/gopro_val/sharp",
    "synth_gopro": f"synth_gopro:{DATA}/gopro_frames",
    "synth_gopro_c4": f"synth_gopro:{DATA}/gopro_frames?crops=4",
    "synth_shake": f"synth_shake:{DATA}/sharp",
}


def measure(
    spec: str, batches: int, warmup: int, crop: int, batch_size: int, seed: int
) -> dict:
    """Times `batches` batches after `warmup` ones; returns the rates."""
    source, _ = parse_source_spec(spec)
    iterator = iter(
        training_dataset(source, crop=crop, batch_size=batch_size, seed=seed)
    )
    for _ in range(warmup):
        next(iterator)
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    seconds = time.perf_counter() - start
    return {
        "batches_per_s": batches / seconds,
        "images_per_s": batches * batch_size / seconds,
        "seconds": seconds,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", choices=[*SPECS, "all"], default="all")
    parser.add_argument("--spec", help="any --data spec instead of --source")
    parser.add_argument("--batches", type=int, default=20, help="timed batches")
    parser.add_argument("--warmup", type=int, default=3, help="untimed batches first")
    parser.add_argument("--crop", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.spec:
        specs = {"spec": args.spec}
    else:
        specs = SPECS if args.source == "all" else {args.source: SPECS[args.source]}
    print(
        f"batch {args.batch_size}, crop {args.crop}x{args.crop}, {args.batches} batches "
        f"after {args.warmup} warm-up, {os.cpu_count()} CPUs"
    )
    for name, spec in specs.items():
        rates = measure(
            spec, args.batches, args.warmup, args.crop, args.batch_size, args.seed
        )
        print(
            f"{name:15s} {rates['images_per_s']:7.2f} images/s  "
            f"{rates['batches_per_s']:6.2f} batches/s  ({rates['seconds']:.1f} s)"
        )


if __name__ == "__main__":
    main()
