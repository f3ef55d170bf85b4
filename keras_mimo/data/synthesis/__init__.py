"""Synthetic blur/sharp pairs: GoPro-style frame averaging and camera shake.

- `gopro`: average 7-13 consecutive sharp video frames in linear light
  (how the GoPro data set was made), sharp = the middle frame.
- `kernels`: random camera-shake trajectories and the blur kernels they draw.
- `camera_shake`: sharp photos convolved with such kernels in linear light,
  with noise and saturated highlights.

Both sources stream through `tf.data` and mix with real pairs by weight.
"""
