"""Agents ``coordinator-tui start`` launched: their hooks speak as the session it wrote.

``start`` writes the session file (``starting``) and ``.coordinator/launch/<id>.json``,
and runs the agent with ``COORDINATOR_SESSION=<id>`` in its environment (which the hooks
inherit). Claude Code takes ``--session-id <id>``, so its hooks already say ``<id>``;
``start`` writes ``<id>.agent`` holding ``<id>`` for it at once. Codex and Gemini CLI
choose their own id: the first of their hooks to see the variable, with the launch
record there and no ``<id>.agent`` yet, adopts the session by creating ``<id>.agent``
with its own id (exclusively: one agent per launch). From then on that agent speaks as
``<id>``. Any other agent that inherits the variable (one the launched agent runs
itself, or a Claude Code after ``/clear``) keeps its own id, so two agents never share
one session. Standard library and ``agents/`` only; nothing is read for an agent that
was not launched, one file for one that was.
"""

from __future__ import annotations

import os

from coordinator_tui.files import fsio

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

ENV = "COORDINATOR_SESSION"
FOLDER = "launch"


def owner_path(root: str, session_id: str) -> str:
    return os.path.join(root, fsio.PRIVATE, FOLDER, f"{session_id}.agent")


def record_path(root: str, session_id: str) -> str:
    return os.path.join(root, fsio.PRIVATE, FOLDER, f"{session_id}.json")


def _owner(root: str, session_id: str) -> str | None:
    data = fsio.read_bytes(owner_path(root, session_id), 512)[0]
    return None if data is None else data.decode("utf-8", "replace").strip()


def session_for(root: str, agent_id: str, environ: Mapping[str, str] | None = None) -> str:
    """The session this agent's hook speaks as: the launched one when this agent owns (or
    now adopts) it, else its own id."""
    wanted = (os.environ if environ is None else environ).get(ENV)
    if not wanted or wanted == agent_id or not fsio.is_safe_id(wanted):
        return agent_id
    owner = _owner(root, wanted)
    if owner is None:
        if not isinstance(fsio.read_json(record_path(root, wanted), 65536), dict):
            return agent_id  # not a launch of ours: the variable is the session CLI's
        folder = fsio.ensure_folder(root, fsio.PRIVATE, FOLDER)
        try:
            fsio.create_exclusive(folder, f"{wanted}.agent", agent_id.encode("utf-8"))
            return wanted
        except FileExistsError:
            owner = _owner(root, wanted)
    return wanted if owner == agent_id else agent_id


def claim_for(root: str, session_id: str, agent_id: str) -> None:
    """Say which agent owns a launch (``start`` does it for Claude Code, whose id it set)."""
    folder = fsio.ensure_folder(root, fsio.PRIVATE, FOLDER)
    fsio.replace_file(folder, f"{session_id}.agent", agent_id.encode("utf-8"))
