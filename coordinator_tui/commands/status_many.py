"""``status DIR1 DIR2 …``: every collective at once (``commands.status`` hands over here).

Each directory is read and analysed as ``status DIR`` would; people get
``collectives.status_text``, scripts ``collectives.status_json``. The exit code
is each directory's own (1 nothing read, the ``--check`` flags) OR'ed, so a
script learns that some collective has a stale session without learning which:
the reasons on stderr name the collective, and ``--json`` has each one's ``check``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from coordinator_tui.analysis.summaries import unread_sessions
from coordinator_tui.collectives.names import Collective, collectives
from coordinator_tui.commands.common import CommandError, analyse_once, clock_of, fail
from coordinator_tui.files.locate import DirectoryNotFound, resolve_directory
from coordinator_tui.render.sanitize import display
from coordinator_tui.settings import Settings

PIPED_WIDTH = 10_000


def resolve_all(names: list[str]) -> list[Collective]:
    """The named directories, each once and uniquely named; a missing one is exit 2."""
    roots = []
    for name in names:
        try:
            roots.append(resolve_directory(name).resolve())
        except DirectoryNotFound as error:
            raise CommandError(str(error), code=2) from None
    return collectives(roots)


def main_many(args: argparse.Namespace, settings: Settings) -> int:
    try:
        found = resolve_all(list(args.dir))
    except CommandError as error:
        return fail(error)
    clock = clock_of(args)
    now = clock()
    analysed = [(c, analyse_once(c.root, settings, lambda: now)[1]) for c in found]
    code = 0
    for _, analysis in analysed:
        code |= 1 if unread_sessions(analysis) is not None else 0
    if args.json:
        return code | _print_json(analysed, settings, args)
    if args.check:
        from coordinator_tui.analysis.acting.checks import check

        for collective, analysis in analysed:
            result = check(analysis)
            code |= _reasons(collective, result.code, result.reasons)
        return code
    _print_tables(analysed)
    return code


def _print_json(analysed: list[Any], settings: Settings, args: argparse.Namespace) -> int:
    from coordinator_tui.collectives.status_json import many_document
    from coordinator_tui.commands.common import acting_of
    from coordinator_tui.render.status_json import status_document, write

    code = 0
    entries = []
    for collective, analysis in analysed:
        acting, problem = acting_of(collective.root, analysis, settings)
        if problem is not None:
            print(f"coordinator-tui: {_name(collective)}: {display(problem, 300)}", file=sys.stderr)
        entries.append((collective, status_document(analysis, acting)))
        if args.check:
            code |= _reasons(collective, acting.check.code, acting.check.reasons)
    write(many_document(entries), pretty=args.pretty)
    return code


def _print_tables(analysed: list[Any]) -> None:
    from rich.console import Console

    from coordinator_tui.collectives.status_text import render_many

    console = Console(highlight=False, soft_wrap=False)
    whole = not console.is_terminal
    if whole:  # piped or redirected: never cut to the 80 columns Rich assumes
        console = Console(highlight=False, soft_wrap=False, width=PIPED_WIDTH)
    console.print(render_many(analysed, whole=whole))


def _name(collective: Collective) -> str:
    return display(collective.name, 60)


def _reasons(collective: Collective, code: int, reasons: tuple[str, ...]) -> int:
    for reason in reasons:
        print(f"coordinator-tui: {_name(collective)}: {display(reason, 300)}", file=sys.stderr)
    return code
