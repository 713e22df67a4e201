"""``coordinator-tui report``: write the sprint report (default DIR/SPRINT_REPORT_<date>.md).

``-o -`` prints it; ``-o FILE`` writes it there, atomically; a FILE whose
folder does not exist is exit 2 with one line (no folder is ever created). A
disk that refuses the write is exit 1 with one line, and no partial file is left. A
history that cannot be read is said on stderr and in the report's trends
section; the report is still written.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from coordinator_tui.analysis.acting.act import act
from coordinator_tui.commands.arguments import Parsers
from coordinator_tui.commands.common import (
    CommandError,
    analyse_once,
    clock_of,
    directory,
    fail,
    os_error_text,
)
from coordinator_tui.render.report import render_report
from coordinator_tui.render.sanitize import display
from coordinator_tui.settings import Settings
from coordinator_tui.write.acting_state import duplicate_counts
from coordinator_tui.write.reports import write_report
from coordinator_tui.write.trend_log import Sample, TrendLog, TrendLogError
from coordinator_tui.write.usage_state import keep_summary, usage_once


def add_parser(parsers: Parsers) -> None:
    parser = parsers.add("report", "Write a sprint report (Markdown).")
    parser.add_argument("dir", nargs="?", metavar="DIR")
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="where to write (default DIR/SPRINT_REPORT_<date>.md); - for stdout",
    )


def main(args: argparse.Namespace, settings: Settings) -> int:
    try:
        root = directory(args)
    except CommandError as error:
        return fail(error)
    _, analysis = analyse_once(root, settings, clock_of(args))
    history, problem = load_history(TrendLog(root, settings.history_limit), root)
    if problem is not None:
        print(f"coordinator-tui: history not read: {display(problem, 300)}", file=sys.stderr)
    counts, _ = duplicate_counts(root)
    acting = act(analysis, history, counts, usage_once(root, analysis))
    keep_summary(root, analysis, acting.costs)
    if args.output == "-":
        sys.stdout.write(render_report(analysis, history, history_problem=problem, acting=acting))
        return 0
    target = Path(args.output) if args.output else None
    if target is not None:
        problem = _unwritable(target)
        if problem is not None:
            return fail(CommandError(f"cannot write the report to {problem}", code=2))
    try:
        path = write_report(root, analysis, history, target, history_problem=problem, acting=acting)
    except OSError as error:
        return fail(CommandError(f"could not write the report: {os_error_text(error)}"))
    print(path)
    return 0


def _unwritable(target: Path) -> str | None:
    """Why ``-o FILE`` cannot be written as given, or None: its folder must exist already."""
    folder = target.parent
    if os.path.isdir(target):
        return f"{display(str(target))}: it is a folder; give a file name"
    if not os.path.isdir(folder):
        what = "is not a folder" if os.path.lexists(folder) else "does not exist"
        return f"{display(str(target))}: the folder {display(str(folder))} {what}"
    return None


def load_history(history: TrendLog, root: Path) -> tuple[list[Sample], str | None]:
    """The samples, or none and why the history could not be read (path: reason)."""
    try:
        return history.load(), None
    except TrendLogError as error:
        return [], error.describe(root)
