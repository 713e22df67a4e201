"""``coordinator-tui archive``: move old heartbeat events and messages into a tar archive.

``--older-than 7d`` moves what is older into ``.coordinator/archive/`` (how, and why
nothing is lost, is ``history.archive``) and prints, per kind, ``before = kept +
archived``. ``--dry-run`` prints the same and moves nothing. ``--list [PATTERN]``
searches the archives (file names and text) instead.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from coordinator_tui.commands.arguments import Parsers
from coordinator_tui.commands.common import CommandError, directory, fail
from coordinator_tui.settings import Settings

if TYPE_CHECKING:
    from coordinator_tui.history.archive import ArchiveResult

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)([smhdw]?)")
KIND_WORDS = {
    "heartbeat": "heartbeat events",
    "broadcast": "broadcasts",
    "direct": "direct messages",
}


def duration(text: str) -> float:
    """``7d``, ``12h``, ``30m``, ``90s``, ``2w`` or plain seconds; greater than 0."""
    match = _DURATION.fullmatch(text.strip().lower())
    if match is None or float(match.group(1)) <= 0:
        raise argparse.ArgumentTypeError(f"not a duration like 7d, 12h, 30m: {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2) or "s"]


def add_parser(parsers: Parsers) -> None:
    parser = parsers.add(
        "archive",
        "Move heartbeat events and messages older than --older-than into a compressed tar "
        "under DIR/.coordinator/archive/ (nothing lost: counts before = kept + archived).",
    )
    parser.add_argument("dir", nargs="?", metavar="DIR")
    parser.add_argument(
        "--older-than", type=duration, default=None, metavar="AGE", help="for example 7d, 12h"
    )
    parser.add_argument("--dry-run", action="store_true", help="print the counts, move nothing")
    parser.add_argument(
        "--list",
        nargs="?",
        const="",
        default=None,
        metavar="PATTERN",
        help="list archived files whose name or text holds PATTERN (all without one)",
    )
    parser.add_argument("--xz", action="store_true", help="tar.xz (smaller, slower) not tar.gz")


def main(args: argparse.Namespace, settings: Settings) -> int:
    try:
        root = directory(args)
        if args.list is None and args.older_than is None:
            raise CommandError("archive: give --older-than AGE (or --list)", code=2)
    except CommandError as error:
        return fail(error)
    from coordinator_tui.history import archive

    try:
        if args.list is not None:
            return _list(root, args.list or None)
        result = archive.archive_history(
            root,
            args.older_than,
            _now(args),
            dry_run=args.dry_run,
            max_bytes=settings.max_file_bytes,
            compression="xz" if args.xz else "gz",
        )
    except OSError as error:
        return fail(CommandError(f"archive: {error}"))
    _print_result(result, args.dry_run)
    return 0


def _now(args: argparse.Namespace) -> float:
    moment = getattr(args, "now", None)
    return moment.timestamp() if moment is not None else time.time()


def _print_result(result: ArchiveResult, dry_run: bool) -> None:
    verb = "would be archived" if dry_run else "archived"
    kept = result.kept
    for kind, word in KIND_WORDS.items():
        print(
            f"{word}: {result.before[kind]} before = {kept[kind]} kept + "
            f"{result.archived[kind]} {verb}"
        )
    if result.finished:
        print(f"an interrupted earlier run finished: {result.finished} archived originals deleted")
    for path, reason in result.skipped:
        print(f"kept (could not be read): {path}: {reason}")
    if result.archive is not None:
        print(f"archive: {result.archive}")
    elif not dry_run:
        print("nothing to archive")


def _list(root: Path, pattern: str | None) -> int:
    """Every archived file matching ``pattern``: archive, path, its text on one line; an
    archive that cannot be read is a line on stderr naming it (and exit 1)."""
    from coordinator_tui.history.archive import search
    from coordinator_tui.render.sanitize import clip, one_line

    found = 0
    errors: list[str] = []
    out = sys.stdout
    for name, path, text in search(root, pattern, errors):
        found += 1
        out.write(f"{one_line(name)}\t{one_line(path)}\t{clip(one_line(text), 160)}\n")
    for error in errors:
        print(f"coordinator-tui: archive {one_line(error)}", file=sys.stderr)
    if not found:
        print("nothing archived matches" if pattern else "nothing archived", file=sys.stderr)
    return 0 if (found or not pattern) and not errors else 1
