"""Train MIMO-UNet for a fixed time on a lent GPU machine (no TensorFlow there).

    python training/fit_on_device.py --help
    python training/fit_on_device.py --data .train_data --init-from gopro \
        --minutes 6 --output "$OUT"

A thin entry point: the command is `keras_mimo.training.device_cli`;
`training/recipes/gopro_gpu.sh` has the whole device call.
"""

import sys

from keras_mimo.training.device_cli import main

if __name__ == "__main__":
    sys.exit(main())
