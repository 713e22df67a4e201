"""``coordinator-tui status``: the state of a directory, once, for people or scripts.

Argument handling and printing only; the words and tables come from
``render.status`` (people) and ``render.status_json`` (scripts). Each path imports
only what it prints with (``status --json`` runs in scripts, often: no Rich).
``--check`` turns the problems into the exit code (``analysis.acting.checks``);
``--line`` is answered before this parser by the stdlib-only ``statusline`` (it is
listed here so ``status --help`` shows it). Exit 1 when nothing could be read (the
directory or its ``sessions/`` folder could not be listed: the sessions are
unknown, not zero); the output still says why. With ``--check``, that 1 is added
to the check's code (whose flags are 4 and up). Several DIRs: every collective
at once (``collectives``), the codes OR'ed.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from coordinator_tui.commands.arguments import Parsers
from coordinator_tui.commands.common import (
    CommandError,
    acting_of,
    analyse_once,
    clock_of,
    directory,
    fail,
)
from coordinator_tui.render.sanitize import display
from coordinator_tui.settings import Settings

if TYPE_CHECKING:
    from coordinator_tui.analysis import Analysis

PIPED_WIDTH = 10_000
"""Columns for a piped or redirected ``status``: wide enough that nothing is cut."""


def add_parser(parsers: Parsers) -> None:
    parser = parsers.add(
        "status",
        "Print the state of a coordination directory once.",
        epilog="--check exit codes (summed): 0 nothing wrong, 4 duplicate work, 8 a claim "
        "conflict, 16 a session waiting for a human, 32 a stale session; 1 nothing could "
        "be read (added to the others), 2 bad command line.",
    )
    parser.add_argument(
        "dir",
        nargs="*",
        metavar="DIR",
        help="one or more coordination directories (several: every collective at once)",
    )
    parser.add_argument(
        "--json", action="store_true", help="the documented JSON document (compact)"
    )
    parser.add_argument(
        "--pretty", action="store_true", help="with --json: indented, for people to read"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit with the problems' code (see below), one reason a line on stderr; "
        "prints nothing else unless --json",
    )
    parser.add_argument(
        "--line",
        action="store_true",
        help="one line of at most 80 characters for a tmux status bar (stdlib-only, fast)",
    )
    parser.add_argument("--tmux", action="store_true", help="with --line: tmux #[fg=…] colours")


def main(args: argparse.Namespace, settings: Settings) -> int:
    if args.line or args.tmux:
        # `status --line` never gets here (cli.main hands it to statusline first).
        return fail(CommandError("status: --tmux goes with --line (see --help)", code=2))
    if len(args.dir) > 1:
        from coordinator_tui.commands.status_many import main_many

        return main_many(args, settings)
    args.dir = args.dir[0] if args.dir else None
    try:
        root = directory(args)
    except CommandError as error:
        return fail(error)
    _, analysis = analyse_once(root, settings, clock_of(args))
    from coordinator_tui.analysis.summaries import unread_sessions

    unread = 1 if unread_sessions(analysis) is not None else 0
    if args.check and not args.json:
        from coordinator_tui.analysis.acting.checks import check

        result = check(analysis)
        return unread | _check(result.code, result.reasons)
    if args.json:
        from coordinator_tui.render.status_json import status_document, write

        acting, problem = acting_of(root, analysis, settings)
        if problem is not None:
            print(f"coordinator-tui: {display(problem, 300)}", file=sys.stderr)
        write(status_document(analysis, acting), pretty=args.pretty)
        code = _check(acting.check.code, acting.check.reasons) if args.check else 0
        return unread | code
    return unread | _print_tables(root, analysis, settings)


def _print_tables(root: Path, analysis: Analysis, settings: Settings) -> int:
    from rich.console import Console

    from coordinator_tui.render.status import render_status

    acting, problem = acting_of(root, analysis, settings)
    if problem is not None:
        print(f"coordinator-tui: {display(problem, 300)}", file=sys.stderr)

    console = Console(highlight=False, soft_wrap=False)
    whole = not console.is_terminal
    if whole:  # piped or redirected: never cut to the 80 columns Rich assumes
        console = Console(highlight=False, soft_wrap=False, width=PIPED_WIDTH)
    has_folder = os.path.isdir(root / "sessions")  # False, not an exception, when refused
    console.print(
        render_status(analysis, whole=whole, has_sessions_folder=has_folder, acting=acting)
    )
    return 0


def _check(code: int, reasons: tuple[str, ...]) -> int:
    for reason in reasons:
        print(f"coordinator-tui: {display(reason, 300)}", file=sys.stderr)
    return code
