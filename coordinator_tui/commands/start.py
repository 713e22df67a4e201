"""``coordinator-tui start``: an agent on one priority, in a new tmux window.

Inside tmux the window opens in the current session; outside, in the tmux session
``settings.start_tmux_session`` (made when missing). ``--worktree`` gives the agent a git
worktree of its own on ``agent/<priority>``. Prints the session's id first, then where
it runs. Exit 0 when the window is open, 1 when it could not be (tmux, git, a
template, priorities.txt: one line saying why), 2 for a bad command line.
"""

from __future__ import annotations

import argparse

from coordinator_tui.commands.arguments import Parsers
from coordinator_tui.commands.launching import Refused, now_of, refuse, root_of
from coordinator_tui.render.sanitize import display
from coordinator_tui.settings import Settings

AGENTS = ("claude", "codex", "gemini")


def add_parser(parsers: Parsers) -> None:
    parser = parsers.add(
        "start",
        "Start an agent on a priority in a new tmux window (optionally in a git worktree).",
    )
    parser.add_argument("--dir", default=None, metavar="DIR", help="coordination directory")
    parser.add_argument(
        "--priority", required=True, metavar="ID", help="the priority's name in priorities.txt"
    )
    parser.add_argument("--agent", choices=AGENTS, default="claude", help="default: claude")
    parser.add_argument(
        "--worktree",
        action="store_true",
        help="a new git worktree on branch agent/<priority>, beside the repository",
    )
    parser.add_argument("--window", metavar="NAME", help="the tmux window's name")


def main(args: argparse.Namespace, settings: Settings) -> int:
    from coordinator_tui.launch.start import LaunchError, StartRequest, start

    try:
        root = root_of(args)
        request = StartRequest(root, args.priority, args.agent, args.worktree, args.window)
        try:
            started = start(request, settings, now_of(args))
        except LaunchError as error:
            raise Refused(display(str(error), 600)) from None
        except OSError as error:
            raise Refused(f"could not start: {display(str(error), 300)}") from None
    except Refused as error:
        return refuse(error)
    print(started.session_id)
    print(
        f"{started.agent} on priority {display(started.priority)} in tmux window "
        f"{started.window} ({started.pane}) of session {display(started.tmux_session)}"
    )
    if started.worktree is not None:
        print(f"worktree {display(str(started.worktree.path))} on branch {started.worktree.branch}")
    for note in started.notes:
        print(display(note, 400))
    return 0
