"""MIMO-UNet inference latency, peak memory and GFLOP/s on every runtime path.

Batch 1, real GoPro-style input; fp32 unless the path says otherwise (the
bf16 PyTorch configurations, the quantized TFLite variants, OpenVINO at
bfloat16, and the `deblurrer_*` rows, which run `Deblurrer()` with its
defaults: whatever precision and compile mode it picks on this machine).
Every path runs in its own subprocess (the Keras backend is per process, and
the peak RSS of each process is reported); ratios are to the plain PyTorch
reference (eager, NCHW) and to PyTorch bf16 autocast + channels_last (what a
PyTorch user would pick on a bf16 CPU), measured in the same run, and the
machine's fp32 and bf16 matmul peaks (4096^2, 2 threads) and the rate of one
bf16 3x3 convolution (the ceiling for a network made of them) are measured in
the same run too. The CPU model and its bf16 flags head the report.

    python benchmarks/inference_latency.py                 # 256x256 and 1280x720
    python benchmarks/inference_latency.py --quick         # 256x256, fewer repeats
    python benchmarks/inference_latency.py --paths torch_eager,tflite_float32 \
        --sizes 1280x720 --repeats 3 --rounds 2

All paths use the same weights: the official-format reference checkpoint
(`../shared/reference/mimo_unet_random_init.pkl`, random weights, real
architecture) or `--checkpoint`; it is converted to a preset and exported
(SavedModel, TFLite, ONNX, OpenVINO; verified) once into `--workdir` and
reused.
`--rounds R` repeats the whole sweep R times, interleaving paths, so machine
load drifts hit every path alike; times are pooled over rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

from timing import time_runs

from keras_mimo.utils.quiet import quiet_startup

quiet_startup()

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = pathlib.Path(os.environ.get("KERAS_MIMO_SHARED", ROOT.parent / "shared"))
CHECKPOINT = SHARED / "reference" / "mimo_unet_random_init.pkl"
IMAGE = (
    SHARED / "data" / "gopro_val" / "blur" / "GOPR0477_11_00_st_frame-165_n_avg-8.png"
)
CALIBRATION = SHARED / "data" / "sharp" / "kodak24"
VERIFICATION = SHARED / "data" / "gopro_val" / "blur"

THREADS = 2
REFERENCE_PATH = "torch_eager"
# GFLOP per image for MIMO-UNet (SPEC); other sizes scale with the pixel count.
GFLOP = {(256, 256): 127.5, (1280, 720): 1792.0}
GFLOP_PER_PIXEL = 1792.0 / (1280 * 720)

PATHS = {
    "torch_eager": "PyTorch reference, eager, NCHW",
    "torch_channels_last": "PyTorch reference, eager, channels_last",
    "torch_bf16_channels_last": "PyTorch reference, torch.autocast bf16 + "
    "channels_last (what a user would pick)",
    "torch_compile": "PyTorch reference, torch.compile, channels_last, fp32",
    "torch_compile_bf16": "PyTorch reference, torch.compile + autocast bf16 + "
    "channels_last",
    "deblurrer_default": "keras_mimo Deblurrer() defaults, TensorFlow backend",
    "deblurrer_default_jax": "keras_mimo Deblurrer() defaults, JAX backend",
    "deblurrer_default_torch": "keras_mimo Deblurrer() defaults, PyTorch backend",
    "keras_jax": "Keras, JAX backend (jit)",
    "keras_tensorflow": "Keras, TF backend, predict default (XLA)",
    "keras_tensorflow_graph": "Keras, TF backend, jit_compile=False (graph, oneDNN)",
    "keras_torch": "Keras, PyTorch backend (eager)",
    "saved_model": "SavedModel serving_default (TF graph)",
    "tflite_float32": "TFLite float32 (LiteRT, XNNPACK)",
    "tflite_float16": "TFLite float16 weights (LiteRT, XNNPACK)",
    "tflite_dynamic_int8": "TFLite dynamic-range int8 (LiteRT)",
    "tflite_int8": "TFLite full int8 (LiteRT)",
    "onnxruntime": "ONNX (tf2onnx) on ONNX Runtime, CPU provider",
    "openvino_float32": "OpenVINO IR float32, f32 inference (CPU plugin)",
    "openvino_bf16": "OpenVINO IR float32, bf16 inference (the CPU plugin's "
    "default where AVX-512 BF16 / AMX exist)",
}
FP32_PATHS = {
    p
    for p in PATHS
    if "int8" not in p
    and "bf16" not in p
    and not p.startswith("deblurrer")
    and p != "tflite_float16"
}
BF16_REFERENCE = "torch_bf16_channels_last"
CONV_PEAK = "torch bf16 conv3x3"
#: Artifact (manifest name) each exported path runs.
EXPORTED = {
    "saved_model": "saved_model",
    "onnxruntime": "onnx",
    "openvino_float32": "openvino_float32",
    "openvino_bf16": "openvino_float32",
    **{p: p for p in PATHS if p.startswith("tflite_")},
}
KERAS_BACKENDS = {
    "deblurrer_default": "tensorflow",
    "deblurrer_default_jax": "jax",
    "deblurrer_default_torch": "torch",
    "keras_jax": "jax",
    "keras_tensorflow": "tensorflow",
    "keras_tensorflow_graph": "tensorflow",
    "keras_torch": "torch",
}


def gflop(size: tuple[int, int]) -> float:
    return GFLOP.get(size, GFLOP_PER_PIXEL * size[0] * size[1])


# --------------------------------------------------------------------- child


def _input_image(width: int, height: int):
    """A real blurry frame, centre-cropped (or reflect-tiled) to width x height."""
    import numpy as np
    from PIL import Image

    with Image.open(IMAGE) as image:
        array = np.asarray(image.convert("RGB"), np.float32) / 255.0
    pad_h, pad_w = max(0, height - array.shape[0]), max(0, width - array.shape[1])
    if pad_h or pad_w:
        array = np.pad(array, [[0, pad_h], [0, pad_w], [0, 0]], mode="symmetric")
    top = (array.shape[0] - height) // 2
    left = (array.shape[1] - width) // 2
    return np.ascontiguousarray(array[None, top : top + height, left : left + width])


def _runner(path: str, workdir: pathlib.Path, image):
    """Loads the model for `path`; returns a zero-argument function running it once."""
    if path.startswith("torch_"):
        import torch

        torch.set_num_threads(THREADS)
        sys.path.insert(0, str(HERE))
        from torch_reference import load_official

        model = load_official(CHECKPOINT_IN_USE)
        x = torch.from_numpy(image.transpose(0, 3, 1, 2).copy())
        if path != "torch_eager":
            model = model.to(memory_format=torch.channels_last)
            x = x.contiguous(memory_format=torch.channels_last)
        if "compile" in path:
            model = torch.compile(model)
        bf16 = "bf16" in path

        def run():
            with (
                torch.inference_mode(),
                torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16),
            ):
                return model(x)[-1].float().numpy()

        return run
    if path in KERAS_BACKENDS:
        import keras

        assert keras.config.backend() == KERAS_BACKENDS[path]
        if path.startswith("keras_tensorflow"):
            import tensorflow as tf

            tf.config.threading.set_intra_op_parallelism_threads(THREADS)
            tf.config.threading.set_inter_op_parallelism_threads(1)
        if path == "keras_torch":
            import torch

            torch.set_num_threads(THREADS)
        from keras_mimo import MIMOUNet

        model = MIMOUNet.from_preset(workdir / "preset")
        if path.startswith("deblurrer"):
            from keras_mimo.inference import Deblurrer

            deblurrer = Deblurrer(model)
            DETAILS["path"] = deblurrer.describe(*image.shape[1:3])
            return lambda: deblurrer.predict(image)
        if path == "keras_tensorflow_graph":
            model.compile(jit_compile=False)
        return lambda: model.predict_on_batch(image)
    if path == "saved_model":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(THREADS)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        serving = tf.saved_model.load(str(workdir / "export" / "saved_model"))
        fn = serving.signatures["serving_default"]
        return lambda: fn(images=tf.constant(image))["deblurred"].numpy()
    if path.startswith("tflite_"):
        from ai_edge_litert.interpreter import Interpreter

        manifest = json.loads((workdir / "export" / "manifest.json").read_text())
        file = workdir / "export" / manifest["artifacts"][path]["path"]
        interpreter = Interpreter(model_path=str(file), num_threads=THREADS)
        (inp,) = interpreter.get_input_details()
        (out,) = interpreter.get_output_details()
        interpreter.resize_tensor_input(inp["index"], list(image.shape))
        interpreter.allocate_tensors()

        def run():
            interpreter.set_tensor(inp["index"], image)
            interpreter.invoke()
            return interpreter.get_tensor(out["index"])

        return run
    if path == "onnxruntime":
        from keras_mimo.export.onnx import ONNXRunner

        onnx = ONNXRunner(workdir / "export" / "model.onnx", num_threads=THREADS)
        return lambda: onnx(image[0])
    if path.startswith("openvino_"):
        from keras_mimo.export.openvino import OpenVINORunner

        precision = "bf16" if path == "openvino_bf16" else "f32"
        openvino = OpenVINORunner(
            workdir / "export" / "openvino_float32",
            num_threads=THREADS,
            precision=precision,
        )
        return lambda: openvino(image[0])
    raise ValueError(f"unknown path {path!r}")


def _matmul_peak(repeats: int) -> dict:
    """GFLOP/s with 2 threads: 4096^2 matmuls, fp32 (torch, numpy) and bf16
    (torch), and one bf16 3x3 convolution as MIMO-UNet's 1/4 scale runs it
    (128 channels, 180x320, channels_last): the rate a whole network of such
    convolutions could reach at best."""
    import torch

    torch.set_num_threads(THREADS)
    n = 4096
    flop = 2 * n**3 / 1e9
    results = {}
    a = torch.rand(n, n)
    b = torch.rand(n, n)
    an, bn = a.numpy(), b.numpy()
    ah, bh = a.bfloat16(), b.bfloat16()
    for name, fn in (
        ("torch", lambda: torch.mm(a, b)),
        ("numpy", lambda: an @ bn),
        ("torch bf16", lambda: torch.mm(ah, bh)),
    ):
        fn()
        results[name] = flop / statistics.median(time_runs(fn, repeats)[0])
    x = torch.rand(1, 128, 180, 320).bfloat16()
    w = torch.rand(128, 128, 3, 3).bfloat16()
    x, w = (t.contiguous(memory_format=torch.channels_last) for t in (x, w))
    with torch.inference_mode():
        conv = lambda: torch.nn.functional.conv2d(x, w, padding=1)  # noqa: E731
        conv()
        seconds = min(time_runs(conv, max(repeats, 5))[0])  # a ceiling: best run
    results[CONV_PEAK] = 2 * 9 * 128 * 128 * 180 * 320 / 1e9 / seconds
    return results


def child_main(args: argparse.Namespace) -> int:
    import resource

    global CHECKPOINT_IN_USE
    CHECKPOINT_IN_USE = pathlib.Path(args.checkpoint)
    if args.child == "matmul":
        result = {"gflops": _matmul_peak(max(3, args.repeats))}
    else:
        width, height = (int(v) for v in args.size.split("x"))
        image = _input_image(width, height)
        start = time.perf_counter()
        run = _runner(args.child, pathlib.Path(args.workdir), image)
        load_s = time.perf_counter() - start
        warmups, _ = time_runs(run, args.warmup)
        times, output = time_runs(run, args.repeats)
        assert tuple(output.shape[-3:]) in ((height, width, 3), (3, height, width))
        result = {"times": times, "warmup_s": warmups, "load_s": load_s, **DETAILS}
    result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(result), flush=True)
    return 0


CHECKPOINT_IN_USE = CHECKPOINT
DETAILS: dict = {}  # extra facts a child reports (the Deblurrer's chosen path)

# -------------------------------------------------------------------- parent


def _env(path: str) -> dict:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "OMP_NUM_THREADS": str(THREADS)}
    env["KERAS_BACKEND"] = KERAS_BACKENDS.get(path, "tensorflow")
    if path == "keras_jax":
        env["JAX_PLATFORMS"] = "cpu"
    return env


def _spawn(args, path: str, size: str | None = None) -> dict:
    command = [
        sys.executable,
        str(pathlib.Path(__file__).resolve()),
        "--child",
        path,
        "--workdir",
        str(args.workdir),
        "--repeats",
        str(args.repeats),
        "--warmup",
        str(args.warmup),
        "--checkpoint",
        str(args.checkpoint),
    ]
    if size:
        command += ["--size", size]
    proc = subprocess.run(
        command, env=_env(path), capture_output=True, text=True, timeout=args.timeout
    )
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    tail = (proc.stderr or proc.stdout)[-2000:]
    return {"error": f"exit {proc.returncode}: {tail.strip().splitlines()[-1:]}"}


def prepare(args) -> None:
    """Converts the checkpoint to a preset and exports it, once per workdir."""
    workdir = pathlib.Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    needed = {EXPORTED[p] for p in args.paths if p in EXPORTED}
    export = workdir / "export" / "manifest.json"
    exported = (
        set(json.loads(export.read_text())["artifacts"]) if export.is_file() else set()
    )
    needs_export = not needed <= exported
    if (workdir / "preset" / "config.json").is_file() and not needs_export:
        return
    print(f"Preparing preset and exports in {workdir} (once) ...", flush=True)
    code = (
        "import sys, keras_mimo\n"
        "from keras_mimo.export import export_model\n"
        "ckpt, work, cal, ver, exp = sys.argv[1:6]\n"
        "import pathlib; work = pathlib.Path(work)\n"
        "if not (work / 'preset' / 'config.json').is_file():\n"
        "    keras_mimo.convert_checkpoint(ckpt, work / 'preset')\n"
        "if exp == '1':\n"
        "    export_model(work / 'preset', work / 'export', formats='all',\n"
        "                 representative_images=cal, verification_images=ver,\n"
        "                 overwrite=True)\n"
    )
    subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            str(args.checkpoint),
            str(workdir),
            str(CALIBRATION),
            str(VERIFICATION),
            "1" if needs_export else "0",
        ],
        env=_env("saved_model"),
        check=True,
    )


def _computes_bf16(path: str, result: dict) -> bool:
    return "bf16" in path or "bfloat16" in result.get("path", "")


def _median(result: dict) -> float | None:
    return statistics.median(result["times"]) if result.get("times") else None


def summarize(args, results: dict, peaks: dict, bf16_cpu: bool) -> str:
    lines = []
    for size in args.sizes:
        width, height = (int(v) for v in size.split("x"))
        work = gflop((width, height))
        ref = _median(results.get((REFERENCE_PATH, size), {}))
        ref_bf16 = _median(results.get((BF16_REFERENCE, size), {}))
        lines.append(f"\n### {width}x{height}, batch 1 ({work:,.1f} GFLOP per image)\n")
        lines.append(
            "| path | median s | min s | vs torch eager | vs torch bf16 | GFLOP/s "
            "| % of matmul peak (fp32 or bf16) | peak RSS (MB) |"
        )
        lines.append("| --- | --- | --- | --- | --- | --- | --- | --- |")
        best, chosen = None, {}
        for path in args.paths:
            result = results.get((path, size), {})
            if "times" not in result:
                error = result.get("error", "not run")
                lines.append(f"| {path} | {error} | | | | | | |")
                continue
            median = _median(result)
            rate = work / median
            peak = peaks["bf16" if _computes_bf16(path, result) else "fp32"]
            ratio = f"{median / ref:.2f}x" if ref else "n/a"
            ratio_bf16 = f"{median / ref_bf16:.2f}x" if ref_bf16 else "n/a"
            lines.append(
                f"| {path} | {median:.3f} | {min(result['times']):.3f} | {ratio} "
                f"| {ratio_bf16} | {rate:.0f} | {100 * rate / peak:.0f}% "
                f"| {result['rss_mb']:,.0f} |"
            )
            if result.get("path"):
                chosen[path] = result["path"]
            if path in FP32_PATHS and path != REFERENCE_PATH:
                if best is None or median < best[1]:
                    best = (path, median, rate)
        for path, description in chosen.items():
            lines.append(f"\n- `{path}` ran: {description}")
        if best and ref:
            path, median, rate = best
            lines.append(
                f"\nFastest fp32 path: **{path}**, {median / ref:.2f}x the PyTorch "
                f"eager NCHW time and {100 * rate / peaks['fp32']:.0f}% of the fp32 "
                "matmul peak."
            )
        default = _median(results.get(("deblurrer_default", size), {}))
        if default is None:
            continue
        rate = work / default
        if bf16_cpu and ref_bf16:
            lines.append(
                f"Default `Deblurrer()` (bf16-capable CPU): {default / ref_bf16:.2f}x "
                f"PyTorch bf16 autocast + channels_last (target <= 0.5x, goal 0.4x) "
                f"and {100 * rate / peaks['bf16']:.0f}% of the bf16 matmul peak "
                "(target >= 70%)."
            )
            needed = work / (0.5 * ref_bf16)
            lines.append(
                f"0.5x would need {needed:.0f} GFLOP/s over the whole network: "
                f"{100 * needed / peaks['conv']:.0f}% of the fastest single bf16 "
                f"3x3 convolution on this machine ({peaks['conv']:.0f} GFLOP/s); "
                f"the default path runs at {100 * rate / peaks['conv']:.0f}% of it."
            )
        elif ref:
            lines.append(
                f"Default `Deblurrer()` (no native bf16): {default / ref:.2f}x PyTorch "
                f"eager fp32 (target <= 0.6x) and {100 * rate / peaks['fp32']:.0f}% "
                "of the fp32 matmul peak (target >= 85%)."
            )
    return "\n".join(lines)


def parent_main(args: argparse.Namespace) -> int:
    unknown = set(args.paths) - set(PATHS)
    if unknown:
        print(
            f"unknown paths {sorted(unknown)}; known: {', '.join(PATHS)}",
            file=sys.stderr,
        )
        return 2
    prepare(args)
    print(f"matmul and convolution peaks ({THREADS} threads) ...", flush=True)
    matmul = _spawn(args, "matmul")
    results: dict = {}
    for round_index in range(args.rounds):
        for size in args.sizes:
            for path in args.paths:
                started = time.perf_counter()
                result = _spawn(args, path, size)
                took = time.perf_counter() - started
                merged = results.setdefault((path, size), {"times": [], "rss_mb": 0.0})
                if "error" in result:
                    merged.clear()
                    merged["error"] = result["error"]
                    print(f"  round {round_index + 1} {size} {path}: {result['error']}")
                    continue
                if "error" in merged:
                    continue
                merged["times"] += result["times"]
                merged["rss_mb"] = max(merged["rss_mb"], result["rss_mb"])
                if "path" in result:
                    merged["path"] = result["path"]
                print(
                    f"  round {round_index + 1} {size} {path}: median "
                    f"{statistics.median(result['times']):.3f} s "
                    f"({len(result['times'])} runs, process {took:.0f} s)",
                    flush=True,
                )
    matmul_after = _spawn(args, "matmul")
    rates = {
        f"{lib} ({when})": rate
        for when, m in (("before", matmul), ("after", matmul_after))
        for lib, rate in m.get("gflops", {}).items()
    }
    matmuls = {k: v for k, v in rates.items() if CONV_PEAK not in k}
    peaks = {
        "fp32": max(v for k, v in matmuls.items() if "bf16" not in k),
        "bf16": max([v for k, v in matmuls.items() if "bf16" in k] or [float("nan")]),
        "conv": max([v for k, v in rates.items() if CONV_PEAK in k] or [float("nan")]),
    }
    sys.path.insert(0, str(ROOT))
    from keras_mimo.utils.hardware import describe_cpu, native_bf16_flags

    print("\n## MIMO-UNet inference, fp32 unless noted, batch 1, 2 threads\n")
    print(f"CPU: {describe_cpu()}.")
    print(
        "Matmul peaks of this machine, same run: "
        + ", ".join(f"{k} {v:.0f}" for k, v in rates.items())
        + f" GFLOP/s -> fp32 peak {peaks['fp32']:.0f}, bf16 peak {peaks['bf16']:.0f}"
        f" (matmuls), bf16 3x3 convolution {peaks['conv']:.0f}."
    )
    print(
        f"Load average at the end: {os.getloadavg()[0]:.1f} (other jobs share the cores)."
    )
    print(summarize(args, results, peaks, bool(native_bf16_flags())))
    if args.json:
        pathlib.Path(args.json).write_text(
            json.dumps(
                {
                    "matmul_gflops": rates,
                    "results": {f"{p}@{s}": r for (p, s), r in results.items()},
                },
                indent=2,
            )
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="paths: " + "; ".join(f"{k}: {v}" for k, v in PATHS.items()),
    )
    parser.add_argument("--sizes", default="256x256,1280x720", help="WxH list")
    parser.add_argument("--paths", default=",".join(PATHS), help="comma list")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per process")
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=1, help="interleaved sweeps")
    parser.add_argument("--quick", action="store_true", help="256x256, 2 repeats")
    parser.add_argument("--checkpoint", default=str(CHECKPOINT))
    parser.add_argument(
        "--workdir",
        default=str(pathlib.Path(tempfile.gettempdir()) / "keras_mimo_bench"),
    )
    parser.add_argument("--timeout", type=int, default=1800, help="per process, s")
    parser.add_argument("--json", help="also write raw results here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--size", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(args)
    if args.quick:
        args.sizes, args.repeats = "256x256", min(args.repeats, 2)
    args.sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    args.paths = [p.strip() for p in args.paths.split(",") if p.strip()]
    for reference in (BF16_REFERENCE, REFERENCE_PATH):
        if reference not in args.paths:
            args.paths.insert(0, reference)
    return parent_main(args)


if __name__ == "__main__":
    sys.exit(main())
