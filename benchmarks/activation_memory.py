"""Working memory of one MIMO-UNet forward pass per input pixel, per backend.

    python benchmarks/activation_memory.py
    python benchmarks/activation_memory.py --sizes 256x256 432x768 --backends jax
    python benchmarks/activation_memory.py --backends tensorflow \
        --precisions float32 bfloat16 --modes graph xla

For each backend, precision, compile mode and size, a fresh process builds
MIMO-UNet (`width=32`), runs one image through the compiled inference
function the `Deblurrer` uses, and reports its peak RSS above the RSS before
the call. The steepest slope between consecutive sizes, divided by `width`,
is the `K` (bytes per pixel per channel) that `keras_mimo.inference.memory`
uses to pick tile sizes; the compiler's one-off memory cancels out of the
slope. `--modes` applies to TensorFlow (JAX is always XLA, PyTorch eager).
"""

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys

from keras_mimo.utils.quiet import quiet_startup

quiet_startup()

BACKENDS = ("jax", "tensorflow", "torch")
MODES = {"jax": "xla", "torch": "eager"}
WIDTH = 32


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def worker(height: int, width: int, precision: str, mode: str) -> dict:
    import gc

    import keras
    import numpy as np

    from keras_mimo import MIMOUNet
    from keras_mimo.inference.compiled import CompiledModel
    from keras_mimo.utils.precision import PRECISION_POLICIES

    model = MIMOUNet.from_variant(
        "mimo_unet", width=WIDTH, dtype=PRECISION_POLICIES[precision]
    )
    compiled = CompiledModel.shared(model, jit_compile=mode == "xla")
    image = np.random.default_rng(0).random((1, height, width, 3), dtype=np.float32)
    gc.collect()
    before = _rss_bytes()
    keras.ops.convert_to_numpy(compiled(image))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"pixels": height * width, "working_bytes": peak - before}


def measure(backend: str, size: str, precision: str, mode: str) -> dict:
    height, width = (int(v) for v in size.split("x"))
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    command = [sys.executable, __file__, "--worker", f"{height}x{width}"]
    command += ["--precisions", precision, "--modes", mode]
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS))
    parser.add_argument(
        "--sizes", nargs="+", default=["256x256", "432x768", "720x1280"]
    )
    parser.add_argument("--precisions", nargs="+", default=["float32"])
    parser.add_argument("--modes", nargs="+", default=["xla"], help="TF: graph, xla")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        height, width = (int(v) for v in args.worker.split("x"))
        print(json.dumps(worker(height, width, args.precisions[0], args.modes[0])))
        return 0
    print(f"MIMO-UNet width {WIDTH}, batch 1; working memory above the model")
    print(
        "| backend | mode | precision | "
        + " | ".join(args.sizes)
        + " | K (bytes/pixel/channel) |"
    )
    print("| --- | --- | --- | " + " | ".join("---" for _ in args.sizes) + " | --- |")
    for backend in args.backends:
        modes = args.modes if backend == "tensorflow" else [MODES[backend]]
        for mode, precision in itertools.product(modes, args.precisions):
            rows = [measure(backend, size, precision, mode) for size in args.sizes]
            slope = max(
                (b["working_bytes"] - a["working_bytes"]) / (b["pixels"] - a["pixels"])
                for a, b in itertools.pairwise(rows)
            )
            cells = [f"{r['working_bytes'] / 2**20:.0f} MiB" for r in rows]
            print(
                f"| {backend} | {mode} | {precision} | {' | '.join(cells)} "
                f"| {slope / WIDTH:.0f} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
