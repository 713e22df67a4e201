"""The ``session`` actions (parsed in ``commands/agents/session.py``)."""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

from coordinator_tui.agents import claims, client, receipts
from coordinator_tui.agents.inbox import Inbox
from coordinator_tui.commands.common import CommandError, fail
from coordinator_tui.files.locate import DirectoryNotFound, resolve_directory
from coordinator_tui.render.sanitize import display
from coordinator_tui.render.sanitize import write as write_json


def run(args: argparse.Namespace) -> int:
    try:
        root = _directory(args)
        session_id = _session_id(args)
        return HANDLERS[args.action](root, session_id, args)
    except CommandError as error:
        return fail(error)
    except client.SessionError as error:
        return fail(CommandError(display(str(error)), code=2))
    except BrokenPipeError:
        raise  # the reader went away (``| head``): not a write failure; see ``entry``
    except OSError as error:
        return fail(CommandError(f"could not write: {display(str(error))}"))


def _directory(args: argparse.Namespace) -> str:
    start = args.action == "start"
    try:
        path = resolve_directory(args.dir, must_exist=not start)
    except DirectoryNotFound as error:
        raise CommandError(str(error), code=2) from None
    if start:
        os.makedirs(path / "sessions", exist_ok=True)
    return str(path)


def _session_id(args: argparse.Namespace) -> str:
    value = args.session_id or os.environ.get("COORDINATOR_SESSION")
    if value:
        return client.check_id(value)
    if args.action == "start":
        return f"session-{int(time.time())}-{os.getpid()}"
    raise CommandError("no --id given and $COORDINATOR_SESSION is not set", code=2)


def _start(root: str, session_id: str, args: argparse.Namespace) -> int:
    capabilities = None
    if args.capabilities is not None:
        capabilities = [part.strip() for part in args.capabilities.split(",") if part.strip()]
    work = client.one_line(args.work)
    client.start(
        root, session_id, args.agent, work, capabilities, client.environment(pid=os.getppid())
    )
    print(session_id)
    return 0


def _beat(root: str, session_id: str, args: argparse.Namespace) -> int:
    client.beat(root, session_id, work=client.one_line(args.work), state=args.state)
    return 0


def _claim(root: str, session_id: str, args: argparse.Namespace) -> int:
    try:
        hours = claims.parse_ttl(args.ttl)
    except ValueError as error:
        raise CommandError(f"--ttl: {error}", code=2) from None
    now = time.time()
    try:
        for file_name, claim in _claims_asked(session_id, args, hours, now):
            outcome = claims.take(root, session_id, file_name, claim, now)
            print(f"{outcome}: {display(claim['resource_type'])} {display(claim['resource_name'])}")
    except claims.ClaimRefused as refused:
        raise CommandError(display(str(refused)), code=1) from None
    return 0


def _claims_asked(
    session_id: str, args: argparse.Namespace, hours: float, now: float
) -> list[tuple[str, dict[str, Any]]]:
    if args.name is not None:
        name = _checked(claims.named_claim_name, args.type, args.name)
        return [(name, claims.document(session_id, args.type, args.name, hours, now))]
    tree = claims.work_tree(os.getcwd())
    extra = {"worktree": tree}
    return [
        (
            claims.path_claim_name(glob),
            claims.document(session_id, claims.PATH_TYPE, glob, hours, now, extra),
        )
        for glob in _globs(args.path, tree)
    ]


def _globs(paths: list[str], tree: str) -> list[str]:
    return [_checked(claims.relative_glob, path, os.getcwd(), tree) for path in paths]


def _checked(check: Callable[..., str], *values: str) -> str:
    """``check(*values)``, its ``ValueError`` (a bad name or path) as a usage error."""
    try:
        return check(*values)
    except ValueError as error:
        raise CommandError(display(str(error)), code=2) from None


def _release(root: str, session_id: str, args: argparse.Namespace) -> int:
    if args.all:
        names = None
    elif args.name is not None:
        names = [_checked(claims.named_claim_name, args.type, args.name)]
    else:
        tree = claims.work_tree(os.getcwd())
        names = [claims.path_claim_name(glob) for glob in _globs(args.path, tree)]
    released = claims.release(root, session_id, names)
    for name in released:
        print(f"released: {display(name)}")
    if not released and not args.all:
        raise CommandError("no such claim held by this session", code=1)
    return 0


def _inbox(root: str, session_id: str, args: argparse.Namespace) -> int:
    inbox = Inbox(root, session_id)
    unread = inbox.unread()
    messages = [{k: v for k, v in m.items() if not k.startswith("_")} for m in unread]
    if args.json:
        write_json(messages, pretty=True)  # controls and lone surrogates as \u escapes
    else:
        for message in messages:
            sender, subject = display(message.get("from"), 60), display(message.get("subject"), 120)
            when = display(message.get("timestamp"), 30)
            print(f"{display(message.get('kind'))} from {sender} at {when}: {subject}")
            print(f"  {display(message.get('message'), 2000)}")
    if not args.peek:
        inbox.mark(unread, everything=True)
        inbox.save()
        receipts.note(root, session_id, "inbox", unread, time.time())
    return 0


def _end(root: str, session_id: str, args: argparse.Namespace) -> int:
    if client.end(root, session_id) is None:
        raise CommandError(f"session {session_id} is not registered in {root}", code=1)
    for name in claims.release(root, session_id):
        print(f"released: {display(name)}")
    return 0


HANDLERS = {
    "start": _start,
    "beat": _beat,
    "claim": _claim,
    "release": _release,
    "inbox": _inbox,
    "end": _end,
}
