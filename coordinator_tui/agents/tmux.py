"""Jumping to the tmux pane a session runs in (Textual-free, for the dashboard's key)."""

from __future__ import annotations

import re

_PANE = re.compile(r"^%\d+$")


def tmux_switch_command(pane: str, socket: str | None = None) -> list[str]:
    """The argv that makes the current tmux client show ``pane`` (``%12``, as hooks record
    it from ``$TMUX_PANE``): switch to its session, then select its window and pane.

    ``socket`` is the server socket the session recorded (``tmux_socket``), for an agent
    on another tmux server than the dashboard. ValueError for anything but a pane id, so
    a session file cannot smuggle options or commands into the tmux command line."""
    if not isinstance(pane, str) or not _PANE.match(pane):
        raise ValueError(f"not a tmux pane id: {pane!r}")
    base = ["tmux"]
    if socket:
        if not socket.startswith("/") or "\n" in socket:
            raise ValueError(f"not a tmux socket path: {socket!r}")
        base += ["-S", socket]
    return [
        *base,
        "switch-client",
        "-t",
        pane,
        ";",
        "select-window",
        "-t",
        pane,
        ";",
        "select-pane",
        "-t",
        pane,
    ]
