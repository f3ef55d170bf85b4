"""Camera gamma and 8-bit truncation shared by every blur synthesizer.

Blur is made in linear light: pixel codes are decoded with `x ** GAMMA`,
averaged or convolved, encoded back with `** (1 / GAMMA)` and truncated to
8 bits like the GoPro data set. This module imports nothing, so the
TensorFlow pipelines (`gopro`, `camera_shake`) and the JAX sampler for
accelerator machines (`gopro_batches`) share the same numbers.
"""

#: The gamma the GoPro data set undid before averaging frames (Nah et al.).
GAMMA = 2.2
#: A hair above float64 round-off, so a value that is mathematically an integer
#: in 8-bit units (e.g. 160 - 1e-12) is not truncated to the integer below it.
TRUNCATION_EPSILON = 1e-9
#: The same for float32 arithmetic (the accelerator sampler), whose round-off
#: in 8-bit units is ~1e-4: an exact code c may come back as c - 1e-4.
TRUNCATION_EPSILON_FLOAT32 = 1e-3
