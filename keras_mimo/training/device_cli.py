"""Train MIMO-UNet for a fixed time on an accelerator machine without TensorFlow.

The command behind `python training/fit_on_device.py`, made for the lent GPU
machine: JAX (or PyTorch) and no TensorFlow, nothing to download, a hard
time limit, and only small files coming back. The frames packed by
`training/pack_device_data.py` are held on the device and GoPro-style
batches are drawn there (`GoProBatchSampler`); the model starts from a
preset and trains in bfloat16 at a steady rate with a weight average
(`--ema`); every `--save-every` seconds the average is scored on the packed
validation pairs and written as a float16 preset (`TimedPresets`), so a call
killed at its limit still returns weights.

    python training/fit_on_device.py --data .train_data --init-from gopro \\
        --minutes 6 --output "$OUT"

Writes to `--output`: `preset/` (best validation PSNR), `last/`, `curve.csv`.
"""

import argparse
import os
import pathlib
import sys
import time

from keras_mimo.utils.quiet import quiet_startup


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--backend", choices=("jax", "torch", "tensorflow"), default="jax")
    p.add_argument(
        "--data", required=True, help="packed folder with frames/ and val/{blur,sharp}"
    )
    p.add_argument("--init-from", help="preset name or folder to start from")
    p.add_argument("--model", default="mimo_unet", help="variant, without --init-from")
    p.add_argument("--width", type=int, help="override the variant's base width")
    p.add_argument("--num-res", type=int, help="override residual blocks per stage")
    p.add_argument("--minutes", type=float, required=True, help="training time")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--crop", type=int, default=256)
    p.add_argument("--window", default="7-13", help="frames averaged per blur")
    p.add_argument("--lr", type=float, default=2e-4, help="constant Adam rate")
    p.add_argument("--ema", type=float, default=0.999, help="weight-average momentum")
    p.add_argument("--precision", choices=("bfloat16", "float32"), default="bfloat16")
    p.add_argument("--steps-per-epoch", type=int, default=50)
    p.add_argument("--save-every", type=float, default=60.0, help="seconds")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--output", required=True, help="folder for the presets and curve")
    args = p.parse_args(argv)
    low, _, high = args.window.partition("-")
    try:
        args.window = (int(low), int(high or low))
    except ValueError:
        p.error(f"--window must be N or MIN-MAX, got {args.window!r}")
    for name in ("batch_size", "crop", "steps_per_epoch"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.crop % 4:
        p.error(f"--crop must be a multiple of 4, got {args.crop}")
    if not 0 < args.ema < 1:
        p.error(f"--ema must be between 0 and 1 (exclusive), got {args.ema}")
    if not (args.minutes > 0 and args.save_every > 0 and args.lr > 0):
        p.error("--minutes, --save-every and --lr must be positive")
    return args


def load_pairs(folder: pathlib.Path) -> list:
    """`(blur, sharp)` of the `blur/` and `sharp/` images in `folder`, each
    `(1, H, W, 3)` float32 in [0, 1] as the model sees it (`read_rgb`)."""
    from keras_mimo.data.readers import folder_pairs
    from keras_mimo.inference.layout import read_rgb

    if not (folder / "blur").is_dir():
        return []
    pairs = folder_pairs(folder / "blur", folder / "sharp")
    return [(read_rgb(pair.blur), read_rgb(pair.sharp)) for pair in pairs]


def out_of_memory(error: BaseException) -> bool:
    """Whether `error` is the accelerator running out of memory (any backend)."""
    text = f"{type(error).__name__}: {error}"
    return any(
        k in text for k in ("RESOURCE_EXHAUSTED", "OutOfMemory", "out of memory")
    )


def main(argv=None) -> int:
    args = parse_args(argv)
    os.environ["KERAS_BACKEND"] = args.backend  # before Keras is imported
    quiet_startup()
    import keras

    from keras_mimo import MIMOLoss, MIMOUNet
    from keras_mimo.data.synthesis.gopro_batches import GoProBatchSampler, load_frames
    from keras_mimo.training.averaging import weight_average_momentum
    from keras_mimo.training.cli import float32_copy, model_overrides, run_command
    from keras_mimo.training.optimizers import training_optimizer
    from keras_mimo.training.provenance import preset_provenance, start_record
    from keras_mimo.training.timed_presets import TimedPresets
    from keras_mimo.utils.hardware import describe_accelerator
    from keras_mimo.utils.precision import PRECISION_POLICIES

    data = pathlib.Path(args.data)
    keras.utils.set_random_seed(args.seed)
    hardware = describe_accelerator()
    frames = load_frames(data / "frames")
    val_pairs = load_pairs(data / "val")
    sampler = GoProBatchSampler(frames, args.crop, args.window, seed=args.seed)
    policy = PRECISION_POLICIES[args.precision]
    command = run_command("training/fit_on_device.py")
    provenance = start_record(args.init_from, command, MIMOUNet)
    if args.init_from:
        model = MIMOUNet.from_preset(args.init_from, dtype=policy)
    else:
        model = MIMOUNet.from_variant(args.model, dtype=policy, **model_overrides(args))
    model.compile(
        optimizer=training_optimizer(args.lr, args.ema),
        loss=MIMOLoss(),
        jit_compile=args.backend == "jax",
    )
    print(
        f"{model.variant or 'custom'} ({model.count_params():,} parameters) on "
        f"{hardware}, {args.precision}; {len(frames)} frames "
        f"{frames.shape[1]}x{frames.shape[2]}, {len(val_pairs)} validation pairs; "
        f"batch {args.batch_size} x {args.crop}, {args.minutes} min",
        flush=True,
    )

    def export(trained):
        return float32_copy(trained, MIMOUNet)

    def metadata(row, curve):
        info = {
            "source": "trained with training/fit_on_device.py",
            "command": command,
            "training_data": f"GoPro-style synthesis of {data / 'frames'} "
            f"(windows {args.window[0]}-{args.window[1]})",
            "steps": row["step"],
            "batch_size": args.batch_size,
            "crop": args.crop,
            "precision": model.dtype_policy.name,
            "ema_momentum": weight_average_momentum(model),
            "training_hardware": hardware,
            "wall_time_s_last_session": row["seconds"],
            "images_per_s": row["images_per_s"],
            "validation": row,
            "validation_curve": curve,
        }
        return {**info, **preset_provenance(provenance, row["step"])}

    def batches():
        while True:
            blur, sharp = sampler.sample(args.batch_size)
            yield blur, (sharp, sharp, sharp)

    deadline = time.time() + args.minutes * 60
    while True:
        timer = TimedPresets(
            args.output,
            val_pairs,
            deadline=deadline,
            every_s=args.save_every,
            batch_size=args.batch_size,
            steps_per_epoch=args.steps_per_epoch,
            export=export,
            metadata=metadata,
        )
        try:
            model.fit(
                batches(),
                epochs=10**9,
                steps_per_epoch=args.steps_per_epoch,
                callbacks=[keras.callbacks.TerminateOnNaN(), timer],
                shuffle=False,  # the sampler draws at random
                verbose=0,
            )
            break
        except Exception as error:  # XLA / CUDA report memory in their own types
            if timer.curve or args.batch_size == 1 or not out_of_memory(error):
                raise
            args.batch_size //= 2
            print(f"Out of device memory: retrying with batch {args.batch_size}.")
    if not timer.curve:
        print("error: training stopped before the first save", file=sys.stderr)
        return 3
    best = max(timer.curve, key=lambda row: row["val_psnr"])
    print(f"Best: {best}; presets in {args.output}/preset and /last", flush=True)
    return 0
