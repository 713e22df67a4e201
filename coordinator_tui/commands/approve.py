"""``coordinator-tui approve ID``: allow a waiting permission request.

The decision goes to the private state folder, bound to the request's id and to the
tool and input it asked for; the agent's hook takes it within a tenth of a second.
``--always`` also adds a rule to the user's config file (printed) so the same tool
and command, path or URL is allowed from now on without asking.
"""

from __future__ import annotations

import argparse

from coordinator_tui.commands.approvals import add_answer_arguments, answer_from_cli
from coordinator_tui.commands.arguments import Parsers
from coordinator_tui.settings import Settings


def add_parser(parsers: Parsers) -> None:
    parser = parsers.add("approve", "Allow a permission request an agent is waiting on.")
    add_answer_arguments(parser)
    parser.add_argument(
        "--always",
        action="store_true",
        help="also add a rule allowing this tool and command (or path, URL) from now on",
    )


def main(args: argparse.Namespace, settings: Settings) -> int:
    return answer_from_cli(args, "allow")
