"""Training data for MIMO-UNet: readers, synthesis, sources, `tf.data` pipelines.

The input pipeline is plain `tf.data` with TensorFlow ops only, so it feeds
models on any Keras backend (JAX, TensorFlow, PyTorch). Names are imported
lazily: `from keras_mimo.data import gopro_pairs` needs only Pillow, the
pipeline parts import TensorFlow, nothing here imports Keras.

- Readers return `ImagePair(blur, sharp, name)` lists: `gopro_pairs`,
  `split_folder_pairs`, `realblur_pairs`, `folder_pairs`.
- Sources stream full-size float32 pairs: `FilePairSource`,
  `GoProSynthesisSource`, `CameraShakeSource`, `CameraMotionSource`,
  `TFRecordSource`, and
  `JpegInputSource` (any of them with JPEG-compressed inputs);
  `parse_source_spec("kind:path@weight")` builds one from a CLI string.
- Pipelines: `training_dataset`, `validation_dataset`, `with_model_targets`.
- `write_tfrecords` stores any source as sharded TFRecords with a manifest.

Example:
>>> from keras_mimo import data
>>> sources = [data.parse_source_spec(s) for s in ["gopro:GOPRO_Large",
...            "synth_shake:data/sharp@0.5"]]
>>> train = data.with_model_targets(data.training_dataset(sources, crop=64, seed=0))
>>> test = data.parse_source_spec("gopro:GOPRO_Large", split="test")[0]
>>> val = data.validation_dataset(test)
"""

from keras_mimo.utils.lazy import lazy_exports

_EXPORTS = {
    "DataError": "keras_mimo.data.errors",
    "ImagePair": "keras_mimo.images.pairs",
    "check_pair": "keras_mimo.data.pairs",
    "image_info": "keras_mimo.data.image_files",
    "list_images": "keras_mimo.data.image_files",
    "gopro_pairs": "keras_mimo.data.readers",
    "split_folder_pairs": "keras_mimo.data.readers",
    "realblur_pairs": "keras_mimo.data.readers",
    "folder_pairs": "keras_mimo.data.readers",
    "decode_image": "keras_mimo.data.decoding",
    "read_image_tensor": "keras_mimo.data.decoding",
    "encode_png": "keras_mimo.data.decoding",
    "Source": "keras_mimo.data.sources",
    "FilePairSource": "keras_mimo.data.sources",
    "EncodedExample": "keras_mimo.data.sources",
    "GoProSynthesisSource": "keras_mimo.data.synthesis.gopro",
    "CameraShakeSource": "keras_mimo.data.synthesis.camera_shake",
    "CameraMotionSource": "keras_mimo.data.synthesis.camera_motion",
    "TFRecordSource": "keras_mimo.data.tfrecords",
    "JpegInputSource": "keras_mimo.data.compression",
    "write_tfrecords": "keras_mimo.data.tfrecords",
    "read_tfrecord_manifest": "keras_mimo.data.tfrecords",
    "parse_source_spec": "keras_mimo.data.specs",
    "training_dataset": "keras_mimo.data.pipelines",
    "validation_dataset": "keras_mimo.data.pipelines",
    "with_model_targets": "keras_mimo.data.pipelines",
}

__all__ = list(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
