"""``python -m coordinator_tui`` and the ``coordinator-tui`` script.

``status --line`` runs every few seconds in every tmux client, so it is handed
to the stdlib-only ``statusline`` module here, before the CLI (argparse,
the settings) is imported; everything else goes to ``cli.main``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

BROKEN_PIPE = 141
"""What a shell reports for a program ended by SIGPIPE (128 + 13)."""


def entry(argv: Sequence[str] | None = None) -> int:
    """Run the command; a reader that went away (``… | head``) ends it quietly."""
    try:
        return _dispatch(argv)
    except BrokenPipeError:
        # Python would complain again while flushing stdout at exit: point it at null.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return BROKEN_PIPE


def _dispatch(argv: Sequence[str] | None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["status"] and "--line" in arguments[1:]:
        from coordinator_tui.statusline.line import main as line_main

        return line_main(arguments[1:])
    from coordinator_tui.cli import main

    return main(arguments)


if __name__ == "__main__":
    raise SystemExit(entry())
