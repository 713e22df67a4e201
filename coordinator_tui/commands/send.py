"""``coordinator-tui send``: write one broadcast or direct message, print its path.

Unsafe ids and an empty subject are usage errors (exit 2); a disk that refuses
the write (full, read-only, permission denied) is exit 1, and the atomic
writer leaves nothing partial behind.
"""

from __future__ import annotations

import argparse
import sys

from coordinator_tui.commands.arguments import Parsers
from coordinator_tui.commands.common import CommandError, clock_of, directory, fail
from coordinator_tui.render.sanitize import display
from coordinator_tui.settings import Settings
from coordinator_tui.write.messages import Draft, MessageError, write_message


def add_parser(parsers: Parsers) -> None:
    parser = parsers.add("send", "Write a broadcast or a direct message (valid JSON, atomic).")
    parser.add_argument("dir", nargs="?", metavar="DIR")
    parser.add_argument("--to", required=True, metavar="broadcast|SESSION")
    parser.add_argument("--subject", required=True)
    parser.add_argument("--message", default=None, help="the text (default: read standard input)")
    parser.add_argument("--from", dest="sender", default="coordinator", metavar="ID")


def main(args: argparse.Namespace, settings: Settings) -> int:
    try:
        root = directory(args)
        body = args.message if args.message is not None else _read_stdin()
        draft = Draft(to=args.to, subject=args.subject, body=body, sender=args.sender)
        try:
            path = write_message(root, draft, clock_of(args)())
        except MessageError as error:
            raise CommandError(display(str(error)), code=2) from None
        except OSError as error:
            raise CommandError(f"could not write the message: {display(str(error))}") from None
    except CommandError as error:
        return fail(error)
    print(path)
    return 0


def _read_stdin() -> str:
    if sys.stdin is None or sys.stdin.isatty():
        raise CommandError("no --message given and standard input is a terminal", code=2)
    data = sys.stdin.buffer.read()
    text = data.decode("utf-8", errors="replace")
    return text[:-1] if text.endswith("\n") else text
