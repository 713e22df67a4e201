"""``coordinator-tui deny ID``: refuse a waiting permission request.

``--reason`` reaches the agent's model with the refusal, so it can do something else.
"""

from __future__ import annotations

import argparse

from coordinator_tui.commands.approvals import add_answer_arguments, answer_from_cli
from coordinator_tui.commands.arguments import Parsers
from coordinator_tui.settings import Settings


def add_parser(parsers: Parsers) -> None:
    parser = parsers.add("deny", "Refuse a permission request an agent is waiting on.")
    add_answer_arguments(parser)
    parser.add_argument(
        "--reason", default="", metavar="TEXT", help="why; the agent's model reads it"
    )


def main(args: argparse.Namespace, settings: Settings) -> int:
    return answer_from_cli(args, "deny", args.reason)
