"""Train MIMO-UNet with `model.fit` on any Keras backend.

The command behind `python training/fit.py` (a thin entry point kept where
users know it); the pieces it uses live next to it in `keras_mimo.training`.

    python training/fit.py --backend jax \
        --data synth_gopro:../shared/data/gopro_frames@0.7 \
        --data synth_shake:../shared/data/sharp@0.3 \
        --val-data folders:../shared/data/gopro_val/blur,../shared/data/gopro_val/sharp \
        --steps 3000 --output runs/gopro

Writes to `--output`: resumable checkpoints (`state.json` + `.keras`),
`best.keras` (best validation PSNR), `log.csv`, TensorBoard logs under
`tensorboard/`, and finally `preset/`, which `MIMOUNet.from_preset` loads.
Run again with `--resume` after an interruption. `--data` takes a folder
whose layout is detected (GOPRO_Large, `{train,test}/{blur,sharp}`,
`{blur,sharp}`, a RealBlur list file) or a `KIND:ARGS` spec; `--help` lists
the kinds, `keras_mimo.data.specs` documents them.
"""

import argparse
import json
import math
import os
import sys
import time

from keras_mimo.utils.quiet import quiet_startup


class _HelpFormatter(
    argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter
):
    """Keeps the epilog's layout; adds "(default: X)" where there is a default."""

    def _get_help_string(self, action):
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


class _StoreGiven(argparse.Action):
    """Stores the value and records that the flag was given (`<dest>_given`).

    Argparse's own parsing decides, so `--lr=X` and abbreviations count too.
    """

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, values)
        setattr(namespace, f"{self.dest}_given", True)


