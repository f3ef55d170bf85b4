"""XLA:CPU settings that make MIMO-UNet training on JAX faster.

jaxlib 0.10 hands every convolution to YNNPACK by default. For inference
that is the fast path, but YNNPACK runs a convolution that is not fused with
an elementwise op (the input and weight gradients) on one thread, and its
weight gradient takes about twice as long as Eigen's. Keeping YNNPACK only for fused
elementwise/reduce work sends those gradients back to Eigen, which uses
every core: batch 4 at 256x256 trains ~25% faster on a 2-core CPU
(`benchmarks/training_throughput.py`), while batch-1 inference is ~30%
slower with it, so only training turns it on. Where keras-mimo's native
convolution kernels run (`keras_mimo.kernels`, x86-64 Linux with AVX-512),
the model's convolutions bypass XLA and the flag measured no difference
either way (9.3-9.5 s per step with and without it); it stays for the XLA
fallback.
"""

import os
import sys
from importlib import metadata

YNN_FLAG = "--xla_cpu_experimental_ynn_fusion_type"
TRAINING_FLAGS = (f"{YNN_FLAG}=eltwise,reduce",)
# The jaxlib releases these flags were measured on (XLA rejects unknown flags
# at start-up, so other releases are left alone).
TESTED_JAXLIB = ("0.10.",)


def use_training_xla_flags() -> bool:
    """Adds `TRAINING_FLAGS` to `XLA_FLAGS`; call before JAX is imported.

    Leaves everything as it is (and returns False) when JAX is already
    imported, when `XLA_FLAGS` already chooses the YNNPACK fusion types (the
    user's setting wins), or when the installed jaxlib is not one the flags
    were measured on.

    Example:
    >>> use_training_xla_flags()  # doctest: +SKIP
    True
    """
    flags = os.environ.get("XLA_FLAGS", "")
    if "jax" in sys.modules or YNN_FLAG in flags:
        return False
    try:
        version = metadata.version("jaxlib")
    except metadata.PackageNotFoundError:
        return False
    if not version.startswith(TESTED_JAXLIB):
        return False
    os.environ["XLA_FLAGS"] = " ".join([flags, *TRAINING_FLAGS]).strip()
    return True
