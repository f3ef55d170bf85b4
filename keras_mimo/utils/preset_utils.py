"""Preset directories: `config.json` + `model.weights.h5` + `metadata.json`."""

import datetime
import json
import os
import pathlib
import warnings

import keras

from keras_mimo import presets
from keras_mimo.utils.errors import ForeignFilesError
from keras_mimo.utils.files import atomic_directory, sha256_file
from keras_mimo.version import __version__

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.weights.h5"
METADATA_FILE = "metadata.json"


class PresetError(ValueError):
    """A preset name is unknown, or a preset's files are missing or corrupt."""


def _known() -> str:
    known = presets.list_presets()
    listing = ", ".join(sorted(known)) or "none installed yet"
    return (
        f"Known presets: {listing}. Pass a preset directory path, or install "
        "official weights with `keras-mimo convert CHECKPOINT.pkl --name NAME` "
        f"(installs into {presets.user_preset_dir()})."
    )


def resolve_preset(name_or_path: str | os.PathLike) -> tuple[pathlib.Path, dict]:
    """Finds a preset directory and says where it came from.

    Returns `(directory, source)` where `source` is a dict with `name`,
    `origin` (`"directory"`, `"user"`, `"package"` or `"download"`) and `path`.
    """
    path = pathlib.Path(os.path.expanduser(str(name_or_path)))
    if path.is_dir():
        return path, {"name": path.name, "origin": "directory", "path": str(path)}
    name = str(name_or_path)
    if os.sep in name or path.suffix:
        raise PresetError(f"Preset directory {name!r} does not exist. {_known()}")
    user = presets.user_preset_dir() / name
    if (user / CONFIG_FILE).is_file():
        return user, {"name": name, "origin": "user", "path": str(user)}
    entry = presets.REGISTRY.get(name)
    if entry is None:
        raise PresetError(f"Unknown preset {name!r}. {_known()}")
    if "package_dir" in entry:
        shipped = presets.PACKAGE_PRESET_DIR / entry["package_dir"]
        return shipped, {"name": name, "origin": "package", "path": str(shipped)}
    if "url" in entry:
        return _download(name, entry)
    raise PresetError(f"Preset {name!r} is registered without files. {_known()}")


def _download(name: str, entry: dict) -> tuple[pathlib.Path, dict]:
    cache = presets.keras_mimo_home() / "downloads"
    try:
        archive = keras.utils.get_file(
            fname=f"{name}.tar.gz",
            origin=entry["url"],
            file_hash=entry.get("sha256"),
            hash_algorithm="sha256",
            cache_dir=str(cache),
            cache_subdir=name,
            extract=True,
        )
    except Exception as error:  # network, checksum
        raise PresetError(
            f"Could not fetch preset {name!r} from {entry['url']}: {error}. {_known()}"
        ) from error
    folder = pathlib.Path(archive)
    candidates = (
        [p.parent for p in folder.rglob(CONFIG_FILE)] if folder.is_dir() else []
    )
    if not candidates:
        raise PresetError(f"Downloaded preset {name!r} has no {CONFIG_FILE}.")
    return candidates[0], {
        "name": name,
        "origin": "download",
        "path": str(candidates[0]),
    }


def read_preset(directory: pathlib.Path) -> tuple[dict, dict]:
    """Reads and checks `config.json` and `metadata.json`; verifies weight sha256."""
    files = {f: directory / f for f in (CONFIG_FILE, WEIGHTS_FILE, METADATA_FILE)}
    missing = [f for f, p in files.items() if not p.is_file()]
    if missing:
        raise PresetError(
            f"Preset {directory} is incomplete: missing {', '.join(missing)}. "
            "Re-create it with `save_to_preset` or `keras-mimo convert`."
        )
    loaded = {}
    for f in (CONFIG_FILE, METADATA_FILE):
        try:
            loaded[f] = json.loads(files[f].read_text())
        except (OSError, ValueError) as error:
            raise PresetError(f"Preset file {files[f]} is corrupt: {error}") from error
    for f in (CONFIG_FILE, METADATA_FILE):
        if not isinstance(loaded[f], dict):
            raise PresetError(
                f"Preset file {files[f]} must hold a JSON object, not "
                f"{type(loaded[f]).__name__}."
            )
    expected = loaded[METADATA_FILE].get("weights_sha256")
    if not expected:
        warnings.warn(
            f"Preset {directory} has no weights_sha256 in {METADATA_FILE}: its "
            "weights are not verified. Re-save it with `save_to_preset` to add "
            "one.",
            stacklevel=3,
        )
    elif sha256_file(files[WEIGHTS_FILE]) != expected:
        raise PresetError(
            f"Preset weights {files[WEIGHTS_FILE]} do not match the sha256 in "
            f"{files[METADATA_FILE]} (corrupt or modified file). Re-download or "
            "re-convert the preset."
        )
    return loaded[CONFIG_FILE], loaded[METADATA_FILE]


def check_weight_count(model, path: pathlib.Path) -> None:
    """Raises `PresetError` unless the weights file holds one array per variable.

    Keras loads a file made for a different configuration (e.g. 8 residual
    blocks into a 4-block model) without a word; this catches it.
    """
    import h5py

    arrays = []
    try:
        with h5py.File(path, "r") as f:
            f.visititems(lambda _, item: arrays.append(isinstance(item, h5py.Dataset)))
    except OSError as error:
        raise PresetError(f"Preset weights {path} are unreadable: {error}") from None
    if sum(arrays) != len(model.weights):
        raise PresetError(
            f"Preset weights {path} hold {sum(arrays)} arrays but the model its "
            f"config.json describes has {len(model.weights)} variables: config "
            "and weights do not belong together."
        )


