"""``coordinator-tui status``: the state of a directory, once, for people or scripts.

Argument handling and printing only; the words and tables come from
``render.status`` (people) and ``render.status_json`` (scripts). Each path imports
only what it prints with (``status --json`` runs in scripts, often: no Rich).
"""

from __future__ import annotations

import argparse
import sys

from coordinator_tui.commands.arguments import Parsers
from coordinator_tui.commands.common import CommandError, analyse_once, clock_of, directory, fail
from coordinator_tui.settings import Settings


def add_parser(parsers: Parsers) -> None:
    parser = parsers.add("status", "Print the state of a coordination directory once.")
    parser.add_argument("dir", nargs="?", metavar="DIR")
    parser.add_argument(
        "--json", action="store_true", help="the documented JSON document (compact)"
    )
    parser.add_argument(
        "--pretty", action="store_true", help="with --json: indented, for people to read"
    )


def main(args: argparse.Namespace, settings: Settings) -> int:
    try:
        root = directory(args)
    except CommandError as error:
        return fail(error)
    _, analysis = analyse_once(root, settings, clock_of(args))
    if args.json:
        from coordinator_tui.render.status_json import analysis_to_dict, dumps

        sys.stdout.write(dumps(analysis_to_dict(analysis), pretty=args.pretty) + "\n")
        return 0
    from rich.console import Console

    from coordinator_tui.render.status import render_status

    console = Console(highlight=False, soft_wrap=False)
    console.print(render_status(analysis))
    return 0
