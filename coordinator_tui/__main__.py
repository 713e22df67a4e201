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
    """Run the command; a reader that went away (``… | head``) ends it quietly.

    Called as the program (``argv`` None), ``status`` and ``report`` leave with
    ``os._exit`` once their output is flushed: freeing tens of thousands of records one
    by one at interpreter exit took 30 ms at 10,000 sessions, and they leave nothing
    behind to finish (the history index is closed after its scan, files are written
    atomically before the output, the read-ahead children are reaped)."""
    try:
        if argv is None and sys.argv[1:2] in (["status"], ["report"]):
            from coordinator_tui.leave import leave_at_once

            leave_at_once()  # from inside the command, its objects never freed (``leave``)
        code = _dispatch(argv)
        if argv is None and sys.argv[1:2] in (["status"], ["report"]):
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        return code
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
    if arguments[:1] in (["status"], ["report"]):
        # The biggest history folder listed on the other core from here on, while the
        # parser, the settings and the analysis load (``history.early``).
        from coordinator_tui.history.early import start_for_command

        start_for_command(arguments)
    from coordinator_tui.cli import main

    return main(arguments)


if __name__ == "__main__":
    raise SystemExit(entry())