def load_preset(cls, name_or_path, load_weights: bool = True, **kwargs):
    """Builds `cls` from a preset, optionally with its weights."""
    directory, source = resolve_preset(name_or_path)
    config, metadata = read_preset(directory)
    if kwargs:
        config = {**config, "config": {**config["config"], **kwargs}}
    try:
        model = keras.saving.deserialize_keras_object(config)
    except Exception as error:  # unknown class, wrong types in the config
        problem = (str(error).strip().splitlines() or [""])[0][:300]
        raise PresetError(
            f"Preset file {directory / CONFIG_FILE} does not describe a model "
            f"this version can build ({type(error).__name__}: {problem})."
        ) from None
    if not isinstance(model, cls):
        raise PresetError(
            f"Preset {directory} holds a {type(model).__name__}, not a {cls.__name__}."
        )
    if load_weights:
        check_weight_count(model, directory / WEIGHTS_FILE)
        try:
            model.load_weights(directory / WEIGHTS_FILE)
        except Exception as error:
            raise PresetError(
                f"Could not load weights from {directory / WEIGHTS_FILE}: {error}"
            ) from error
    model.preset_source = {**source, "metadata": metadata}
    return model


PRESET_FILES = (CONFIG_FILE, WEIGHTS_FILE, METADATA_FILE)


def _write_preset_files(
    model, folder: pathlib.Path, metadata: dict | None, half: bool
) -> None:
    config = keras.saving.serialize_keras_object(model)
    (folder / CONFIG_FILE).write_text(json.dumps(config, indent=2))
    model.save_weights(folder / WEIGHTS_FILE)
    if half:
        from keras_mimo.utils.half_weights import store_weights_as_float16

        store_weights_as_float16(folder / WEIGHTS_FILE)
    info = {
        "variant": getattr(model, "variant", None),
        "parameters": int(model.count_params()),
        "keras_mimo_version": __version__,
        "keras_version": keras.__version__,
        "backend": keras.config.backend(),
        "created": datetime.datetime.now(datetime.UTC).isoformat(),
        **(metadata or {}),
        "weights_sha256": sha256_file(folder / WEIGHTS_FILE),
    }
    (folder / METADATA_FILE).write_text(json.dumps(info, indent=2))


def save_preset(
    model, directory, metadata: dict | None = None, half: bool = False
) -> pathlib.Path:
    """Writes `model` as a preset directory, atomically.

    An existing preset at `directory` is replaced; a folder that holds
    anything besides a preset's three files is refused with `PresetError`
    and left as it is. `half=True` stores the weights as float16
    (`store_weights_as_float16`); they load back in the model's dtype.
    """
    directory = pathlib.Path(directory)
    try:
        with atomic_directory(directory, PRESET_FILES.__contains__, "a preset") as tmp:
            _write_preset_files(model, tmp, metadata, half)
    except ForeignFilesError as error:
        raise PresetError(str(error)) from None
    return directory


class PresetMixin:
    """Adds `from_preset` / `save_to_preset` to a model class."""

    preset_source: dict | None = None

    @classmethod
    def from_preset(
        cls,
        preset: str | os.PathLike,
        load_weights: bool = True,
        dtype: str | None = None,
        **kwargs,
    ):
        """Builds the model from a preset name or directory.

        Args:
            preset: a registered or user-installed name (see
                `keras_mimo.list_presets()`) or a preset directory.
            load_weights: load the preset's weights (else random init).
            dtype: the dtype policy to build it in, e.g. `"mixed_bfloat16"`
                (weights stay float32, compute in bfloat16). Default: the
                global policy (`keras.config.set_dtype_policy`) when it is
                not float32, else the preset's own.
            **kwargs: other config overrides.

        The returned model's `preset_source` says where it came from.

        Example:
        >>> from keras_mimo import MIMOUNet
        >>> MIMOUNet(num_res=1, width=8).save_to_preset("my_preset")
        PosixPath('my_preset')
        >>> MIMOUNet.from_preset("my_preset").preset_source["origin"]
        'directory'
        """
        if dtype is None and keras.config.dtype_policy().name != "float32":
            dtype = keras.config.dtype_policy().name
        if dtype is not None:
            kwargs["dtype"] = dtype
        return load_preset(cls, preset, load_weights=load_weights, **kwargs)

    def save_to_preset(
        self,
        preset_dir: str | os.PathLike,
        metadata: dict | None = None,
        half: bool = False,
    ):
        """Saves config, weights and metadata (with weight sha256) to a directory.

        `half=True` stores float16 weights (half the size), restored to the
        model's dtype on load.

        Example:
        >>> from keras_mimo import MIMOUNet
        >>> model = MIMOUNet(num_res=1, width=8)
        >>> model.save_to_preset("my_preset", {"training_data": "GoPro"})
        PosixPath('my_preset')
        >>> sorted(os.listdir("my_preset"))
        ['config.json', 'metadata.json', 'model.weights.h5']
        """
        return save_preset(self, preset_dir, metadata, half)
