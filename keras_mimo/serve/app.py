"""The Gradio page: upload, options, a before/after slider, download."""

from collections.abc import Sequence

from keras_mimo.serve.service import DeblurService
from keras_mimo.utils.precision import PRECISION_CHOICES

TITLE = "keras-mimo: MIMO-UNet motion deblurring"


def preset_choices(presets: Sequence[str] = ()) -> list[str]:
    """The presets given first, then every other installed or shipped one."""
    from keras_mimo.presets import list_presets

    try:
        known = list(list_presets())
    except Exception:  # a broken preset folder must not stop the page
        known = []
    return list(dict.fromkeys([*map(str, presets), *known]))


def build_app(
    presets: Sequence[str] = (),
    memory_budget=None,
    service: DeblurService | None = None,
):
    """The page as a `gradio.Blocks`; `.launch()` it (see `keras-mimo serve`).

    Args:
        presets: preset names or directories offered first (the first is
            the default); installed presets are offered too.
        memory_budget: `Deblurrer` working memory per image (default 1.2 GiB).
        service: the `DeblurService` to use (default: a new one).

    Example:
    >>> app = build_app(["gopro"])  # doctest: +SKIP
    >>> app.launch(server_name="127.0.0.1", server_port=7860)  # doctest: +SKIP
    """
    import gradio as gr

    from keras_mimo.images.errors import InputImageError

    service = service or DeblurService(memory_budget=memory_budget)
    choices = preset_choices(presets)

    # Gradio injects the progress tracker through this default.
    def run(upload, preset, ensemble, precision, progress=gr.Progress()):  # noqa: B008
        if upload is None:
            raise gr.Error("Upload an image first.", print_exception=False)
        if not preset:
            raise gr.Error(
                "No model: start with --preset NAME_OR_DIR.", print_exception=False
            )
        import os

        name = os.path.basename(getattr(upload, "orig_name", None) or str(upload))
        try:
            result = service.deblur(
                str(upload),
                preset,
                int(ensemble),
                precision,
                progress=lambda f, message: progress(f, desc=message),
                name=name,
            )
        except InputImageError as error:
            raise gr.Error(str(error), print_exception=False) from None
        except Exception as error:  # one line, never a traceback on the page
            text = str(error).strip().splitlines()
            message = f"{name}: {type(error).__name__}: {text[0] if text else ''}"
            raise gr.Error(message, print_exception=False) from None
        height, width = result.after.shape[:2]
        status = (
            f"Deblurred in {result.seconds:.1f} s on {result.compute} "
            f"({result.tiles} tile(s)); "
            f"preview {width}x{height}, download at full resolution."
        )
        return (result.before, result.after), str(result.path), status

    with gr.Blocks(title=TITLE) as app:
        gr.Markdown(f"# {TITLE}\nUpload a blurry photo; drag the slider to compare.")
        with gr.Row():
            with gr.Column(scale=1):
                upload = gr.File(
                    label="Blurry image",
                    file_types=["image"],
                    type="filepath",
                    elem_id="upload",
                )
                preset = gr.Dropdown(
                    choices, value=choices[0] if choices else None, label="Model"
                )
                ensemble = gr.Radio(
                    ["1", "4", "8"],
                    value="1",
                    label="Self-ensemble (4: flips, 8: flips and rotations)",
                )
                precision = gr.Radio(
                    list(PRECISION_CHOICES), value="auto", label="Precision"
                )
                button = gr.Button("Deblur", variant="primary", elem_id="deblur")
            with gr.Column(scale=2):
                slider = gr.ImageSlider(
                    label="Blurry | deblurred",
                    format="png",
                    type="numpy",
                    interactive=False,
                    elem_id="slider",
                )
                download = gr.File(label="Full-resolution result", elem_id="download")
                status = gr.Markdown(elem_id="status")
        button.click(
            run,
            inputs=[upload, preset, ensemble, precision],
            outputs=[slider, download, status],
        )
    return app
