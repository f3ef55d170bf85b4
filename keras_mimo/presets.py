"""The preset registry: where a preset name is looked up, in order.

1. The user's preset folder, `$KERAS_MIMO_HOME/presets/<name>/`
   (default `~/.keras/keras_mimo/presets/<name>/`), which is where
   `keras-mimo convert --name NAME` installs converted official weights.
2. Presets shipped inside the package (`keras_mimo/preset_files/<name>/`).
3. A registered download URL, checked against its sha256.

A path to a preset directory is loaded as it is.
"""

import os
import pathlib

from keras_mimo.models.mimo_unet.mimo_unet_presets import backbone_presets

PACKAGE_PRESET_DIR = pathlib.Path(__file__).parent / "preset_files"

REGISTRY: dict[str, dict] = dict(backbone_presets)


def keras_mimo_home() -> pathlib.Path:
    """`$KERAS_MIMO_HOME`, default `~/.keras/keras_mimo`."""
    default = pathlib.Path(os.path.expanduser("~")) / ".keras" / "keras_mimo"
    return pathlib.Path(os.environ.get("KERAS_MIMO_HOME", default))


def user_preset_dir() -> pathlib.Path:
    """Folder holding the user's installed presets, one sub-folder each."""
    return keras_mimo_home() / "presets"


def list_presets() -> dict[str, str]:
    """Known preset names with a one-line description each.

    Registered presets and the ones installed in the user's preset folder.

    Example:
    >>> import keras_mimo
    >>> isinstance(keras_mimo.list_presets(), dict)
    True
    """
    names = {name: entry["description"] for name, entry in REGISTRY.items()}
    folder = user_preset_dir()
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if (path / "config.json").is_file():
                description = names.get(path.name, "")
                names[path.name] = f"user-installed at {path}. {description}".strip()
    return names
