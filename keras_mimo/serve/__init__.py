"""`keras-mimo serve`: a local web page to deblur photos (Gradio).

Example:
>>> from keras_mimo.serve import build_app  # doctest: +SKIP
>>> build_app(presets=["gopro"]).launch(server_name="127.0.0.1")  # doctest: +SKIP
"""

from keras_mimo.utils.lazy import lazy_exports

_EXPORTS = {
    "build_app": "keras_mimo.serve.app",
    "DeblurService": "keras_mimo.serve.service",
}

__all__ = list(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
