"""`keras-mimo serve`: a local web page to deblur photos (Gradio)."""

import argparse
import sys

from keras_mimo.cli.deblur import EXIT_USAGE


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="a local web page: upload, deblur, compare with a slider, download",
        description=(
            "Starts a Gradio web page: upload a photo, pick the model and "
            "options, compare blurry and deblurred with a slider, and download "
            "the full-resolution result in the upload's format and bit depth. "
            "It uses the same Deblurrer as `keras-mimo deblur` (large photos are "
            "tiled within --memory-budget). Listens on 127.0.0.1 unless --host "
            "says otherwise."
        ),
    )
    parser.add_argument(
        "--preset",
        action="append",
        default=[],
        help="preset name or directory to offer (repeatable; the first is the "
        "default); installed presets are offered too",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    parser.add_argument(
        "--share",
        action="store_true",
        help="also create a temporary public gradio.live link (needs internet)",
    )
    parser.add_argument(
        "--memory-budget", help="per image, e.g. 512M, 1.5G (default 1.2G)"
    )
    parser.add_argument(
        "--max-file-size", default="200mb", help="largest upload (default 200mb)"
    )
    parser.add_argument(
        "--open-browser", action="store_true", help="open the page in a browser"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        import gradio  # noqa: F401
    except ModuleNotFoundError:
        print(
            "error: serve needs Gradio: pip install 'keras-mimo[serve]'",
            file=sys.stderr,
        )
        return EXIT_USAGE
    from keras_mimo.serve.app import build_app, preset_choices

    if not preset_choices(args.preset):
        print(
            "error: no preset to serve: pass --preset NAME_OR_DIR (or install one "
            "with `keras-mimo convert ... --name NAME`)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    app = build_app(args.preset, memory_budget=args.memory_budget)
    app.queue().launch(
        server_name=args.host,
        server_port=args.port,
        share=args.share,
        inbrowser=args.open_browser,
        max_file_size=args.max_file_size,
        show_error=True,
    )
    return 0
