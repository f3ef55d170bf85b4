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
    """`{"model": str, "flags": tuple[str, ...]}` of this machine's CPU.

    Reads `/proc/cpuinfo` (Linux); elsewhere the model is
    `platform.processor()` and the flag list is empty.

    Example:
    >>> sorted(cpu_info())
    ['flags', 'model']
    """
    model, flags = platform.processor() or platform.machine(), ()
    try:
        text = pathlib.Path("/proc/cpuinfo").read_text()
    except OSError:
        return {"model": model, "flags": flags}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "model name" and value.strip():
            model = value.strip()
        elif key in ("flags", "Features") and not flags:
            flags = tuple(sorted(value.split()))
    return {"model": model, "flags": flags}


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
    bf16 = ", ".join(native_bf16_flags()) or "no native bf16"
    return f"{cpu_info()['model']} ({bf16})"
