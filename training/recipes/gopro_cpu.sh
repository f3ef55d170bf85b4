#!/usr/bin/env bash
# The shipped `gopro` preset (MIMO-UNet), trained on a 2-core CPU.
# Session 1 (2026-11-30, AMD EPYC Zen 4, avx512_bf16, no AMX): the first 300
# steps ran as the learning-rate A/B (one thread each, see README.md here),
# the rest resumed with both cores. Continue it in later sessions with
#   bash training/recipes/gopro_cpu.sh --resume
# or start the next stage from the shipped weights with --init-from gopro.
set -euo pipefail
OUT=${OUT:-runs/gopro_cpu}
SHARED=${SHARED:-../shared}
nice -n 10 python training/fit.py --backend tensorflow \
  --data "synth_gopro:$SHARED/data/gopro_frames?crops=8@0.8" \
  --data "synth_shake:$SHARED/data/sharp@0.2" \
  --val-data "folders:$SHARED/data/gopro_val/blur,$SHARED/data/gopro_val/sharp" \
  --crop 128 --batch-size 8 --steps 5000 --steps-per-epoch 100 --val-every 2 \
  --lr 3e-4 --schedule cosine --warmup-steps 100 --identity-init \
  --precision bfloat16 --jit-compile false \
  --output "$OUT" --verbose 2 "$@"
# Then evaluate and ship (only if better than the shipped preset):
#   python training/ship_preset.py "$OUT/preset" --val "$SHARED/data/gopro_val" \
#     --levin "$SHARED/data/levin" --output keras_mimo/preset_files/gopro \
#     --recipe training/recipes/gopro_cpu.sh
