"""``coordinator-tui report``: write the sprint report (default DIR/SPRINT_REPORT_<date>.md).

``-o -`` prints it; ``-o FILE`` writes it there, atomically. A disk that
refuses the write is exit 1 with one line, and no partial file is left.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from coordinator_tui.commands.common import CommandError, analyse_once, clock_of, directory, fail
from coordinator_tui.render.report import render_report, write_report
from coordinator_tui.render.sanitize import display
from coordinator_tui.settings import Settings
from coordinator_tui.write.history import History


def main(args: argparse.Namespace, settings: Settings) -> int:
    try:
        root = directory(args)
    except CommandError as error:
        return fail(error)
    _, analysis = analyse_once(root, settings, clock_of(args))
    history = History(root, settings.history_limit).load()
    if args.output == "-":
        sys.stdout.write(render_report(analysis, history))
        return 0
    target = Path(args.output) if args.output else None
    try:
        path = write_report(root, analysis, history, target)
    except OSError as error:
        return fail(CommandError(f"could not write the report: {display(str(error))}"))
    print(path)
    return 0
