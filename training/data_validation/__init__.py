"""Validate a keras-mimo blur/sharp pair dataset with TensorFlow Data Validation.

Run it as `.venv-tfdv/bin/python training/validate_data.py` (see `cli.py`).
It runs in the TFDV virtualenv (`.venv-tfdv`: TF 2.16, numpy<2), where
keras_mimo is not installed; the entry script puts the repository on the path
for the framework-free parts it shares: `keras_mimo.data.tfrecord_format` (the
TFRecord format) and `keras_mimo.images.quality` (PSNR). Beam workers get this
package's and keras_mimo's code by value (see `pipeline.py`).

One job per module:

- `files.py`: Beam FileSystems helpers (local paths, gs://, ...).
- `features.py`: the per-example features handed to TFDV.
- `images.py`: one image's header (Pillow), pixels (TensorFlow) and checks.
- `pairs.py`: the feature row and anomalies of one blur/sharp pair.
- `examples.py`: Beam element functions, a TFRecord or a file pair to a row.
- `inputs.py`: the shards or file pairs to read, and manifest/folder anomalies.
- `shards.py`: a shard against its manifest entry (sha256, size, framing, count).
- `pipeline.py`: the Beam pipeline (features, statistics, anomaly summaries).
- `schema.py`: schema tightening and the run's limits.
- `anomalies.py`: the custom checks, merged and as TFDV protos.
- `chart.py`: the histogram PNG; `report.py`: the HTML report and summary.
- `validate.py`: one validation run; `cli.py`: the command line.
"""
