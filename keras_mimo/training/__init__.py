"""Training library code: the `training/fit.py` command (`cli`), checkpoints,
schedules, devices and the fastest-path probe.

The top-level `training/` folder holds only scripts and recipes that drive
these (`fit.py`, `ship_preset.py`, `pack_device_data.py`, `validate_data.py`).
"""
