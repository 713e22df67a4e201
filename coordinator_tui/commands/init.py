"""``coordinator-tui init [DIR]``: a sample coordination directory to try every command on.

The demo's first moment, written once and left alone (no simulation runs): a
few sessions with a duplicate pair and similar work, idle sessions with
suggestions, a stale and a gone ghost, claims, JSON and Markdown milestones,
priorities and messages (some broken JSON, as real scripts write them). The
session ids are fixed (``session-1763243350`` and up) so the README's examples
name sessions that exist; ``--now`` dates the sample (heartbeats, messages) at
that moment, for output that is the same every time with the same ``--now``.
It never writes into a folder that holds anything.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from coordinator_tui.commands.arguments import Parsers, positive
from coordinator_tui.commands.common import CommandError, clock_of, fail
from coordinator_tui.demo.simulate import Simulation
from coordinator_tui.render.sanitize import display
from coordinator_tui.render.timetext import count_of
from coordinator_tui.settings import Settings

DEFAULT_DIR = Path("docs") / "coordination"
FIRST_ID = 1763243350
"""The first sample session is ``session-1763243350``; the README's examples use these ids."""
SEED = 7


def add_parser(parsers: Parsers) -> None:
    parser = parsers.add(
        "init",
        "Write a sample coordination directory (sessions, a duplicate, a claim, milestones, "
        "priorities, messages) to try the other commands on.",
    )
    parser.add_argument(
        "dir", nargs="?", metavar="DIR", help=f"where to write it (default: ./{DEFAULT_DIR})"
    )
    parser.add_argument(
        "--sessions",
        type=positive(int),
        default=8,
        metavar="N",
        help="size of the sample collective; about two thirds of it is written as live "
        "sessions, plus a stale and a gone one (default: 8)",
    )


def main(args: argparse.Namespace, settings: Settings) -> int:
    root = Path(args.dir).expanduser() if args.dir else DEFAULT_DIR
    try:
        _check_empty(root)
        simulation = Simulation(
            root, sessions=args.sessions, seed=SEED, clock=clock_of(args), id_base=FIRST_ID
        )
        try:
            simulation.setup()
        except OSError as error:
            raise CommandError(f"cannot write {display(str(root))}: {_reason(error)}") from None
        problems = simulation.take_problems()
        if problems:
            raise CommandError(display(problems[0].describe()))
    except CommandError as error:
        return fail(error)
    written = [session for session in simulation.sessions if session.state != "new"]
    sessions = count_of(len(written), "session file")
    print(f"wrote a sample coordination directory to {display(str(root))} ({sessions})")
    if root != DEFAULT_DIR:
        print(f"try: coordinator-tui status {display(str(root))}")
    else:
        print("try: coordinator-tui status")
    return 0


def _check_empty(root: Path) -> None:
    """Refuse (exit 2) a path that is a file or a folder with anything in it."""
    if root.is_symlink() or (root.exists() and not root.is_dir()):
        raise CommandError(f"{display(str(root))} exists and is not a folder", code=2)
    if root.is_dir():
        try:
            busy = any(os.scandir(root))
        except OSError as error:
            raise CommandError(f"cannot list {display(str(root))}: {_reason(error)}") from None
        if busy:
            raise CommandError(
                f"{display(str(root))} is not empty; give a new or empty folder", code=2
            )


def _reason(error: OSError) -> str:
    return display(error.strerror or str(error))
