"""Training helpers used by `training/fit.py`: checkpoints, schedules, devices."""
