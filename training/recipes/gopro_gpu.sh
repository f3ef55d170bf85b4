#!/usr/bin/env bash
# Continue the `gopro` preset on a lent GPU machine (the `device` tool): one
# call of at most 10 minutes, no internet and no TensorFlow there (JAX 0.11
# on Python 3.12), files back at most 16 MiB each.
#
# 1. Here, before the call (both folders are git-ignored):
#      python training/pack_device_data.py --shared ../shared --output .train_data
#      pip download --no-deps --only-binary=:all: --python-version 3.12 \
#        --implementation cp --platform manylinux_2_28_x86_64 \
#        --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
#        --platform manylinux2014_x86_64 -d .whl keras==3.15.1 namex==0.1.0 optree==0.20.0
#    Rehearse the same script on the CPU first, in a virtualenv without
#    TensorFlow (jax, keras, numpy, pillow, h5py), with a tiny model:
#      REHEARSE=1 PYTHON=/tmp/devsim/bin/python OUT=/tmp/rehearsal \
#        bash training/recipes/gopro_gpu.sh
# 2. The call: run(command="OUT=$OUT bash training/recipes/gopro_gpu.sh",
#      carry=[".train_data", ".whl"], timeout_s=570)
#    Every minute $OUT/preset (best validation so far) and $OUT/last get the
#    weight average as a float16 preset, so a call killed at its limit still
#    returns weights; $OUT/curve.csv and $OUT/log.txt hold the curve and speed.
# 3. Here: ship only if better (training/ship_preset.py, as in gopro_cpu.sh).
set -euo pipefail
OUT=${OUT:?"set OUT to the folder that comes back"}
mkdir -p "$OUT"
PY=${PYTHON:-python3}
export PYTHONPATH="${PYTHONPATH:+$PYTHONPATH:}$PWD" PYTHONUNBUFFERED=1
if [ -n "${REHEARSE:-}" ]; then
  # Tiny model, small crops, one minute: the same code path, minus the GPU.
  ARGS=(--width 8 --num-res 1 --batch-size 4 --crop 64 --minutes 1 --save-every 20)
else
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
    --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH="/tmp/site:$PYTHONPATH"
  nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
  ARGS=(--init-from gopro --batch-size 64 --crop 256 --minutes 7.5)
fi
"$PY" training/fit_on_device.py --backend jax --data .train_data \
  --lr 2e-4 --ema 0.999 --output "$OUT" "${ARGS[@]}" "$@" 2>&1 | tee "$OUT/log.txt"
