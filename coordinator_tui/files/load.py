"""One file of the layout, read and built into its record: a record with its problems, or
the reason it could not be one.

Kept apart from the store so that the store is only bookkeeping (what was read
when, what changed, what is kept while a file is broken) and what a file
*means* is decided here, from where it lies (``layout.Place``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from coordinator_tui.files import reader
from coordinator_tui.files.builders import (
    build_claim,
    build_heartbeat,
    build_markdown_milestone,
    build_message,
    build_milestone,
    build_session,
    parse_priorities,
)
from coordinator_tui.files.fsio import Folders
from coordinator_tui.files.layout import Place, stem
from coordinator_tui.files.records import FileKind, RecordError

_KEYS = {
    FileKind.MESSAGE: reader.MESSAGE_KEYS,
    FileKind.HEARTBEAT: reader.HEARTBEAT_KEYS,
    FileKind.SESSION: reader.SESSION_KEYS,
    FileKind.CLAIM: reader.CLAIM_KEYS,
}
"""The key order each kind's writer uses, which lets the lenient reader repair pasted text."""


@dataclass(slots=True)
class Loaded:
    """What reading one file gave: ``record`` (with ``problems``, read but suspicious) or
    ``error`` (not read; ``transient`` when it looks like a writer caught mid-rewrite)."""

    mtime: float
    size: int
    record: Any = None
    problems: list[str] = field(default_factory=list)
    error: str | None = None
    transient: bool = False

    def __reduce__(self) -> tuple[type[Loaded], tuple[Any, ...]]:
        """Pickled as its values (the forked readers send thousands): see ``Compact``."""
        fields = (self.mtime, self.size, self.record, self.problems, self.error, self.transient)
        return Loaded, fields


def load(
    root: str,
    relative: str,
    place: Place,
    max_bytes: int,
    within: str,
    folders: Folders | None = None,
) -> Loaded:
    """Read ``root/relative`` as the kind ``place`` says. ``within`` is the resolved root:
    symbolic links are followed only inside it. ``folders``: a scan's verified folders
    (``guard.Folders``), so each file is opened in its folder without a check of its own."""
    path = os.path.join(root, relative)
    if place.kind is FileKind.PRIORITIES or (
        place.kind is FileKind.MILESTONE and relative.endswith(".md")
    ):
        return _load_text(path, relative, place.kind, max_bytes, within)
    result = reader.read_json_file(path, max_bytes, _KEYS.get(place.kind), within, folders)
    if result.error is not None:
        return Loaded(result.mtime, result.size, error=result.error, transient=result.transient)
    try:
        record, problems = _build(place, result, relative, stem(relative))
    except RecordError as error:
        return Loaded(result.mtime, result.size, error=str(error))
    if result.lossy:
        problems.append("text that is not valid UTF-8 replaced with U+FFFD")
    return Loaded(result.mtime, result.size, record, problems)


def _build(
    place: Place, result: reader.ReadResult, relative: str, name_stem: str
) -> tuple[Any, list[str]]:
    args = (result.data, relative, name_stem, result.recovered, result.mtime)
    if place.kind is FileKind.SESSION:
        return build_session(*args)
    if place.kind is FileKind.MILESTONE:
        return build_milestone(*args)
    if place.kind is FileKind.MESSAGE:
        return build_message(*args, place.message_kind or "broadcast", place.direct_to)
    if place.kind is FileKind.CLAIM:
        return build_claim(*args)
    if place.kind is FileKind.HEARTBEAT:
        return build_heartbeat(*args)
    if not isinstance(result.data, (dict, list)):
        raise RecordError("expected a JSON object or array")
    return result.data, []


def _load_text(path: str, relative: str, kind: FileKind, max_bytes: int, within: str) -> Loaded:
    """``priorities.txt`` (a tuple of items) or a Markdown milestone."""
    data, error, mtime, size = reader.read_bytes(path, max_bytes, within)
    if data is None:
        return Loaded(mtime, size, error=error or "unreadable")
    text, lossy = reader.decode_text(data)
    if kind is FileKind.PRIORITIES:
        items, numbered = parse_priorities(text)
        record: Any = tuple(items)
        problems = [reason for _, reason in numbered]
    else:
        record, problems = build_markdown_milestone(text, relative, stem(relative), mtime)
    if lossy:
        problems.append("invalid UTF-8 bytes replaced")
    return Loaded(mtime, size, record, problems)
