"""``coordinator-tui session start|beat|claim|release|inbox|end``: the session client.

What the collective's shell scripts did, done right: valid JSON, atomic writes,
claims that cannot be taken from a live holder. ``--id`` defaults to
``$COORDINATOR_SESSION``. Exit 0 on success, 1 when a claim is refused (the
message names the holder) or the disk refuses, 2 for a bad command line.
"""

from __future__ import annotations

import argparse

ACTIONS = ("start", "beat", "claim", "release", "inbox", "end")


def build_parser(parser_class: type[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """The ``session`` parser and its six actions (``parser_class`` turns errors into exit 2)."""
    parser = parser_class(
        prog="coordinator-tui session",
        description="Write a session's own files: register, heartbeat, claim, read messages.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    helps = {
        "start": "register a session (prints its id)",
        "beat": "heartbeat, optionally with new work or state",
        "claim": "claim a piece of work or paths (exit 1 if another live session holds it)",
        "release": "release claims",
        "inbox": "print unread messages (each delivered once)",
        "end": "mark the session ended and release its claims",
    }
    for action in ACTIONS:
        sub = actions.add_parser(action, help=helps[action], description=helps[action])
        sub.add_argument("dir", nargs="?", metavar="DIR", help="coordination directory")
        sub.add_argument(
            "--id", dest="session_id", metavar="ID", help="default $COORDINATOR_SESSION"
        )
        _options(action, sub)
    return parser


def _options(action: str, sub: argparse.ArgumentParser) -> None:
    if action in ("start", "beat"):
        sub.add_argument("--work", metavar="TEXT", help="what the session works on")
    if action == "start":
        sub.add_argument("--capabilities", metavar="A,B", default=None)
        sub.add_argument("--agent", metavar="KIND", default="cli", help="claude, codex, gemini…")
    if action == "beat":
        sub.add_argument("--state", choices=("working", "waiting", "idle"))
    if action in ("claim", "release"):
        what = sub.add_mutually_exclusive_group(required=True)
        what.add_argument("--name", metavar="NAME", help="a named piece of work")
        what.add_argument("--path", nargs="+", metavar="GLOB", help="paths, from this folder")
        if action == "release":
            what.add_argument("--all", action="store_true", help="every claim of this session")
        sub.add_argument("--type", default="task", metavar="TYPE", help="claim type (default task)")
    if action == "claim":
        sub.add_argument("--ttl", default="2h", metavar="DURATION", help="2h, 30m, 1d (default 2h)")
    if action == "inbox":
        sub.add_argument("--json", action="store_true", help="a JSON list")
        sub.add_argument("--peek", action="store_true", help="do not mark them read")


def main(args: argparse.Namespace) -> int:
    """Run the action; its module (and the analysis core it needs) loads only now, so
    building the command line stays cheap for every other command."""
    from coordinator_tui.commands.agents.session_actions import run

    return run(args)
