"""Synthetic blur/sharp pairs: GoPro-style frame averaging and camera shake.

- `gopro`: average 7-13 consecutive sharp video frames in linear light
  (how the GoPro data set was made), sharp = the middle frame.
- `kernels`: random camera-shake trajectories and the blur kernels they draw.
- `camera_shake`: sharp photos convolved with such kernels in linear light,
  with noise and saturated highlights.
- `camera_motion`: sharp photos filmed by a virtual high-frame-rate camera
  moving along a random path (translation, rotation, zoom), frames averaged
  like GoPro's: spatially varying blur on varied content.

All three sources stream through `tf.data` and mix with real pairs by weight.
"""
