"""``wake``: type one short line into an idle agent's prompt, so its hook delivers the
messages waiting for it (``UserPromptSubmit`` puts them into the context).

Only when everything says the agent sits at its prompt: its session says ``idle`` (the
hooks' word), it runs on this host in a tmux pane that still exists, and the pane shows
the agent's empty input line with no dialog and no turn running. A line typed into a
busy Claude Code is queued and injected mid-turn, and one typed into a dialog answers
it: when in doubt, nothing is typed and the reason is given.

What an idle prompt looks like was read off the real CLIs in tmux (``tests/fixtures/
panes``): Claude Code 2.1.332 (an empty ``❯`` line between two rules, the footer
without ``esc to interrupt``) and Codex 0.171.0 (``›`` with only its placeholder, below
anything it printed; its startup model dialog is a ``›`` line too, with a number).
Gemini CLI is recognised by its ``>`` input line and its placeholder, not checked
against the real CLI here.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from coordinator_tui.agents import client, tmux
from coordinator_tui.launch import records
from coordinator_tui.launch.start import LaunchError

WAKE_LINE = "New coordinator messages: read them"
AGENTS = ("claude", "codex", "gemini")
_RULE = re.compile(r"^\s*─{20,}\s*$")
_SPACES = " \xa0\t"
BUSY = {
    "claude": ("esc to interrupt",),
    "codex": ("esc to interrupt", "working ("),
    "gemini": ("esc to cancel",),
}
"""What each agent shows while a turn runs (compared in lower case)."""
DIALOG = (
    *("do you want to proceed", "esc to cancel ·", "enter/esc confirm"),
    *("allow execution", "apply this change"),
)
"""What a permission or confirmation dialog shows (compared in lower case)."""


@dataclass(frozen=True)
class WakeCheck:
    ready: bool
    reason: str
    """Why not (or ``ready``)."""
    pane: str | None = None
    socket: str | None = None


def prompt_ready(agent: str, screen: str) -> tuple[bool, str]:
    """Whether ``screen`` (a pane's text) is ``agent`` waiting at an empty prompt."""
    lines = screen.rstrip("\n").splitlines()
    lowered = screen.lower()
    if any(mark in lowered for mark in DIALOG):
        return False, "the pane shows a dialog"
    tail = "\n".join(lines[-6:]).lower()
    if any(mark in tail for mark in BUSY.get(agent, ())):
        return False, "the pane shows a turn running"
    if agent == "claude":
        found = _claude_input(lines)
    elif agent == "codex":
        found = _input_line(lines, "›")
    else:
        found = _input_line(lines, ">")
    return (True, "ready") if found else (False, "the pane does not show the agent's empty prompt")


def _claude_input(lines: list[str]) -> bool:
    """An input box: a rule, ``❯`` and nothing typed, a rule (the lowest such box)."""
    for index in range(len(lines) - 1, 1, -1):
        if _RULE.match(lines[index]) and _RULE.match(lines[index - 2]):
            return lines[index - 1].strip(_SPACES) in ("❯", ">")
    return False


def _input_line(lines: list[str], mark: str) -> bool:
    """A line near the bottom holding the prompt mark and at most a placeholder (the
    dim hint these CLIs show in an empty input, e.g. "Type your message…")."""
    for line in reversed(lines[-12:]):
        text = line.strip(_SPACES + "│┃")
        if text == mark:
            return True
        if text.startswith(mark + " "):
            rest = text[len(mark) :].strip(_SPACES).lower()
            return rest.startswith(("type your message", "ask codex", "implement", "explain"))
    return False


def check(root: Path, session_id: str) -> WakeCheck:
    """Whether ``session_id``'s agent may be woken now, and why not."""
    try:
        client.check_id(session_id)
    except client.SessionError as error:
        return WakeCheck(False, str(error))
    document = client.load(str(root), session_id)
    if document is None:
        return WakeCheck(False, f"no session {session_id}")
    agent = document.get("agent")
    if agent not in AGENTS:
        return WakeCheck(False, "not an agent with hooks (claude, codex, gemini)")
    state = document.get("state")
    if state != "idle":
        return WakeCheck(False, f"the session is {state!s:.20}, not idle")
    if document.get("host") not in (None, os.uname().nodename):
        return WakeCheck(False, f"it runs on {document.get('host')!s:.60}, not here")
    pane, socket = document.get("tmux_pane"), document.get("tmux_socket")
    if not pane:
        return WakeCheck(False, "it does not run in tmux")
    try:
        info = tmux.pane_info(str(pane), socket if isinstance(socket, str) else None)
        if info is None or info.dead:
            return WakeCheck(False, f"its tmux pane {pane!s:.20} is gone")
        screen = tmux.capture(info.pane, socket if isinstance(socket, str) else None)
    except (ValueError, tmux.TmuxError) as error:
        return WakeCheck(False, f"its tmux pane cannot be read: {error}")
    ready, reason = prompt_ready(str(agent), screen)
    return WakeCheck(ready, reason, info.pane, socket if isinstance(socket, str) else None)


def wake(root: Path, session_id: str, now: datetime | None = None) -> str:
    """Type the line if ``check`` allows (``LaunchError`` with the reason if not)."""
    found = check(root, session_id)
    if not found.ready or found.pane is None:
        raise LaunchError(f"not woken: {found.reason}")
    try:
        tmux.type_line(found.pane, WAKE_LINE, found.socket)
    except (ValueError, tmux.TmuxError) as error:
        raise LaunchError(f"not woken: {error}") from None
    moment = now or datetime.now(timezone.utc)
    detail = f"typed {WAKE_LINE!r} into pane {found.pane}"
    records.timeline(root, session_id, "woken", detail, moment)
    return f"woke {session_id}: {detail}"
