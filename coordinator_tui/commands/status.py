"""``coordinator-tui status``: the state of a directory, once, for people or scripts.

Argument handling and printing only; the words and tables come from
``render.status`` (people) and ``render.status_json`` (scripts). Exit 1 when
nothing could be read (the directory or its ``sessions/`` folder could not be
listed: the sessions are unknown, not zero); the output still says why.
"""

from __future__ import annotations

import argparse
import os
import sys

from rich.console import Console

from coordinator_tui.commands.arguments import Parsers
from coordinator_tui.commands.common import CommandError, analyse_once, clock_of, directory, fail
from coordinator_tui.render.status import render_status, unread_sessions
from coordinator_tui.render.status_json import analysis_to_dict, dumps
from coordinator_tui.settings import Settings

PIPED_WIDTH = 10_000
"""The line width when stdout is not a terminal: wide enough that nothing is cut."""


def add_parser(parsers: Parsers) -> None:
    parser = parsers.add("status", "Print the state of a coordination directory once.")
    parser.add_argument("dir", nargs="?", metavar="DIR")
    parser.add_argument("--json", action="store_true", help="the documented JSON document")


def main(args: argparse.Namespace, settings: Settings) -> int:
    try:
        root = directory(args)
    except CommandError as error:
        return fail(error)
    _, analysis = analyse_once(root, settings, clock_of(args))
    code = 1 if unread_sessions(analysis) is not None else 0
    if args.json:
        sys.stdout.write(dumps(analysis_to_dict(analysis)) + "\n")
        return code
    console = Console(highlight=False, soft_wrap=False)
    whole = not console.is_terminal
    if whole:  # piped or redirected: never cut to the 80 columns Rich assumes
        console = Console(highlight=False, soft_wrap=False, width=PIPED_WIDTH)
    has_folder = os.path.isdir(root / "sessions")  # False, not an exception, when refused
    console.print(render_status(analysis, whole=whole, has_sessions_folder=has_folder))
    return code
