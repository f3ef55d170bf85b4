"""Training throughput (images/s) per training path vs plain PyTorch eager.

    python benchmarks/training_throughput.py                # all paths, batch 4, 256x256
    python benchmarks/training_throughput.py --paths fit_default torch_reference --rounds 3

Each path runs in its own process (a Keras backend is per process): a full
MIMO-UNet, Adam, the official loss, one fixed batch, `--warmup` steps (the
compile) then `--steps` timed steps. A path is `BACKEND[-xla][-bf16]`:
plain `BACKEND` compiles as Keras does by default (`jit_compile="auto"`:
on a CPU-only machine that is TensorFlow's graph mode with oneDNN, XLA on
JAX, eager torch), `-xla` forces `jit_compile=True`, `-bf16` trains with the
`mixed_bfloat16` policy.
`fit_default` is what `training/fit.py` runs with no flags (its default
backend, `--precision auto --jit-compile auto`; the probe's choice is
printed). `torch_reference` is the plain PyTorch eager model of
`benchmarks/torch_reference.py` with the same loss, the baseline every
ratio is measured against in the same run; `torch_reference-bf16` is what a
PyTorch user would try for speed (`torch.autocast("cpu", torch.bfloat16)`
and channels_last). The JAX paths use the XLA:CPU flags `training/fit.py`
sets (`keras_mimo.training.xla_cpu`). Input-pipeline throughput alone is
`benchmarks/pipeline_throughput.py`.
"""

import argparse
import json
import os
import resource
import subprocess
import sys

from timing import time_runs

from keras_mimo.utils.quiet import quiet_startup

quiet_startup()

PATHS = (
    "fit_default",
    "jax",
    "jax-bf16",
    "tensorflow",
    "tensorflow-bf16",
    "tensorflow-xla",
    "tensorflow-xla-bf16",
    "torch",
    "torch_reference",
    "torch_reference-bf16",
)
FIT_DEFAULT_BACKEND = "tensorflow"  # training/fit.py's --backend default


def measure(step, args) -> dict:
    """`--warmup` untimed steps (the compile), then `--steps` timed ones."""
    warmups, _ = time_runs(step, args.warmup)
    times, loss = time_runs(step, args.steps)
    return {"compile_s": sum(warmups), "times": times, "loss": loss}


def backend_of(path: str) -> str:
    return FIT_DEFAULT_BACKEND if path == "fit_default" else path.split("-")[0]


def keras_worker(args) -> dict:
    import keras
    import numpy as np

    from keras_mimo import MIMOLoss, MIMOUNet

    chosen = None
    if args.worker == "fit_default":
        from keras_mimo.training.fast_path import choose_training_path

        config = MIMOUNet.VARIANTS[args.model]
        path = choose_training_path(
            backend_of(args.worker),
            config,
            args.batch,
            args.size,
            log=lambda line: print(line, file=sys.stderr),
        )
        policy, jit_compile = path.policy, path.jit_compile
        chosen = f"{backend_of(args.worker)}, {path.describe()}"
    else:
        policy = "mixed_bfloat16" if args.worker.endswith("-bf16") else "float32"
        jit_compile = True if "-xla" in args.worker else "auto"
    model = MIMOUNet.from_variant(args.model, dtype=policy)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-4), loss=MIMOLoss(), jit_compile=jit_compile
    )
    rng = np.random.default_rng(0)
    x = rng.random((args.batch, args.size, args.size, 3), dtype=np.float32)
    y = np.clip(x + 0.05 * rng.standard_normal(x.shape, dtype=np.float32), 0, 1)
    result = measure(
        lambda: float(np.ravel(model.train_on_batch(x, (y, y, y)))[0]), args
    )
    return {**result, "chosen": chosen}


