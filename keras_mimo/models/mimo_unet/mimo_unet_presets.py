"""Registered MIMO-UNet presets.

Each entry: `description`, `variant`, and where the files are: `package_dir`
(a folder inside `keras_mimo/preset_files/`) and/or `url` + `sha256` (an
archive holding `config.json`, `model.weights.h5`, `metadata.json`).
Only presets whose weights exist are registered.
"""

backbone_presets = {}