def parse_args(argv=None) -> argparse.Namespace:
    from keras_mimo.data.layouts import describe_kinds

    p = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        epilog=describe_kinds()
        + "\n\nexample: python training/fit.py --data GOPRO_Large "
        "--val-data GOPRO_Large --steps 3000 --output runs/gopro",
        formatter_class=_HelpFormatter,
    )
    p.add_argument(
        "--backend",
        choices=("jax", "tensorflow", "torch"),
        default="tensorflow",
        help="Keras backend (tensorflow: its graph mode with bf16 is the fastest "
        "CPU path measured)",
    )
    p.add_argument(
        "--model",
        choices=("mimo_unet", "mimo_unet_plus"),
        default="mimo_unet",
        help="model variant",
    )
    p.add_argument("--width", type=int, help="override the variant's base width")
    p.add_argument("--num-res", type=int, help="override residual blocks per stage")
    p.add_argument(
        "--data",
        action="append",
        required=True,
        metavar="SOURCE[@WEIGHT]",
        help="training data: a folder in a detected layout or KIND:ARGS (see "
        "below); repeat to mix sources, WEIGHT (default 1) sets the mix",
    )
    p.add_argument(
        "--val-data",
        metavar="SOURCE",
        help="validation data, whole images (split-aware kinds read the test "
        "split unless it says ?split=)",
    )
    p.add_argument("--val-max", type=int, help="validate on at most this many images")
    p.add_argument("--val-every", type=int, default=1, help="validate every N epochs")
    p.add_argument(
        "--crop", type=int, default=256, help="training crop size (multiple of 4)"
    )
    p.add_argument("--batch-size", type=int, default=4, help="crops per step")
    p.add_argument(
        "--epochs", type=int, help="epochs of --steps-per-epoch steps (or --steps)"
    )
    p.add_argument(
        "--steps", type=int, help="total training steps (or --epochs); exact"
    )
    p.add_argument(
        "--steps-per-epoch",
        type=int,
        default=500,
        help="steps between validations and checkpoints",
    )
    p.add_argument(
        "--lr",
        type=float,
        default=1e-4,
        action=_StoreGiven,
        help="peak learning rate; with --resume, the new rate of a constant-rate run",
    )
    p.add_argument(
        "--schedule",
        choices=("step", "cosine", "constant"),
        default="step",
        help="learning-rate schedule",
    )
    p.add_argument(
        "--decay-every",
        type=int,
        help="steps between halvings (step schedule; default: a sixth of the "
        "run, as the paper's schedule)",
    )
    p.add_argument(
        "--warmup-steps", type=int, default=0, help="linear warm-up (cosine only)"
    )
    p.add_argument(
        "--ema",
        type=float,
        metavar="MOMENTUM",
        help="keep an exponential moving average of the weights (e.g. 0.999, "
        "about the last 1000 steps); validation, best.keras and the preset use "
        "it (keras_mimo.training.averaging)",
    )
    p.add_argument(
        "--accumulate",
        type=int,
        metavar="N",
        help="average the gradients of N batches per update: the update of an "
        "N x --batch-size batch at the memory of one (--steps still counts "
        "batches; the schedule counts updates). Default 1; a resumed run keeps "
        "its own (keras_mimo.training.optimizers)",
    )
    p.add_argument(
        "--frequency-weight",
        type=float,
        default=0.1,
        help="weight of the FFT (frequency) loss term",
    )
    p.add_argument(
        "--precision",
        choices=("auto", "float32", "bfloat16"),
        default="auto",
        help="auto: bfloat16 where the hardware has it and it is faster",
    )
    p.add_argument(
        "--mixed-precision",
        action="store_true",
        help="same as --precision bfloat16 (mixed_bfloat16 policy)",
    )
    p.add_argument(
        "--jit-compile",
        choices=("auto", "true", "false"),
        default="auto",
        help="XLA (true) or graph/eager (false); auto: the faster here",
    )
    p.add_argument(
        "--identity-init",
        action="store_true",
        help="zero the output heads so the new model starts as the identity",
    )
    p.add_argument(
        "--output", required=True, help="run folder (checkpoints, logs, preset/)"
    )
    p.add_argument("--resume", action="store_true", help="continue from --output")
    p.add_argument("--init-from", help="preset name or folder to start from")
    p.add_argument(
        "--seed", type=int, default=0, help="seed of weights, data order and crops"
    )
    p.add_argument(
        "--distribute", action="store_true", help="data parallel, all devices"
    )
    p.add_argument(
        "--virtual-devices",
        type=int,
        default=0,
        help="split the CPU into N devices (testing --distribute)",
    )
    p.add_argument(
        "--checkpoint-every", type=int, default=1, help="epochs between checkpoints"
    )
    p.add_argument(
        "--verbose",
        type=int,
        default=1,
        choices=(0, 1, 2),
        help="0 silent, 1 progress bar, 2 one line per epoch",
    )
    p.set_defaults(lr_given=False)
    args = p.parse_args(argv)
    if (args.epochs is None) == (args.steps is None):
        p.error("give exactly one of --epochs or --steps")
    check_values(p, args)
    if args.mixed_precision:
        if args.precision not in ("auto", "bfloat16"):
            p.error("--mixed-precision contradicts --precision " + args.precision)
        args.precision = "bfloat16"
    if args.epochs is None:
        # A run shorter than one epoch is one epoch of exactly --steps steps.
        args.steps_per_epoch = min(args.steps_per_epoch, args.steps)
        args.epochs = -(-args.steps // args.steps_per_epoch)
    if args.resume and args.init_from:
        p.error("--resume continues a run; --init-from starts a new one")
    if args.warmup_steps and args.schedule != "cosine":
        p.error("--warmup-steps needs --schedule cosine")
    return args


def check_values(p: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Rejects impossible numbers up front, with the flag's name."""
    positive = ("batch_size", "steps_per_epoch", "val_every", "checkpoint_every")
    optional = ("steps", "epochs", "val_max", "width", "num_res", "accumulate")
    for name in (*positive, *optional):
        value = getattr(args, name)
        if value is not None and value < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1, got {value}")
    if args.crop < 4 or args.crop % 4:
        p.error(f"--crop must be a positive multiple of 4, got {args.crop}")
    if not 0 < args.lr < float("inf"):
        p.error(f"--lr must be a positive number, got {args.lr}")
    if args.ema is not None and not 0 < args.ema < 1:
        p.error(f"--ema must be between 0 and 1 (exclusive), got {args.ema}")
    if not 0 <= args.frequency_weight < float("inf"):
        p.error(f"--frequency-weight must be >= 0, got {args.frequency_weight}")
    if args.warmup_steps < 0:
        p.error(f"--warmup-steps must be >= 0, got {args.warmup_steps}")
    if args.decay_every is not None and args.decay_every < 1:
        p.error(f"--decay-every must be at least 1, got {args.decay_every}")


def model_overrides(args) -> dict:
    return {k: v for k, v in (("width", args.width), ("num_res", args.num_res)) if v}


def build_model(args, policy, MIMOUNet):
    if args.init_from:
        return MIMOUNet.from_preset(args.init_from, dtype=policy)
    model = MIMOUNet.from_variant(args.model, dtype=policy, **model_overrides(args))
    if args.identity_init:
        from keras_mimo.training.initialization import zero_output_heads

        zero_output_heads(model)
    return model


def choose_path(args, MIMOUNet):
    """The precision and compile mode to train with (probed when `auto`)."""
    from keras_mimo.training.fast_path import choose_training_path

    config = {**MIMOUNet.VARIANTS[args.model], **model_overrides(args)}
    path = choose_training_path(
        args.backend,
        config,
        args.batch_size,
        args.crop,
        args.precision,
        args.jit_compile,
    )
    print(f"Training path: {path.describe()}")
    return path


def make_datasets(args, seed, replicas=1):
    from keras_mimo.data import (
        parse_source_spec,
        training_dataset,
        validation_dataset,
        with_model_targets,
    )

    sources = [parse_source_spec(spec) for spec in args.data]
    train = with_model_targets(
        training_dataset(sources, crop=args.crop, batch_size=args.batch_size, seed=seed)
    )
    val = None
    if args.val_data:
        source, _ = parse_source_spec(args.val_data, split="test")
        # Each device needs a share of every batch: with --distribute, whole
        # validation images are batched by device count (and must share a size).
        val = with_model_targets(
            validation_dataset(source, batch_size=replicas, max_examples=args.val_max)
        )
    return train, val


def main(argv=None) -> int:
    args = parse_args(argv)
    os.environ["KERAS_BACKEND"] = args.backend  # before Keras is imported
    quiet_startup()
    from keras_mimo.training.distribution import (
        distribution_scope,
        request_virtual_cpu_devices,
    )
    from keras_mimo.training.xla_cpu import use_training_xla_flags

    request_virtual_cpu_devices(args.virtual_devices, args.backend)
    if args.backend == "jax":
        use_training_xla_flags()

    import keras

    from keras_mimo import PSNR, SSIM, MIMOLoss, MIMOUNet
    from keras_mimo.data.seeds import derive_seed
    from keras_mimo.training.averaging import weight_average_momentum
    from keras_mimo.training.checkpoints import (
        TrainingCheckpoint,
        checkpoint_path,
        read_state,
    )
    from keras_mimo.training.errors import TrainingStateError
    from keras_mimo.training.interruption import StopOnSignal, TrainingInterrupted
    from keras_mimo.training.optimizers import accumulation_steps, training_optimizer
    from keras_mimo.training.provenance import resume_record, start_record
    from keras_mimo.training.schedules import (
        change_constant_rate,
        learning_rate_schedule,
    )

    output = os.path.abspath(args.output)
    os.makedirs(output, exist_ok=True)
    try:
        existing = read_state(output)
    except TrainingStateError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    state = existing if args.resume else None
    if args.resume and state is None:
        print(f"--resume: no checkpoint in {output}; starting from scratch.")
    if not args.resume and existing is not None:
        print(
            f"error: {output} holds a run; use --resume or another --output",
            file=sys.stderr,
        )
        return 2
    initial_epoch = state["epoch"] if state else 0
    if initial_epoch >= args.epochs:
        print(f"Run already finished {initial_epoch} epochs.")
    # Data order and dropout RNG continue deterministically from the resume point.
    seed = derive_seed(args.seed, initial_epoch)
    keras.utils.set_random_seed(seed % 2**31)

    scope, replicas = distribution_scope(args.backend, args.distribute)
    with scope:
        if state:
            resume_from = checkpoint_path(output, state)
            try:
                model = keras.saving.load_model(resume_from)
            except Exception as error:  # corrupt zip, foreign file, Lambda layer
                problem = (str(error).strip().splitlines() or [""])[0][:300]
                print(
                    f"error: {resume_from}: cannot load this checkpoint "
                    f"({type(error).__name__}: {problem})",
                    file=sys.stderr,
                )
                return 2
            print(
                f"Resumed {state['checkpoint']} (epoch {state['epoch']}, step {state['step']})."
            )
            replaced = (
                change_constant_rate(model.optimizer, args.lr)
                if args.lr_given
                else None
            )
            if replaced is not None and not math.isclose(
                replaced, args.lr, rel_tol=1e-6
            ):
                print(f"Learning rate {replaced:g} -> {args.lr:g} from here on.")
            kept = {
                "ema": (args.ema, weight_average_momentum(model)),
                "accumulate": (args.accumulate, accumulation_steps(model)),
            }
            for flag, (given, own) in kept.items():
                if given is not None and given != own:
                    print(
                        f"error: --{flag} {given} differs from the run's "
                        f"({own}, {resume_from.name}); a resumed run keeps its "
                        f"optimizer: drop --{flag} or start a new run",
                        file=sys.stderr,
                    )
                    return 2
        else:
            path = choose_path(args, MIMOUNet)
            keras.utils.set_random_seed(seed % 2**31)
            model = build_model(args, path.policy, MIMOUNet)
            accumulate = args.accumulate or 1

            def updates(batches):  # the optimizer's schedule counts updates
                return batches and max(1, batches // accumulate)

            schedule = learning_rate_schedule(
                args.schedule,
                args.lr,
                updates(args.epochs * args.steps_per_epoch),
                updates(args.decay_every),
                updates(args.warmup_steps),
            )
            model.compile(
                optimizer=training_optimizer(schedule, args.ema, accumulate),
                loss=MIMOLoss(args.frequency_weight),
                metrics={"full": [PSNR(), SSIM()]},
                jit_compile=path.jit_compile,
            )
    if state and initial_epoch >= args.epochs:
        provenance = state.get("provenance") or {}  # nothing left to train
    elif state:
        provenance = resume_record(state, run_command())
        if "provenance" not in state:
            print(
                "note: this run's state.json predates provenance records: its "
                "preset will list only the calls from this one on."
            )
    else:
        provenance = start_record(args.init_from, run_command(), MIMOUNet)
    print(
        f"{model.variant or 'custom'} ({model.count_params():,} parameters), "
        f"backend {args.backend}, {replicas} replica(s), policy {model.dtype_policy.name}"
    )
    train, val = make_datasets(args, seed, replicas)
    # Validation scores the weight average (swapped in for evaluation only).
    swap = keras.callbacks.SwapEMAWeights()
    stop = StopOnSignal()
    # Files and writers that an interrupted fit leaves open (closed below).
    writers = [
        keras.callbacks.CSVLogger(os.path.join(output, "log.csv"), append=bool(state)),
        keras.callbacks.TensorBoard(os.path.join(output, "tensorboard")),
    ]
    callbacks = [
        stop,
        *([swap] if weight_average_momentum(model) else []),
        keras.callbacks.TerminateOnNaN(),
        TrainingCheckpoint(
            output,
            args.steps_per_epoch,
            args.seed,
            every=args.checkpoint_every,
            provenance=provenance,
        ),
        *writers,
    ]
    start = time.time()
    try:
        try:
            history = model.fit(
                train,
                epochs=args.epochs,
                initial_epoch=initial_epoch,
                steps_per_epoch=args.steps_per_epoch,
                validation_data=val,
                validation_freq=args.val_every,
                callbacks=callbacks,
                shuffle=False,  # the dataset shuffles; True only makes Keras warn
                verbose=args.verbose,
            )
        finally:
            stop.on_train_end()  # the usual handlers again, however fit ended
    except (TrainingInterrupted, KeyboardInterrupt):
        # Ctrl-C or SIGTERM: keep what the finished epochs earned.
        print("\nInterrupted: writing the preset from the best checkpoint so far.")
        if weight_average_momentum(model):
            swap.on_test_end()  # an interrupted validation gives the weights back
        for writer in writers:
            writer.on_train_end()
        return write_preset(
            args, model, output, time.time() - start, keras, MIMOUNet, provenance
        )
    except Exception as error:
        from keras_mimo.data.errors import truncated_file_error

        data_error = truncated_file_error(error)
        if data_error is None:
            raise
        print(
            f"error: {data_error} The last complete checkpoint is kept; "
            "--resume continues once the file is fixed.",
            file=sys.stderr,
        )
        return 2
    wall = time.time() - start
    losses = history.history.get("loss", [])
    if losses and not all(map(lambda v: v == v and abs(v) != float("inf"), losses)):
        print(
            "error: training diverged (NaN/inf loss); last good checkpoint kept.",
            file=sys.stderr,
        )
        return 3
    return write_preset(args, model, output, wall, keras, MIMOUNet, provenance)


def float32_copy(model, MIMOUNet):
    """A float32 MIMOUNet with `model`'s config and weights (what presets hold)."""
    config = {**model.get_config(), "dtype": "float32"}
    config.pop("name", None)
    copy = MIMOUNet.from_config(config)
    copy.set_weights(model.get_weights())
    return copy


def run_command(script: str = "training/fit.py") -> str:
    """This process's command line, as recorded in preset metadata."""
    return f"python {script} " + " ".join(sys.argv[1:])


CURVE_KEYS = ("epoch", "loss", "full_psnr", "val_full_psnr", "val_full_ssim")


def write_preset(args, model, output, wall, keras, MIMOUNet, provenance) -> int:
    """Saves the best (else last) weights as a float32 preset with provenance.

    With `--ema` these are the weight average's (`best.keras` holds it).
    `provenance` is the run's record (`keras_mimo.training.provenance`).
    """
    from keras_mimo.training.averaging import averaged_weights, weight_average_momentum
    from keras_mimo.training.checkpoints import read_state
    from keras_mimo.training.optimizers import accumulation_steps
    from keras_mimo.training.provenance import preset_provenance
    from keras_mimo.utils.hardware import describe_cpu

    state = read_state(output) or {}
    best = os.path.join(output, "best.keras")
    source = keras.saving.load_model(best) if os.path.exists(best) else model
    with averaged_weights(source):
        final = float32_copy(source, MIMOUNet)
    history = state.get("history", [])
    scores = [h for h in history if "val_full_psnr" in h]
    chosen = max(scores, key=lambda h: h["val_full_psnr"]) if scores else None
    steps_run = state.get("step")
    # The steps behind the weights: the best epoch's, when they come from it.
    steps = steps_run
    if source is not model and chosen and steps_run:
        steps = min(int(chosen["epoch"]) * args.steps_per_epoch, steps_run)
    metadata = {
        "source": "trained with training/fit.py",
        "command": run_command(),
        "training_data": args.data,
        "validation_data": args.val_data,
        "steps": steps,
        "steps_run": steps_run,
        "epochs": state.get("epoch"),
        "batch_size": args.batch_size,
        "crop": args.crop,
        "steps_per_epoch": args.steps_per_epoch,
        "precision": model.dtype_policy.name,
        "ema_momentum": weight_average_momentum(model),
        "accumulate": accumulation_steps(model),
        "training_hardware": describe_cpu(),
        "wall_time_s_last_session": round(wall, 1),
        "validation": chosen,
        # Training loss/PSNR next to validation: a widening gap is over-fitting.
        "validation_curve": [{k: h[k] for k in CURVE_KEYS if k in h} for h in scores],
    }
    metadata.update(preset_provenance(provenance, steps or 0))
    final.save_to_preset(os.path.join(output, "preset"), metadata)
    print(f"Preset written to {os.path.join(output, 'preset')}")
    print(json.dumps(metadata["validation"]))
    return 0
