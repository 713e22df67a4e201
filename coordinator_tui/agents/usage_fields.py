"""Where a session's transcript is, and its model, written into its session file.

The hooks' part of issue 28 (what each agent costs): every Claude Code, Codex and
Gemini CLI hook input names ``transcript_path`` (Codex's may be null; Gemini's is empty
until its chat recording starts) and some carry ``model`` (Claude's SessionStart,
every Codex event). The usage follower (``coordinator_tui.usage``) reads the
transcript from there; the hook itself never opens it. Standard library and
``agents/`` only; the session file is written only when one of the two changed, so
most events cost one small read.
"""

from __future__ import annotations

import os

from coordinator_tui.agents import client
from coordinator_tui.files import fsio

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

MAX_PATH = 4096
MAX_MODEL = 100


def fields(payload: dict[str, Any]) -> dict[str, str]:
    """``transcript_path`` and ``model`` from a hook input, where they are usable."""
    found: dict[str, str] = {}
    path = payload.get("transcript_path")
    if (
        isinstance(path, str)
        and 0 < len(path) <= MAX_PATH
        and path.isprintable()
        and os.path.isabs(path)
    ):
        found["transcript_path"] = path
    model = payload.get("model")
    if isinstance(model, str) and 0 < len(model) <= MAX_MODEL and model.isprintable():
        found["model"] = model
    return found


def record(root: str, payload: dict[str, Any]) -> None:
    """Write the fields into the session's file when they changed (a registered session
    only: an event before SessionStart leaves it to the next one). Never raises: the
    event's own reply (a PreToolUse decision) must go out whatever happens here."""
    found = fields(payload)
    if not found:
        return
    session = payload.get("session_id") or payload.get("thread-id") or payload.get("thread_id")
    try:
        document = client.load(root, client.check_id(session))
        if document is None or all(document.get(key) == value for key, value in found.items()):
            return
        document.update(found)
        client.save(root, document)
    except (OSError, ValueError) as error:
        fsio.log_line(root, f"usage fields not recorded: {type(error).__name__}: {error}")
