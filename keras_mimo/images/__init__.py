"""Image files, pairs and padding: one home, no deep-learning framework.

- `files`: reading (upright, 16-bit kept) and writing image files;
  `IMAGE_EXTENSIONS` (what `read_image` reads) and `PIPELINE_EXTENSIONS`
  (the PNG/JPEG subset the `tf.data` pipelines decode).
- `png16`: 16-bit colour PNGs through libpng (`imagecodecs`).
- `errors`: `InputImageError`, `OutputPathError`.
- `pairs`: `ImagePair` (blurry file, sharp file, name) and `find_pairs`.
- `padding`: pad to the model's `SIZE_MULTIPLE` and crop back, pad to a
  minimum size; numpy and TensorFlow forms of each rule side by side.
- `quality`: numpy `psnr` for files and exports (the Keras metric is
  `keras_mimo.metrics`).

Nothing here imports Keras; TensorFlow is imported only by the tensor forms
in `padding`, and Pillow only by `files`.
"""
