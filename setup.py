"""Builds keras-mimo's optional native CPU kernels (`keras_mimo/kernels`).

Everything else is in pyproject.toml. The kernels are XLA FFI handlers, so they
compile against the headers that ship with jaxlib (pyproject's build-system
requires puts jaxlib in the build environment on x86-64 Linux). Without
jaxlib there, off x86-64 Linux, or when the compiler fails, the build is
skipped and JAX falls back to XLA's own convolutions.
"""

import importlib.util
import pathlib
import platform
import sys

from setuptools import Extension, setup


def jaxlib_include() -> str | None:
    spec = importlib.util.find_spec("jaxlib")
    if spec is None or not spec.submodule_search_locations:
        return None
    include = pathlib.Path(next(iter(spec.submodule_search_locations))) / "include"
    return str(include) if (include / "xla/ffi/api/ffi.h").exists() else None


def native_extensions() -> list[Extension]:
    include = jaxlib_include()
    if include is None or not (
        sys.platform.startswith("linux") and platform.machine() == "x86_64"
    ):
        return []
    return [
        Extension(
            "keras_mimo.kernels._native_conv",
            [
                "keras_mimo/kernels/conv_same.cc",
                "keras_mimo/kernels/conv_weight_grad.cc",
            ],
            depends=[
                "keras_mimo/kernels/conv_common.h",
                "keras_mimo/kernels/row_parallel.h",
            ],
            include_dirs=[include],
            extra_compile_args=[
                "-O3",
                "-std=c++17",
                "-Wno-attributes",
                "-Wno-return-type",
            ],
            language="c++",
            optional=True,
        )
    ]


setup(ext_modules=native_extensions())
