"""``coordinator-tui stop SESSION``: end an agent, its tmux window, its session, its claims.

Shows what it will do and asks (``--yes``: does not ask). A worktree ``start`` made is
kept when it has uncommitted changes; without changes it is removed when you say so
(``--remove-worktree``, or yes to the question); its branch always stays, and the
output names it. Exit 0 when stopped, 1 when the session is unknown or you said no,
2 for a bad command line (or a question with no terminal to answer it).
"""

from __future__ import annotations

import argparse
import sys

from coordinator_tui.commands.arguments import Parsers
from coordinator_tui.commands.launching import Refused, now_of, refuse, root_of
from coordinator_tui.render.sanitize import display
from coordinator_tui.settings import Settings


def add_parser(parsers: Parsers) -> None:
    parser = parsers.add(
        "stop", "Stop an agent: its process, its tmux window, its session and its claims."
    )
    parser.add_argument("session", metavar="SESSION", help="the session's id")
    parser.add_argument("--dir", default=None, metavar="DIR", help="coordination directory")
    parser.add_argument("--yes", action="store_true", help="do not ask")
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument(
        "--remove-worktree",
        action="store_true",
        help="remove the session's worktree if it has no uncommitted changes",
    )
    choice.add_argument(
        "--keep-worktree", action="store_true", help="keep the worktree without asking"
    )


def main(args: argparse.Namespace, settings: Settings) -> int:
    from coordinator_tui.launch.start import LaunchError
    from coordinator_tui.launch.stop import plan, stop

    try:
        root = root_of(args)
        try:
            found = plan(root, args.session)
        except LaunchError as error:
            raise Refused(display(str(error), 300)) from None
        for line in found.describe():
            print(display(line, 400))
        if not args.yes and not _ask(f"Stop session {display(args.session)}?"):
            raise Refused("not stopped", code=1)
        remove = args.remove_worktree
        if found.removable and not (remove or args.keep_worktree or args.yes):
            remove = _ask(f"Remove the worktree {display(str(found.worktree))}?")
        try:
            done = stop(found, remove_worktree=remove, now=now_of(args))
        except OSError as error:
            raise Refused(f"could not stop: {display(str(error), 300)}") from None
    except Refused as error:
        return refuse(error)
    for line in done:
        print(display(line, 400))
    return 0


def _ask(question: str) -> bool:
    if sys.stdin is None or not sys.stdin.isatty():
        raise Refused("no terminal to answer on: pass --yes", code=2)
    answer = input(f"{question} [y/N] ").strip().lower()
    return answer in ("y", "yes")
