"""Registered MIMO-UNet presets.

Each entry: `description`, `variant`, and where the files are: `package_dir`
(a folder inside `keras_mimo/preset_files/`) and/or `url` + `sha256` (an
archive holding `config.json`, `model.weights.h5`, `metadata.json`).
Only presets whose weights exist are registered. The measured scores and
the training provenance of each are in its `metadata.json` (and README).
"""

backbone_presets = {
    "gopro": {
        "description": (
            "MIMO-UNet (6.8M parameters) trained by this project on GoPro-style "
            "pairs synthesized from 240 fps GoPro frames plus camera-shake blur, "
            "on CPUs; an early model, far from the paper's (see its metadata "
            "scores). For the authors' weights: keras-mimo convert MIMO-UNet.pkl "
            "--name gopro."
        ),
        "variant": "mimo_unet",
        "package_dir": "gopro",
    },
}
