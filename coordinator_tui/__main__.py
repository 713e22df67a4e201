"""``python -m coordinator_tui`` and the ``coordinator-tui`` script.

``status --line`` runs every few seconds in every tmux client, so it is handed
to the stdlib-only ``statusline`` module here, before the CLI (argparse,
pydantic, the settings) is imported; everything else goes to ``cli.main``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def entry(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["status"] and "--line" in arguments[1:]:
        from coordinator_tui.statusline.line import main as line_main

        return line_main(arguments[1:])
    from coordinator_tui.cli import main

    return main(arguments)


if __name__ == "__main__":
    raise SystemExit(entry())
