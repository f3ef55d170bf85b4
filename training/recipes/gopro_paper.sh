#!/usr/bin/env bash
# The paper's recipe on the real GoPro dataset (download GOPRO_Large yourself).
# One GPU:        bash training/recipes/gopro_paper.sh /data/GOPRO_Large
# Several GPUs:   DISTRIBUTE=--distribute bash training/recipes/gopro_paper.sh /data/GOPRO_Large
#                 (JAX DataParallel over all local devices; multi-host: set
#                 JAX_COORDINATOR_ADDRESS, JAX_NUM_PROCESSES, JAX_PROCESS_ID per host.)
# MIMO-UNet+: MODEL=mimo_unet_plus.
set -euo pipefail
ROOT=${1:?path to GOPRO_Large}
MODEL=${MODEL:-mimo_unet}
python training/fit.py --backend jax --model "$MODEL" ${DISTRIBUTE:-} \
  --data "gopro:$ROOT" --val-data "gopro:$ROOT?split=test" --val-every 100 \
  --crop 256 --batch-size 4 --lr 1e-4 --schedule step --decay-every 263000 \
  --epochs 3000 --steps-per-epoch 526 --checkpoint-every 10 \
  --seed 0 --output "runs/${MODEL}_gopro_paper"
