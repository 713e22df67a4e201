"""The approval hook: a permission request waits here for an answer from the inbox.

On ``PermissionRequest`` (Claude Code, Codex) the user's rules answer first; else the
request is written to the private state folder, the session is marked waiting, and
the hook looks every 100 ms (a ``stat`` or two: no busy loop) for a decision, up to
``approval_wait_s``. Claude Code shows its own dialog at once and the hook races it:
our answer closes the dialog; an answer in the pane first ends the request (No and
Esc send this hook SIGTERM; Yes comes as the PostToolUse of the same tool and input,
seen by that event's hook, ``on_event``); no answer in time: nothing is returned and
the dialog, there all along, still answers. Codex asks its hooks before it shows its
prompt, so there the prompt comes once the wait is over. Gemini CLI's ``ToolPermission``
notification is only shown ("answer in the pane"), never answered.

Cheap on every other event: ``on_event`` lists one folder (its name from
``files.config_file`` and ``approvals.ids``) and loads the rest of the approval core only
when a request of this directory is pending.
"""

from __future__ import annotations

import os
import time

from coordinator_tui.approvals.ids import key_of
from coordinator_tui.files.config_file import user_state_folder

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    from coordinator_tui.approvals.requests import Request
    from coordinator_tui.approvals.state import Place

WAIT_VARIABLE = "COORDINATOR_TUI_APPROVAL_WAIT_S"
TIMEOUT_MARGIN_S = 15
"""``hooks install`` gives the PermissionRequest hook ``approval_wait_s`` plus this."""
OLD_INSTALL_WAIT_S = 8.0
"""The wait when the command carries no ``--approval-wait``: installed before approvals
existed, with a 10 s timeout the agent would kill the hook at."""
POLL_S = 0.1
OBSERVE_TTL_S = 3600.0
"""How long a shown-only request (Gemini's) stays without a later event of its session."""
PROJECT_VARIABLES = ("CLAUDE_PROJECT_DIR", "GEMINI_PROJECT_DIR")
DENIED = "The user denied this from the coordinator-tui approval inbox"
DENIED_BY_RULE = "Denied by one of the user's coordinator-tui approval rules"
NOT_PRIVATE = (
    "the private state folder lies inside this agent's project, where it could write a "
    "decision: answer in the pane"
)


class Cancelled(Exception):
    """The agent ended the wait (SIGTERM: the person answered in the pane)."""


def wait_seconds(installed: float | None, environ: Mapping[str, str] = os.environ) -> float:
    """``$COORDINATOR_TUI_APPROVAL_WAIT_S``, else the installed ``--approval-wait``; never
    so long that the agent's hook timeout (installed wait + margin) would cut it."""
    import math

    if installed is not None and not (math.isfinite(installed) and installed >= 0):
        installed = None
    limit = OLD_INSTALL_WAIT_S if installed is None else installed + TIMEOUT_MARGIN_S - 5
    value = OLD_INSTALL_WAIT_S if installed is None else installed
    raw = environ.get(WAIT_VARIABLE)
    if raw:
        try:
            number = float(raw)
        except ValueError:
            number = math.nan
        if math.isfinite(number) and number >= 0:
            value = number
    return max(0.0, min(value, limit))


def reply(behavior: str, message: str = "", said: str = DENIED) -> dict[str, Any]:
    """The PermissionRequest answer Claude Code and Codex both read; a deny tells the
    model who said no (``said``) and why."""
    decision: dict[str, Any] = {"behavior": behavior}
    if behavior == "deny":
        decision["message"] = f"{said}: {message}" if message else f"{said}."
    return {"hookSpecificOutput": {"hookEventName": "PermissionRequest", "decision": decision}}


def _projects(cwd: str, environ: Mapping[str, str]) -> list[str]:
    found = [cwd] + [environ.get(name, "") for name in PROJECT_VARIABLES]
    return [folder for folder in found if folder and os.path.isabs(folder)]


def _place(root: str, log: Callable[[str], Any], environ: Mapping[str, str]) -> Place | None:
    from coordinator_tui.approvals import state

    try:
        return state.Place(state.open_state(None, environ), root)
    except state.StateError as error:
        log(f"approvals: {error}")
        return None


