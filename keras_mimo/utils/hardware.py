"""What the machine can do: CPU model and flags, native bfloat16 support."""

import functools
import pathlib
import platform

# CPU flags (as in /proc/cpuinfo) of instructions that compute in bfloat16:
# Intel AMX tiles, and AVX-512 BF16 dot products (Intel Cooper Lake and
# later, AMD Zen 4 and later).
BF16_CPU_FLAGS = ("amx_bf16", "avx512_bf16")


@functools.cache
def cpu_info() -> dict:
    """The model name, family/model numbers and flags of this machine's CPU.

    `{"model": str, "family": str, "flags": tuple[str, ...]}`. Reads
    `/proc/cpuinfo` (Linux); elsewhere the model is `platform.processor()`
    and the rest is empty. `family` is "<cpu family>/<model>" (for example
    "26/2" for an AMD Zen 5): virtual machines often report only a bare
    name such as "AMD EPYC", and the numbers tell the generations apart.

    Example:
    >>> sorted(cpu_info())
    ['family', 'flags', 'model']
    """
    model, flags = platform.processor() or platform.machine(), ()
    numbers = {}
    try:
        text = pathlib.Path("/proc/cpuinfo").read_text()
    except OSError:
        return {"model": model, "family": "", "flags": flags}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "model name" and value.strip():
            model = value.strip()
        elif key in ("cpu family", "model") and key not in numbers:
            numbers[key] = value.strip()
        elif key in ("flags", "Features") and not flags:
            flags = tuple(sorted(value.split()))
    family = "/".join(numbers[k] for k in ("cpu family", "model") if k in numbers)
    return {"model": model, "family": family, "flags": flags}


def native_bf16_flags() -> tuple[str, ...]:
    """The bfloat16 instruction sets this CPU has (empty if none).

    Example:
    >>> set(native_bf16_flags()) <= set(BF16_CPU_FLAGS)
    True
    """
    flags = set(cpu_info()["flags"])
    return tuple(flag for flag in BF16_CPU_FLAGS if flag in flags)


def describe_cpu() -> str:
    """One line naming the CPU and its bfloat16 support, for logs and metadata."""
    info = cpu_info()
    bf16 = ", ".join(native_bf16_flags()) or "no native bf16"
    family = f", family/model {info['family']}" if info["family"] else ""
    return f"{info['model']}{family} ({bf16})"


def describe_accelerator() -> str:
    """The GPU the current Keras backend computes on, else `describe_cpu()`."""
    import keras

    backend = keras.config.backend()
    if backend == "jax":
        import jax

        device = jax.devices()[0]
        if device.platform != "cpu":
            return f"{device.device_kind} ({device.platform}, JAX {jax.__version__})"
    elif backend == "torch":
        import torch

        if torch.cuda.is_available():
            return f"{torch.cuda.get_device_name(0)} (PyTorch {torch.__version__})"
    elif backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            return f"{gpus[0].name} (TensorFlow {tf.__version__})"
    return describe_cpu()
