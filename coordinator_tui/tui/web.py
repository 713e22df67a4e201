"""The dashboard in a web browser: textual-serve runs one dashboard process per page.

The Textual side of ``coordinator-tui serve`` (the ``web`` extra); the command in
``commands/serve.py`` checks the arguments and the address before it gets here.
"""

from __future__ import annotations


class WebExtraMissing(ImportError):
    """textual-serve is not installed (``pip install 'coordinator-tui[web]'``)."""


def serve_dashboard(command: str, host: str, port: int, public_url: str | None) -> None:
    """Serve ``command`` (the dashboard's shell command) to browsers until interrupted."""
    try:
        from textual_serve.server import Server
    except ImportError as error:
        raise WebExtraMissing(str(error)) from None
    Server(command, host=host, port=port, title="coordinator-tui", public_url=public_url).serve()