def make_request(
    place: Place,
    agent: str,
    session: str,
    cwd: str,
    tool: str,
    tool_input: object,
    now: float,
    wait_s: float,
    environ: Mapping[str, str],
) -> Request:
    from coordinator_tui.approvals import ids, requests

    stored, clipped = requests.clip_input(tool_input)
    tmux = environ.get("TMUX", "")
    pid = os.getpid()
    return requests.Request(
        id=ids.new_id(),
        root=place.root,
        session=session,
        agent=agent,
        tool=tool,
        tool_input=stored,
        cwd=cwd,
        digest=ids.digest(tool, tool_input),
        created_at=now,
        expires_at=now + wait_s,
        pid=pid,
        pid_start=ids.process_start(pid),
        host=os.uname().nodename,
        tmux_pane=environ.get("TMUX_PANE") or None,
        tmux_socket=tmux.split(",", 1)[0] or None,
        clipped=clipped,
    )


def ask(
    root: str,
    agent: str,
    session: str,
    cwd: str,
    payload: dict[str, Any],
    installed_wait: float | None,
    mark_waiting: Callable[[], Any],
    log: Callable[[str], Any],
    environ: Mapping[str, str] = os.environ,
) -> dict[str, Any] | None:
    """Answer a PermissionRequest by rule or from the inbox; None leaves it to the
    agent's own prompt."""
    import signal
    from dataclasses import replace

    from coordinator_tui.approvals import audit, requests, rules

    tool = payload.get("tool_name")
    if not isinstance(tool, str) or not tool:
        return None
    place = _place(root, log, environ)
    if place is None:
        mark_waiting()
        return None
    now = time.time()
    wait_s = wait_seconds(installed_wait, environ)
    tool_input = payload.get("tool_input")
    request = make_request(place, agent, session, cwd, tool, tool_input, now, wait_s, environ)
    projects = _projects(cwd, environ)
    found, problems = rules.load(place.root, projects, environ)
    for problem in problems:
        log(f"approvals: {problem}")
    rule = rules.decide(found, request)
    if rule is not None and rule.decision != "ask":
        audit.record(
            place, "applied", request, by="rule", behavior=rule.decision, rule=rule.describe()
        )
        return reply(rule.decision, rule.reason or rule.describe(), DENIED_BY_RULE)
    mark_waiting()
    from coordinator_tui.approvals.state import is_inside

    if any(is_inside(place.state, folder) for folder in projects):
        shown = replace(request, answerable=False, note=NOT_PRIVATE, pid=None, pid_start=None)
        shown = replace(shown, expires_at=now + OBSERVE_TTL_S)
        requests.write(place, shown)
        audit.record(place, "request", shown, answerable=False)
        return None
    signals = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
    previous = {number: signal.signal(number, _cancel) for number in signals}
    try:  # trapped before the request shows: a No in the pane may come at once
        requests.write(place, request)
        audit.record(place, "request", request, wait_s=wait_s)
        return wait(place, request, wait_s)
    except Cancelled:
        _end(place, request, "pane")
        return None
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _cancel(signum: int, frame: object) -> None:
    raise Cancelled(signum)


def wait(place: Place, request: Request, wait_s: float) -> dict[str, Any] | None:
    """Look for a decision every ``POLL_S`` until one is taken, the request leaves the
    inbox, the agent goes away or ``wait_s`` runs out (SIGTERM raises ``Cancelled``)."""
    from coordinator_tui.approvals import audit, decisions

    decision_path = place.decision_path(request.id)
    pending_path = place.pending_path(request.id)
    parent = os.getppid()
    deadline = time.monotonic() + wait_s
    while True:
        if os.path.lexists(decision_path):
            taken = decisions.take(place, request, time.time())
            if isinstance(taken, decisions.Decision):
                _end(place, request, None)
                audit.record(place, "applied", request, by=taken.by, behavior=taken.behavior)
                return reply(taken.behavior, taken.message)
            if isinstance(taken, decisions.Refused):
                audit.record(place, "refused", request, reason=taken.reason)
        if not os.path.exists(pending_path):
            return None  # answered in the pane; whoever removed it audited it
        if os.getppid() != parent:
            _end(place, request, "gone")
            return None
        left = deadline - time.monotonic()
        if left <= 0:
            _end(place, request, "timeout")
            return None
        time.sleep(min(POLL_S, left))


