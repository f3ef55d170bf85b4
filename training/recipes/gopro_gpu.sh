#!/usr/bin/env bash
# Reproduce the shipped `gopro` preset (MIMO-UNet) on one GPU.
# 1. Here: pack the material the GPU machine gets (<= 64 MiB carried).
#      python training/pack_device_data.py --shared ../shared --output .train_data
# 2. There (repository root, .train_data carried), ~20 minutes of GPU time:
set -euo pipefail
OUT=${OUT:-runs}
pip install -q "keras==3.15.1" "jax[cuda12]==0.10.2" "tensorflow-cpu==2.21.0" pillow h5py tensorboard
python training/fit.py --backend jax --model mimo_unet \
  --data "synth_gopro:.train_data/frames?window=7-13&crops=8@0.7" \
  --data "synth_shake:.train_data/sharp@0.3" \
  --val-data "folders:.train_data/val/blur,.train_data/val/sharp" \
  --crop 256 --batch-size 32 --mixed-precision \
  --steps 12000 --steps-per-epoch 500 --lr 4e-4 --schedule cosine \
  --seed 0 --output "$OUT/gopro_preset" --verbose 2
# 3. Here: evaluate on the held-out pairs and install the preset.
#      keras-mimo evaluate --data ../shared/data/gopro_val --preset runs/gopro_preset/preset
