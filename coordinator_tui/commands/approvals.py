"""``coordinator-tui approvals``: the permission requests agents are waiting on.

Lists the requests of one coordination directory (``--all``: of every directory with
requests in the private state folder), oldest first, with the id ``approve`` and
``deny`` take. ``--json`` prints each request whole for scripts. Also the shared part
of ``approve`` and ``deny`` (``answer_from_cli``): find the request, write the
decision, wait briefly for the agent's hook to take it.
"""

from __future__ import annotations

import argparse
import sys
import time

from coordinator_tui.approvals import rules
from coordinator_tui.approvals.decisions import AlreadyAnswered
from coordinator_tui.approvals.inbox import Inbox, NotFound, answer, taken
from coordinator_tui.approvals.requests import Request
from coordinator_tui.approvals.state import StateError
from coordinator_tui.commands.arguments import Parsers
from coordinator_tui.commands.common import CommandError, directory, fail
from coordinator_tui.render import approval_text
from coordinator_tui.render.sanitize import display, write
from coordinator_tui.render.timetext import short_age
from coordinator_tui.settings import Settings

TAKEN_WITHIN_S = 2.0
"""How long ``approve``/``deny`` wait for the hook to take the decision (it looks every
0.1 s)."""
SHORT_ID = 8


def add_parser(parsers: Parsers) -> None:
    parser = parsers.add(
        "approvals",
        "List the permission requests agents are waiting on (answer with approve/deny).",
    )
    parser.add_argument("dir", nargs="?", metavar="DIR")
    parser.add_argument("--json", action="store_true", help="every request whole, for scripts")
    parser.add_argument(
        "--all", action="store_true", help="every directory with requests, not only DIR"
    )


def inbox_for(args: argparse.Namespace, every: bool = False) -> Inbox:
    """The inbox of DIR (``--dir`` or the positional), or of every directory."""
    roots = None if every else [str(directory(args))]
    try:
        return Inbox(roots)
    except StateError as error:
        raise CommandError(display(str(error))) from None


def main(args: argparse.Namespace, settings: Settings) -> int:
    try:
        inbox = inbox_for(args, every=args.all)
    except CommandError as error:
        return fail(error)
    now = time.time()
    view = inbox.read(now)
    if args.json:
        write(
            {
                "directories": [place.root for place in inbox.places],
                "requests": [_json_of(request, now) for request in view.requests],
                "problems": [{"path": path, "reason": why} for path, why in view.problems],
            }
        )
        return 0
    where = "every directory" if args.all else display(inbox.places[0].root)
    if not view.requests:
        print(f"No permission request is waiting in {where}.")
    else:
        count = len(view.requests)
        print(f"{count} permission request{'s' * (count != 1)} waiting in {where}, oldest first:")
        for request in view.requests:
            print("  " + line_of(request, now))
        print("Answer: coordinator-tui approve ID [--always] | deny ID [--reason TEXT]")
    for path, why in view.problems:
        print(f"coordinator-tui: {display(path)}: {display(why)}", file=sys.stderr)
    return 0


def line_of(request: Request, now: float) -> str:
    """``3f9a1c2e  12s  session (claude)  Bash  npm test``."""
    age = short_age(max(now - request.created_at, 0.0))
    who = f"{display(request.session, 40)} ({display(request.agent, 12)})"
    pane = "" if request.answerable else "  [answer in the pane]"
    text = approval_text.summary(request)
    return f"{request.id[:SHORT_ID]}  {age:>4}  {who}  {display(request.tool, 30)}  {text}{pane}"


def _json_of(request: Request, now: float) -> dict[str, object]:
    document = request.to_json()
    document.pop("extra", None)
    document["summary"] = approval_text.summary(request)
    document["age_s"] = round(max(now - request.created_at, 0.0), 3)
    return document


def add_answer_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID", help="the request's id, or its first characters")
    parser.add_argument(
        "--dir", default=None, metavar="DIR", help="look only in this coordination directory"
    )


def answer_from_cli(args: argparse.Namespace, behavior: str, message: str = "") -> int:
    """Answer one request for ``approve``/``deny``: 0 once the agent's hook took it, 1 when
    no such request waits, someone answered first, or the hook did not take it."""
    try:
        inbox = inbox_for(args, every=args.dir is None)
        request = inbox.find(args.id)
        if getattr(args, "always", False):
            _add_rule(request)
        answer(inbox, request, behavior, message, "cli")
    except CommandError as error:
        return fail(error)
    except (NotFound, ValueError) as error:
        return fail(CommandError(display(str(error).strip("'\""))))
    except AlreadyAnswered:
        return fail(CommandError(f"request {request.id[:SHORT_ID]} was already answered"))
    done = "allowed" if behavior == "allow" else "denied"
    what = f"{display(request.tool, 30)} {approval_text.summary(request)}"
    said = f"{done} {request.id[:SHORT_ID]} ({display(request.session, 40)}: {what})"
    if not taken(inbox, request, TAKEN_WITHIN_S):
        return fail(
            CommandError(
                f"{said}, but the agent's hook has not taken the answer within "
                f"{TAKEN_WITHIN_S:g} s (it may have stopped waiting)"
            )
        )
    print(said)
    return 0


def _add_rule(request: Request) -> None:
    """``--always``: the rule for this tool and command, path or URL, added to the
    config file and printed, before the request is answered."""
    rule = rules.rule_for(request)
    if rule is None:
        raise CommandError(
            f"--always: {display(request.tool)} has no command, path or URL to pin a rule to; "
            "nothing answered (approve it without --always)"
        )
    try:
        path = rules.append(rule)
    except (rules.RulesError, OSError) as error:
        raise CommandError(f"--always: the rule was not added: {display(str(error))}") from None
    print(f"rule added to {display(path)}:")
    print(rule.toml(), end="")
