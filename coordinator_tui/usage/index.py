"""What the last look saw, in one file: ``DIR/.coordinator/usage/index.json``.

Why: opening on 100 sessions read 100 state files and restored each one's readers, most
of the time spent with saved states (``bench_usage``). The index holds, per session, the
totals the last look handed out (its cells, the last turn, the work log, whether they
are exact or "at least") and the signature of each transcript they came from (device,
inode, size and modification time, as ``fstat`` gave them when it was read to its end).
A look whose transcripts all still have those signatures takes the totals as they are
(one ``stat`` per transcript); any other session is read as before, from its state file
and its transcript (``follower``). So the totals stay exactly what reading would give:
the index only skips reading a file that has not changed.

Every look writes the whole index from what it holds (the sessions it follows), so a
session missing from it, or an entry another look made stale, costs only the slower way.
The file lies in the shared directory and is untrusted: every entry is checked as a whole
and one that is not exactly what we write is ignored (its session read the slower way).
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import orjson

from coordinator_tui.usage.readers import MAX_COUNT, count
from coordinator_tui.usage.state import MAX_CELLS_READ, is_moment, work_log_of
from coordinator_tui.usage.tokens import (
    EDGES,
    ColumnCells,
    Response,
    SessionUsage,
    Tokens,
    clean_model,
)
from coordinator_tui.usage.transcript import Signature, acceptable_path, signature

NAME = "index.json"
"""Below ``.coordinator/usage/``."""
VERSION = 1
MAX_INDEX_BYTES = 64 << 20
MAX_MODELS = 1000
MAX_PATHS = 64
_FIELDS = len(Tokens._fields)
_CELL = 3 + _FIELDS
"""A cell is written flat: start, model (its place in ``models``), band, then the tokens."""
_LIMIT_NS = 2**63
_BY_RUN = itemgetter(1, 2, 0)
"""Cells are written by model, band and start: one sorted run per model and band."""


@dataclass(frozen=True)
class Entry:
    """One session as the last look left it."""

    usage: SessionUsage
    seen: dict[str, Signature]
    """Each transcript the totals came from, in the order they are followed."""


def unchanged(seen: dict[str, Signature], paths: list[str]) -> bool:
    """The transcripts are the same files as when they were read, none grown or changed
    (never through a final link: a link where a file was is a change)."""
    if list(seen) != paths:
        return False
    for path, known in seen.items():
        try:
            info = os.stat(path, follow_symlinks=False)
        except OSError:
            return False
        if not stat.S_ISREG(info.st_mode) or signature(info) != known:
            return False
    return True


def encode(entries: dict[str, Entry]) -> bytes:
    sessions = {}
    for session, entry in entries.items():
        usage = entry.usage
        models: dict[str, int] = {}
        cells: list[int] = []
        for start, model, band, tokens in sorted(usage.cells, key=_BY_RUN):
            cells += (start, models.setdefault(model, len(models)), band, *tokens)
        last = usage.last
        sessions[session] = {
            "agent": usage.agent,
            "complete": usage.complete,
            "paths": [[path, *known] for path, known in entry.seen.items()],
            "models": list(models),
            "cells": cells,
            "last": None if last is None else [last.time, last.model, *last.tokens],
            "work_log": [[moment, work] for moment, work in usage.work_log],
        }
    document = {"version": VERSION, "sessions": sessions}
    try:
        return orjson.dumps(document)
    except TypeError:  # a lone surrogate in a work: the standard way escapes it
        return json.dumps(document, separators=(",", ":")).encode("utf-8")


def decode(data: bytes) -> dict[str, Any]:
    """Session id → its raw entry (checked when used, by ``entry``); ``ValueError`` when
    this is not an index we wrote."""
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError:  # what orjson refuses is not what we write
        raise ValueError("not JSON as we write it") from None
    if not isinstance(document, dict) or document.get("version") != VERSION:
        raise ValueError("not a usage index (version 1)")
    sessions = document.get("sessions")
    if not isinstance(sessions, dict):
        raise ValueError("a usage index without sessions")
    return sessions


def entry(item: object, session: str, agent: str) -> Entry | None:
    """The entry of ``session`` (followed as ``agent``), or None when it is not exactly
    what ``encode`` writes."""
    if not isinstance(item, dict) or item.get("agent") != agent:
        return None
    try:
        seen = _seen(item.get("paths"))
        cells = _cells(item.get("cells"), item.get("models"))
    except (TypeError, ValueError):
        return None
    complete = item.get("complete")
    if seen is None or cells is None or not isinstance(complete, bool):
        return None
    usage = SessionUsage(
        session=session,
        agent=agent,
        cells=cells,
        last=_last(item.get("last")),
        complete=complete,
        sources=tuple(seen),
        work_log=tuple(work_log_of(item.get("work_log"))),
    )
    return Entry(usage, seen)


def _seen(value: object) -> dict[str, Signature] | None:
    if not isinstance(value, list) or len(value) > MAX_PATHS:
        return None
    seen: dict[str, Signature] = {}
    for item in value:
        if not isinstance(item, list) or len(item) != 5:
            return None
        path, *numbers = item
        if acceptable_path(path) is not None or path in seen:
            return None
        if set(map(type, numbers)) != {int} or not all(-_LIMIT_NS < n < _LIMIT_NS for n in numbers):
            return None
        device, inode, size, modified = numbers
        seen[path] = (device, inode, size, modified)
    return seen


def _cells(flat: object, models: object) -> ColumnCells | None:
    """The cells as ``encode`` writes them: flat, sorted by model, band and start (so each
    model and band is one run, as the cost views take them)."""
    if not isinstance(flat, list) or not isinstance(models, list) or len(models) > MAX_MODELS:
        return None
    if len(flat) % _CELL or len(flat) > MAX_CELLS_READ * _CELL:
        return None
    if not flat:
        return ColumnCells(())
    if set(map(type, flat)) != {int} or min(flat) < 0 or max(flat) > MAX_COUNT:
        return None
    if max(flat[1::_CELL]) >= len(models) or max(flat[2::_CELL]) > len(EDGES):
        return None
    if not all(isinstance(model, str) for model in models):
        return None
    names = [clean_model(model) for model in models]
    columns = [flat[at::_CELL] for at in range(_CELL)]
    starts, counts = columns[0], columns[3:]
    pairs = list(zip(columns[1], columns[2], strict=True))
    runs = []
    low = 0
    while low < len(pairs):
        pair = pairs[low]
        high = low + pairs.count(pair)
        run_starts = starts[low:high]
        if pairs[low:high].count(pair) != high - low or run_starts != sorted(run_starts):
            return None  # not one sorted run per model and band: not as we write it
        model, band = pair
        runs.append((names[model], band, run_starts, tuple(count[low:high] for count in counts)))
        low = high
    return ColumnCells(tuple(runs))


def _last(value: object) -> Response | None:
    if not isinstance(value, list) or len(value) != 2 + _FIELDS:
        return None
    moment, model, *numbers = value
    if not is_moment(moment) or not isinstance(model, str):
        return None
    return Response(float(moment), clean_model(model), Tokens(*(count(n) for n in numbers)))


__all__ = ["Entry", "decode", "encode", "entry", "unchanged"]
