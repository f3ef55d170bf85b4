"""The image sizes the network takes, and clear errors for the others."""

#: MIMO-UNet downsamples twice by 2: H and W must be divisible by 4. The one
#: definition; padding (`keras_mimo.images.padding`), tiling and the exported
#: graphs all use it.
SIZE_MULTIPLE = 4


class ImageShapeError(ValueError):
    """An input image batch has the wrong rank, channels or size."""


def check_image_shape(
    shape, multiple: int = SIZE_MULTIPLE, name: str = "input"
) -> None:
    """Raises `ImageShapeError` unless `shape` is `(batch, H, W, 3)`, H, W % multiple == 0.

    Unknown (symbolic) dimensions are accepted; they are checked when known.
    """
    shape = tuple(shape)
    if len(shape) != 4:
        raise ImageShapeError(
            f"{name}: expected a batch of RGB images of shape (batch, H, W, 3), "
            f"got shape {shape} (rank {len(shape)}). Add a batch axis for a "
            "single image."
        )
    if shape[-1] is not None and shape[-1] != 3:
        kind = {1: "grayscale", 4: "RGBA"}.get(shape[-1], f"{shape[-1]}-channel")
        raise ImageShapeError(
            f"{name}: expected 3 (RGB) channels, got a {kind} image of shape "
            f"{shape}. Convert it to RGB first (keras_mimo.deblur does this)."
        )
    bad = [d for d in shape[1:3] if isinstance(d, int) and d % multiple]
    if bad:
        raise ImageShapeError(
            f"{name}: height and width must be divisible by {multiple}, got "
            f"{shape[1]}x{shape[2]}. Pad the image (keras_mimo.deblur pads and "
            "crops back automatically)."
        )
