"""``t``: switch this tmux client to a session's pane, or say in one line why not.

Without Textual: ``plan`` decides from the session file and the environment,
``switch`` runs tmux (in a worker thread) and words what happened; the screen
only shows the words.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from typing import Literal

from coordinator_tui.agents.tmux import tmux_switch_command
from coordinator_tui.analysis import SessionView
from coordinator_tui.tui.rows import cell_text

TIMEOUT_S = 5.0
Severity = Literal["information", "warning", "error"]


@dataclass(frozen=True, slots=True)
class Note:
    """What to tell the user instead of (or after) switching."""

    message: str
    severity: Severity


@dataclass(frozen=True, slots=True)
class Switch:
    """Run ``argv`` to show ``pane`` (the session named ``name``)."""

    argv: list[str]
    name: str
    pane: str


def plan(view: SessionView, inside_tmux: bool) -> Switch | Note:
    pane = view.session.extra.get("tmux_pane")
    socket = view.session.extra.get("tmux_socket")
    return plan_pane(cell_text(view.id, 40), pane, socket, inside_tmux)


def plan_pane(name: str, pane: object, socket: object, inside_tmux: bool) -> Switch | Note:
    """Switch to ``pane`` (the agent named ``name``: a session, or one asking for
    approval), or why not."""
    if not isinstance(pane, str) or not pane:
        why = f"{name} has no tmux pane recorded (its agent does not run in tmux)"
        return Note(why, "warning")
    try:
        argv = tmux_switch_command(pane, socket if isinstance(socket, str) else None)
    except ValueError as error:
        return Note(f"Cannot jump to {name}: {error}", "error")
    if not inside_tmux:
        why = f"Not inside tmux: run the dashboard in tmux to jump to {name} (pane {pane})"
        return Note(why, "warning")
    return Switch(argv, name, pane)


def switch(order: Switch) -> Note:
    """In a worker thread: run tmux, then say what happened."""
    try:
        done = subprocess.run(
            order.argv, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return Note(f"tmux did not run: {error}", "error")
    if done.returncode:
        reason = cell_text(done.stderr.strip() or f"exit {done.returncode}", 200)
        return Note(f"tmux could not switch to {order.pane}: {reason}", "error")
    return Note(f"Switched to {order.name} (pane {order.pane})", "information")
