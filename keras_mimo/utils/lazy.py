"""Lazy package namespaces (PEP 562): names are imported on first access.

Keeps `import keras_mimo` (and its sub-packages) from importing Keras or
TensorFlow before the user has chosen a backend.
"""

import importlib


def lazy_exports(package: str, exports: dict[str, str], namespace: dict):
    """Returns `(__getattr__, __dir__)` for a package exporting `exports`.

    Args:
        package: the package's `__name__` (for error messages).
        exports: public name -> module that defines it (or the module itself,
            when the name is the module's own last component).
        namespace: the package's `globals()`, where resolved names are cached.

    Example (in a package `__init__.py`):
    >>> __getattr__, __dir__ = lazy_exports(__name__, {"f": "pkg.mod"}, globals())
    """

    def __getattr__(name):
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(exports[name])
        value = (
            module
            if exports[name].rsplit(".", 1)[-1] == name
            else getattr(module, name)
        )
        namespace[name] = value
        return value

    def __dir__():
        return sorted(exports)

    return __getattr__, __dir__
