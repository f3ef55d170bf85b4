"""Train MIMO-UNet with `model.fit` on any Keras backend.

    python training/fit.py --help
    python training/fit.py --data GOPRO_Large --steps 3000 --output runs/gopro

A thin entry point: the command is `keras_mimo.training.cli` (packaged, so
it is tested and importable); this folder holds the scripts and recipes
that drive training, `keras_mimo/training/` the library code they use.
"""

import sys

from keras_mimo.training.cli import main

if __name__ == "__main__":
    sys.exit(main())
