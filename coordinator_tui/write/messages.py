"""Writing broadcast and direct messages the way the real scripts name them, but right.

``messages/broadcast/<YYYY-MM-DD_HH-MM-SS>-<from>.json`` or
``messages/direct/<to>/<stamp>-<from>.json`` holding ``from``, ``to``,
``timestamp`` (UTC ISO ``Z``), ``subject`` and ``message``. Always valid JSON
whatever the text holds; atomic; never overwrites (a clash gets ``-2``, ``-3``…).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from coordinator_tui.files.fsio import create_new_in
from coordinator_tui.files.timeparse import format_utc

BROADCAST = "broadcast"
MAX_ID_LENGTH = 128
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]*$")


class MessageError(ValueError):
    """The message cannot be written as asked (bad id, empty subject); says why."""


@dataclass(frozen=True)
class Draft:
    """A message before it is written: what the compose dialog returns."""

    to: str
    subject: str
    body: str
    sender: str = "coordinator"


def check_id(value: str, role: str) -> str:
    """A session id safe to use in a file name, or ``MessageError``."""
    if not value:
        raise MessageError(f"{role} is empty")
    if len(value) > MAX_ID_LENGTH:
        raise MessageError(f"{role} is longer than {MAX_ID_LENGTH} characters")
    if "/" in value or "\\" in value or value in {".", ".."} or ".." in value:
        raise MessageError(f"{role} {value!r} must not contain path separators or '..'")
    if any(ord(char) < 32 or 127 <= ord(char) < 160 for char in value):
        raise MessageError(f"{role} {value!r} must not contain control characters")
    if not _SAFE_ID.match(value):
        raise MessageError(
            f"{role} {value!r} may hold only letters, digits and . _ @ + - "
            "and must start with a letter or digit"
        )
    return value


def message_document(draft: Draft, now: datetime) -> dict[str, str]:
    return {
        "from": draft.sender,
        "to": draft.to,
        "timestamp": format_utc(now),
        "subject": draft.subject,
        "message": draft.body,
    }


def write_message(root: Path, draft: Draft, now: datetime | None = None) -> Path:
    """Write ``draft`` into the coordination directory ``root``; the path written.

    Raises ``MessageError`` for an unsafe id or an empty subject and ``OSError``
    when the disk refuses (nothing partial is left behind).
    """
    moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    sender = check_id(draft.sender, "from")
    if draft.to != BROADCAST:
        check_id(draft.to, "to")
    if not draft.subject.strip():
        raise MessageError("subject is empty")
    folder = "messages/broadcast" if draft.to == BROADCAST else f"messages/direct/{draft.to}"
    name = f"{moment:%Y-%m-%d_%H-%M-%S}-{sender}.json"
    data = json.dumps(message_document(draft, moment), ensure_ascii=False, indent=2) + "\n"
    # Folders are opened without following links: a messages/broadcast/ or direct folder
    # linked anywhere is refused (``UnsafeFolder``, an OSError), never written through.
    return create_new_in(root, folder, name, data.encode("utf-8"))
