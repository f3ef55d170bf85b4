"""Per-convolution training cost on CPU: JAX (XLA and native) against PyTorch.

    python benchmarks/conv_kernels.py            # MIMO-UNet's three stage shapes
    python benchmarks/conv_kernels.py --batch 1

Times one 3x3 convolution of each MIMO-UNet stage at the training shape
(batch 4, 256x256 crops: 32 channels at 256x256, 64 at 128x128, 128 at
64x64; every stage has the same FLOPs) split into forward, input gradient
and weight gradient on JAX, twice: XLA's own convolutions (with the XLA:CPU
flags `training/fit.py` sets) and keras-mimo's native kernels
(`keras_mimo.kernels.same_conv`, what the model runs on JAX-on-CPU where they
are built); and forward + backward on PyTorch eager. It explains
`training_throughput.py`: XLA's weight-gradient convolution runs far below
the matmul peak, which kept JAX training behind PyTorch eager.
"""

import argparse
import os
import statistics
import subprocess
import sys

from timing import time_runs

from keras_mimo.utils.quiet import quiet_startup

quiet_startup()

STAGES = ((256, 32), (128, 64), (64, 128))


def _median_ms(fn, repeats: int) -> float:
    fn()
    return 1000 * statistics.median(time_runs(fn, repeats)[0])


def jax_worker(batch: int, repeats: int) -> None:
    from keras_mimo.training.xla_cpu import use_training_xla_flags

    use_training_xla_flags()  # as training/fit.py does
    import jax
    import numpy as np

    from keras_mimo.kernels import native_kernels_available, same_conv

    def conv(x, k):
        return jax.lax.conv_general_dilated(
            x, k, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")
        )

    def stage_functions(conv):
        return (
            jax.jit(conv),
            jax.jit(lambda x, g, k: jax.vjp(lambda a: conv(a, k), x)[1](g)[0]),
            jax.jit(lambda x, g, k: jax.vjp(lambda b: conv(x, b), k)[1](g)[0]),
        )

    paths = [stage_functions(conv)]
    if native_kernels_available():
        paths.append(stage_functions(same_conv))
    rng = np.random.default_rng(0)
    for size, channels in STAGES:
        x = jax.numpy.asarray(rng.random((batch, size, size, channels), "float32"))
        k = jax.numpy.asarray(rng.random((3, 3, channels, channels), "float32"))
        times = [
            _median_ms(lambda f=f, a=a: f(*a).block_until_ready(), repeats)
            for forward, grad_x, grad_k in paths
            for f, a in ((forward, (x, k)), (grad_x, (x, x, k)), (grad_k, (x, x, k)))
        ]
        print("RESULT", size, channels, *times, flush=True)


def torch_worker(batch: int, repeats: int) -> None:
    import torch

    torch.set_num_threads(2)
    for size, channels in STAGES:
        x = torch.rand(batch, channels, size, size, requires_grad=True)
        conv = torch.nn.Conv2d(channels, channels, 3, padding=1)
        grad = torch.ones(batch, channels, size, size)
        total = _median_ms(lambda c=conv, x=x, g=grad: c(x).backward(g), repeats)
        print("RESULT", size, channels, total, flush=True)


def run(worker: str, args) -> dict:
    command = [sys.executable, __file__, "--worker", worker]
    command += ["--batch", str(args.batch), "--repeats", str(args.repeats)]
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    rows = {}
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            size, channels, *times = line.split()[1:]
            rows[(int(size), int(channels))] = [float(t) for t in times]
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--worker", choices=("jax", "torch"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        (jax_worker if args.worker == "jax" else torch_worker)(args.batch, args.repeats)
        return 0
    jax_rows, torch_rows = run("jax", args), run("torch", args)
    print(f"one 3x3 conv, batch {args.batch}, fp32, 2 threads; ms (GFLOP/s)")
    print(
        "| stage | path | forward | input grad | weight grad | total "
        "| torch fwd+bwd | torch / JAX |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for (size, channels), times in jax_rows.items():
        gflop = 2 * args.batch * size * size * channels * channels * 9 / 1e9
        reference = torch_rows[(size, channels)][0]
        for path, part in zip(("XLA", "native"), (times[:3], times[3:]), strict=False):
            if not part:
                print(
                    f"| {channels} ch, {size}x{size} | native | not built | | | | | |"
                )
                continue
            cells = " | ".join(f"{t:.0f} ({gflop / t * 1000:.0f})" for t in part)
            print(
                f"| {channels} ch, {size}x{size} | {path} | {cells} | {sum(part):.0f} "
                f"| {reference:.0f} ({3 * gflop / reference * 1000:.0f}) "
                f"| {reference / sum(part):.2f}x |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