def _end(place: Place, request: Request, by: str | None) -> None:
    """The request leaves the inbox; audited (``by``) when this call removed it."""
    from coordinator_tui.approvals import audit, requests

    if requests.remove(place, request.id) and by is not None:
        audit.record(place, "ended", request, by=by)


# --- every other event ----------------------------------------------------------------


def on_event(
    root: str,
    agent: str,
    event: str,
    session: str,
    cwd: str,
    payload: dict[str, Any],
    log: Callable[[str], Any],
    environ: Mapping[str, str] = os.environ,
) -> None:
    """Gemini's ToolPermission notification is recorded to be shown; a later event of a
    session ends its shown-only requests, and its PostToolUse ends the request of that
    very tool and input (answered Yes in the pane)."""
    if event in ("PermissionRequest", "notify"):
        return
    try:
        notice = payload.get("notification_type") if event == "Notification" else None
        if notice == "ToolPermission":
            place = _place(root, log, environ)
            if place is not None:
                observe(place, agent, session, cwd, payload, environ)
            return
        if event == "Notification":
            return
        folder = os.path.join(user_state_folder(environ), "approvals")
        pending = os.path.join(folder, key_of(os.path.realpath(root)), "pending")
        try:
            names = os.listdir(pending)
        except OSError:
            return
        if any(name.endswith(".json") for name in names):
            from coordinator_tui.approvals import state

            try:
                place = state.Place(user_state_folder(environ), root)
            except state.StateError:
                return
            _settle(place, session, event, payload)
    except Exception as error:  # the event's own work (context, messages) must go on
        log(f"approvals: {type(error).__name__}: {error}")


def _settle(place: Place, session: str, event: str, payload: dict[str, Any]) -> None:
    """End this session's shown-only requests, and on PostToolUse the request of the tool
    and input that just ran. Read as plain JSON: no dataclass on the common path."""
    import json

    from coordinator_tui.approvals import audit, ids
    from coordinator_tui.files import fsio

    ran: str | None = None
    for name in os.listdir(place.pending):
        request_id = name[:-5]
        if not (name.endswith(".json") and ids.is_id(request_id)):
            continue
        data = fsio.read_bytes(os.path.join(place.pending, name), 1 << 20)[0]
        try:
            document = json.loads(data) if data else None
        except ValueError:
            continue
        if not isinstance(document, dict) or document.get("session") != session:
            continue
        if document.get("answerable") is True:
            if event != "PostToolUse" or not isinstance(payload.get("tool_name"), str):
                continue
            ran = ran or ids.digest(payload["tool_name"], payload.get("tool_input"))
            if document.get("digest") != ran:
                continue
        try:
            os.unlink(os.path.join(place.pending, name))
        except FileNotFoundError:
            continue
        behavior = "allow" if document.get("answerable") is True else None
        audit.record(place, "ended", document, by="pane", behavior=behavior)


def observe(
    place: Place,
    agent: str,
    session: str,
    cwd: str,
    payload: dict[str, Any],
    environ: Mapping[str, str],
) -> None:
    """A request shown in the inbox and never answered from it (Gemini CLI)."""
    from dataclasses import replace

    from coordinator_tui.approvals import audit, requests

    details = payload.get("details")
    given = details if isinstance(details, dict) else {}
    title = given.get("title")
    tool = title if isinstance(title, str) and title else str(given.get("type") or "tool")
    now = time.time()
    request = make_request(place, agent, session, cwd, tool, given, now, OBSERVE_TTL_S, environ)
    message = payload.get("message")
    note = "answer in the pane" + (f": {message}" if isinstance(message, str) else "")
    request = replace(request, answerable=False, note=note, pid=None, pid_start=None)
    requests.write(place, request)
    audit.record(place, "request", request, answerable=False)
