"""Float16 storage of a weights file, restored to the model's dtype on load."""

import os

import h5py
import numpy as np

from keras_mimo.utils.files import atomic_file


def _copy_group(source: h5py.Group, target: h5py.Group, path, converted) -> None:
    target.attrs.update(dict(source.attrs))
    for name, item in source.items():
        if isinstance(item, h5py.Group):
            _copy_group(item, target.create_group(name), path, converted)
            continue
        values = item[()]
        if item.dtype == np.float32:
            if np.abs(values).max(initial=0) > np.finfo(np.float16).max:
                raise ValueError(
                    f"{path}: array {item.name} exceeds the float16 range; "
                    "keep float32."
                )
            values = values.astype(np.float16)
            converted.append(item.name)
        target.create_dataset(name, data=values).attrs.update(dict(item.attrs))


def store_weights_as_float16(path: str | os.PathLike) -> int:
    """Rewrites a Keras `.weights.h5` file with its float32 arrays as float16.

    Halves the file (a shipped preset stays small in the wheel and in git).
    Keras casts each array to its variable's dtype when it loads the file, so
    a model built in float32 gets float32 weights back (rounded to the
    nearest float16, a relative change of at most 2**-11). Values beyond
    float16's range would become inf, so such a file is refused and left as
    it was. The file is replaced atomically.

    Returns:
        The number of arrays converted.

    Example:
    >>> from keras_mimo import MIMOUNet
    >>> MIMOUNet(num_res=1, width=8).save_to_preset("preset")
    PosixPath('preset')
    >>> store_weights_as_float16("preset/model.weights.h5")
    76
    """
    converted = []
    with atomic_file(path, suffix=".h5") as tmp:
        with h5py.File(path, "r") as source, h5py.File(tmp, "w") as target:
            _copy_group(source, target, path, converted)
    return len(converted)