def torch_worker(args) -> dict:
    import torch

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from torch_reference import MIMOUNet

    torch.manual_seed(0)
    variant = {"mimo_unet": (8, 0.0), "mimo_unet_plus": (20, 0.1)}[args.model]
    model = MIMOUNet(num_res=variant[0], dropout=variant[1]).train()
    bf16 = args.worker.endswith("-bf16")
    layout = torch.channels_last if bf16 else torch.contiguous_format
    model = model.to(memory_format=layout)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    x = torch.rand(args.batch, 3, args.size, args.size).to(memory_format=layout)
    y = (x + 0.05 * torch.randn_like(x)).clamp(0, 1)
    targets = [
        torch.nn.functional.interpolate(y, scale_factor=s, mode="bilinear")
        for s in (0.25, 0.5)
    ] + [y]

    def step():
        optimizer.zero_grad()
        with torch.autocast("cpu", torch.bfloat16, enabled=bf16):
            outputs = [o.float() for o in model(x)]
        content = sum(
            torch.nn.functional.l1_loss(o, t)
            for o, t in zip(outputs, targets, strict=True)
        )
        frequency = sum(
            torch.nn.functional.l1_loss(
                torch.view_as_real(torch.fft.fft2(o)),
                torch.view_as_real(torch.fft.fft2(t)),
            )
            for o, t in zip(outputs, targets, strict=True)
        )
        loss = content + 0.1 * frequency
        loss.backward()
        optimizer.step()
        return float(loss)

    return measure(step, args)


def run_path(path: str, args) -> dict:
    env = {
        **os.environ,
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "OMP_NUM_THREADS": str(args.threads),
    }
    if not path.startswith("torch_reference"):
        env["KERAS_BACKEND"] = backend_of(path)
    command = [
        sys.executable,
        os.path.abspath(__file__),
        "--worker",
        path,
        "--model",
        args.model,
        "--batch",
        str(args.batch),
        "--size",
        str(args.size),
        "--steps",
        str(args.steps),
        "--warmup",
        str(args.warmup),
        "--threads",
        str(args.threads),
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode:
        return {"error": result.stderr.strip().splitlines()[-1:]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def pool(results: dict, path: str, run: dict) -> None:
    """Adds one run's step times to `results[path]` (the first error sticks)."""
    previous = results.setdefault(path, run)
    if previous is run or "error" in previous:
        return
    if "error" in run:
        results[path] = run
        return
    previous["times"] += run["times"]
    previous["peak_rss_mb"] = max(previous["peak_rss_mb"], run["peak_rss_mb"])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--paths", nargs="+", default=list(PATHS), choices=PATHS)
    parser.add_argument(
        "--model", default="mimo_unet", choices=("mimo_unet", "mimo_unet_plus")
    )
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="repeat the sweep, interleaving paths, and pool the step times "
        "(evens out machine-load drift between paths)",
    )
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        if backend_of(args.worker) == "jax":
            from keras_mimo.training.xla_cpu import use_training_xla_flags

            use_training_xla_flags()  # as training/fit.py does
        import torch

        torch.set_num_threads(args.threads)
        reference = args.worker.startswith("torch_reference")
        worker = torch_worker if reference else keras_worker
        result = worker(args)
        result["peak_rss_mb"] = (
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        )
        print(json.dumps(result))
        return 0

    print(
        f"{args.model}, batch {args.batch} x {args.size}x{args.size}, "
        f"{args.threads} threads, median of {args.rounds} x {args.steps} steps "
        f"(each after {args.warmup} warm-up), paths interleaved"
    )
    results = {}
    for _ in range(args.rounds):
        for path in args.paths:
            pool(results, path, run_path(path, args))
    baseline = results.get("torch_reference", {}).get("times")
    base = sorted(baseline)[len(baseline) // 2] if baseline else None
    from keras_mimo.utils.hardware import describe_cpu

    print(f"CPU: {describe_cpu()}")
    print(
        f"{'path':<24}{'s/step':>9}{'images/s':>10}{'vs torch eager':>16}{'warm-up s':>11}{'peak RSS MB':>13}"
    )
    for path, r in results.items():
        if "error" in r:
            print(f"{path:<24} failed: {r['error']}")
            continue
        median = sorted(r["times"])[len(r["times"]) // 2]
        ratio = f"{base / median:.2f}x" if base else "n/a"
        print(
            f"{path:<24}{median:>9.2f}{args.batch / median:>10.3f}{ratio:>16}"
            f"{r['compile_s']:>11.1f}{r['peak_rss_mb']:>13.0f}"
        )
        if r.get("chosen"):
            print(f"{'':<24}fit_default chose: {r['chosen']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
