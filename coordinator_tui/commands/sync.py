"""``coordinator-tui sync [DIR] [--once] [--every 15s] [--remote origin]``.

Shares a coordination directory between machines through the git repository
it lives in: each round fetches, commits only coordination files, pushes, and
only then writes what arrived (see ``coordinator_tui.sync``); every file read or
written is capped at the ``max_file_bytes`` setting. One line per round, naming
what was refused; ``--once`` exits 0 when the round succeeded and 1 when it did
not (the line says why). A DIR outside a git work tree, a detached HEAD or an
unknown remote is a usage error (exit 2).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from typing import Any

from coordinator_tui.commands.common import CommandError, directory, fail
from coordinator_tui.render.sanitize import display
from coordinator_tui.settings import Settings
from coordinator_tui.sync.engine import SyncBlocked, open_target
from coordinator_tui.sync.local import StatCache
from coordinator_tui.sync.rounds import RoundResult, sync_round

_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*$")


def duration(text: str) -> float:
    """``15s``, ``2m``, ``1h`` or plain seconds, greater than 0 (argparse type)."""
    match = _DURATION.match(text)
    if not match or float(match.group(1)) <= 0:
        raise argparse.ArgumentTypeError(f"not a positive duration like 15s, 2m or 1h: {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def add_parser(subparsers: Any) -> None:
    """Register ``sync`` with an argparse-style ``add_parser(name, **kwargs)`` registry."""
    parser = subparsers.add_parser(
        "sync",
        help="share the directory with other machines through git",
        description="Share a coordination directory through the git repository it is in: "
        "fetch, commit only coordination files, push (never forced), then write what "
        "arrived; never a file outside the coordination names, never a link.",
    )
    parser.add_argument("dir", nargs="?", metavar="DIR", help="coordination directory (in git)")
    parser.add_argument("--once", action="store_true", help="one round, then exit")
    parser.add_argument(
        "--every",
        type=duration,
        default=15.0,
        metavar="DURATION",
        help="time between rounds: 15s (default), 2m, 1h",
    )
    parser.add_argument("--remote", default="origin", help="git remote to sync with")


def main(args: argparse.Namespace, settings: Settings) -> int:
    try:
        root = directory(args)
        try:
            target = open_target(root, args.remote)
        except SyncBlocked as error:
            raise CommandError(display(str(error)), code=2) from None
    except CommandError as error:
        return fail(error)
    cap = settings.max_file_bytes
    if args.once:
        result = sync_round(target, max_bytes=cap)
        print(describe(result), file=sys.stdout if result.ok else sys.stderr)
        return 0 if result.ok else 1
    cache = StatCache()
    while True:
        started = time.monotonic()
        result = sync_round(target, max_bytes=cap, cache=cache)
        print(describe(result), file=sys.stdout if result.ok else sys.stderr, flush=True)
        time.sleep(max(0.0, args.every - (time.monotonic() - started)))


def describe(result: RoundResult) -> str:
    """One line for a round: outcome, counts, lost claims, the error if any."""
    parts = [f"sync: {result.outcome}"]
    if result.committed:
        parts.append(f"{len(result.committed)} file(s) sent")
    if result.arrived:
        parts.append(f"{len(result.arrived)} file(s) arrived")
    for lost in result.lost_claims:
        parts.append(f"claim {lost['path']} lost by {lost['lost_by']} to {lost['held_by']}")
    if result.conflicts and len(result.conflicts) > len(result.lost_claims):
        parts.append(f"{len(result.conflicts) - len(result.lost_claims)} conflict(s), remote kept")
    if result.refused:
        parts.append(f"{len(result.refused)} file(s) refused ({result.refused[0]})")
    if result.attempts > 1:
        parts.append(f"{result.attempts} attempts")
    if result.commit:
        parts.append(f"at {result.commit[:12]}")
    if result.error:
        parts.append(result.error)
    return display("; ".join(parts))
