"""``coordinator-tui send``: write one broadcast or direct message, print its path.

Unsafe ids and an empty subject are usage errors (exit 2); a disk that refuses
the write (full, read-only, permission denied) is exit 1 with the folder named,
and the atomic writer leaves nothing partial behind. A ``--to`` that names no
session in the directory is written anyway with a warning on stderr (a session
may not have started yet); ``--strict`` refuses it instead (exit 1).
``--wake`` then types one line into the recipient's prompt when its agent sits idle
there (``launch.wake``), so its hook delivers the message now; when it cannot, the
message stays written (exit 0) and stderr says why it was not woken.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from coordinator_tui.commands.arguments import Parsers
from coordinator_tui.commands.common import (
    CommandError,
    clock_of,
    directory,
    fail,
    os_error_text,
)
from coordinator_tui.render.sanitize import display
from coordinator_tui.settings import Settings
from coordinator_tui.store import Store
from coordinator_tui.write.messages import BROADCAST, Draft, MessageError, check_id, write_message


def add_parser(parsers: Parsers) -> None:
    parser = parsers.add("send", "Write a broadcast or a direct message (valid JSON, atomic).")
    parser.add_argument("dir", nargs="?", metavar="DIR")
    parser.add_argument(
        "--to",
        required=True,
        metavar="broadcast|SESSION",
        help="'broadcast' for every session, or one session's id (a direct message)",
    )
    parser.add_argument("--subject", required=True, help="the subject line (not empty)")
    parser.add_argument("--message", default=None, help="the text (default: read standard input)")
    parser.add_argument(
        "--from",
        dest="sender",
        default="coordinator",
        metavar="ID",
        help="the sender's id written in the message (default: coordinator)",
    )
    parser.add_argument(
        "--wake",
        action="store_true",
        help="with --to SESSION: type one line into its agent's prompt when it sits idle, "
        "so the message is delivered now",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="refuse (exit 1) a --to that names no session in DIR, instead of warning",
    )


def main(args: argparse.Namespace, settings: Settings) -> int:
    try:
        root = directory(args)
        body = args.message if args.message is not None else _read_stdin()
        draft = Draft(to=args.to, subject=args.subject, body=body, sender=args.sender)
        if args.wake and draft.to == BROADCAST:
            raise CommandError("--wake needs --to SESSION (one session, not broadcast)", code=2)
        try:
            if draft.to != BROADCAST:
                check_id(draft.to, "to")  # before its name is used to look for a file
            _check_recipient(root, draft.to, args.strict, settings)
            path = write_message(root, draft, clock_of(args)())
        except MessageError as error:
            raise CommandError(display(str(error)), code=2) from None
        except OSError as error:
            raise CommandError(f"could not write the message: {os_error_text(error)}") from None
    except CommandError as error:
        return fail(error)
    print(path)
    if args.wake:
        _wake(root, draft.to)
    return 0


def _wake(root: Path, session: str) -> None:
    from coordinator_tui.launch.start import LaunchError
    from coordinator_tui.launch.wake import wake

    try:
        print(display(wake(root, session), 300))
    except LaunchError as error:
        print(
            f"coordinator-tui: the message is written; {display(str(error), 300)} "
            "(its hook delivers it at its next prompt or tool call)",
            file=sys.stderr,
        )


def _check_recipient(root: Path, to: str, strict: bool, settings: Settings) -> None:
    """Warn (or with ``strict`` refuse) when ``to`` names no session in ``root``."""
    if to == BROADCAST or os.path.isfile(root / "sessions" / f"{to}.json"):
        return
    store = Store(root, settings)  # the id may differ from the file name: read them all
    store.scan()
    if any(record.session_id == to for record in store.snapshot().sessions):
        return
    where = display(str(root / "sessions"))
    if strict:
        raise CommandError(f"no session {display(to)!r} in {where}/; nothing written (--strict)")
    print(
        f"coordinator-tui: warning: no session {display(to)!r} in {where}/; "
        "writing the message anyway (--strict refuses)",
        file=sys.stderr,
    )


def _read_stdin() -> str:
    if sys.stdin is None or sys.stdin.isatty():
        raise CommandError("no --message given and standard input is a terminal", code=2)
    data = sys.stdin.buffer.read()
    text = data.decode("utf-8", errors="replace")
    return text[:-1] if text.endswith("\n") else text
