"""Offsets and totals kept between runs: ``DIR/.coordinator/usage/<session>.json``.

Why keep them: totals must be exact, but a first look may read only a transcript's
tail (the 1.2× budget of opening a dashboard on 100 sessions with 200 MB
transcripts). A saved state carries the totals up to its offset, so the next run
reads only what was appended since; a state is saved only for what was read from the
first byte (``complete``), so a partial total is never taken for an exact one.

The file lies in the shared directory, so it is untrusted like everything there:
every value is coerced, sizes are capped, and a state that does not describe the file
it names now (another inode, other first bytes, a shorter file) is not used.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from coordinator_tui.usage.ledger import Key, Ledger
from coordinator_tui.usage.readers import MAX_COUNT, count
from coordinator_tui.usage.tokens import Response, Tokens, clean_model
from coordinator_tui.usage.transcript import Identity, Transcript, acceptable_path

VERSION = 1
FOLDER = "usage"
"""Below ``.coordinator/``."""
MAX_STATE_BYTES = 16 << 20
MAX_TRANSCRIPTS = 64
MAX_CELLS_READ = 50_000
MAX_WORK_LOG = 500
MAX_WORK = 300
_FIELDS = len(Tokens._fields)
LAST_MOMENT = 253402300799
"""The last second of the year 9999."""


def state_name(session: str) -> str:
    """A file name for a session id (ids come from files: anything may be in them)."""
    safe = "".join(char if char.isalnum() or char in "-_." else "_" for char in session)[:60]
    digest = hashlib.blake2b(session.encode("utf-8", "replace"), digest_size=6).hexdigest()
    return f"{safe.lstrip('.') or 'session'}-{digest}.json"


def _cells(ledger: Ledger) -> list[list[Any]]:
    return [[start, model, band, *tokens] for (start, model, band), tokens in ledger.cells.items()]


def _last(response: Response | None) -> list[Any] | None:
    return None if response is None else [response.time, response.model, *response.tokens]


def encode(
    session: str, agent: str, transcripts: list[Transcript], work_log: list[tuple[float, str]]
) -> bytes | None:
    """The state of a session's complete transcripts (partial ones are not saved); None
    when there is nothing to keep."""
    items = []
    for transcript in transcripts:
        if not transcript.complete:
            continue
        item = transcript.state()
        item["cells"] = _cells(transcript.ledger)
        item["carried"] = _cells(transcript.carried)
        item["last"] = _last(transcript.ledger.last)
        items.append(item)
    if not items and not work_log:
        return None
    document = {
        "version": VERSION,
        "session": session,
        "agent": agent,
        "transcripts": items,
        "work_log": [[moment, work] for moment, work in work_log[-MAX_WORK_LOG:]],
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode(data: bytes, session: str) -> tuple[dict[str, dict[str, Any]], list[tuple[float, str]]]:
    """(transcript path → its saved state, work log); ``ValueError`` when this is not a
    state we wrote for ``session``."""
    document = json.loads(data.decode("utf-8"))
    if not isinstance(document, dict) or document.get("version") != VERSION:
        raise ValueError("not a usage state (version 1)")
    if document.get("session") != session:
        raise ValueError("usage state of another session")
    saved: dict[str, dict[str, Any]] = {}
    items = document.get("transcripts")
    for item in items[:MAX_TRANSCRIPTS] if isinstance(items, list) else ():
        if isinstance(item, dict) and acceptable_path(item.get("path")) is None:
            saved[item["path"]] = item
    return saved, work_log_of(document.get("work_log"))


def work_log_of(value: object) -> list[tuple[float, str]]:
    """A saved work log, every item checked (one that is not [seconds, work] is left out)."""
    log: list[tuple[float, str]] = []
    for item in value[-MAX_WORK_LOG:] if isinstance(value, list) else ():
        if (
            isinstance(item, list)
            and len(item) == 2
            and is_moment(item[0])
            and isinstance(item[1], str)
        ):
            log.append((float(item[0]), item[1][:MAX_WORK]))
    return log


def restore(transcript: Transcript, item: dict[str, Any]) -> bool:
    """Give ``transcript`` the saved offset, reader state and totals; False (and nothing
    changed) when the state is malformed. Whether it still describes the file is
    checked at the next step (identity, first bytes, size)."""
    try:
        identity = Identity(
            device=int(item["device"]),
            inode=int(item["inode"]),
            head_length=count(item["head_length"]),
            head=str(item["head"])[:64],
        )
        offset = count(item["offset"])
        ledger = _ledger(item.get("cells"), item.get("last"))
        carried = _ledger(item.get("carried"), None)
    except (KeyError, TypeError, ValueError, OverflowError):
        return False
    if item.get("agent") != transcript.agent or item.get("complete") is not True:
        return False
    transcript.identity = identity
    transcript.offset = offset
    transcript.ledger = ledger
    transcript.carried = carried
    transcript.reader.restore(item.get("reader"))
    transcript.complete = True
    transcript.changed = False
    return True


_INT = {int}
"""The only type a saved count may have (a cell is checked at once, not value by value)."""


def _ledger(cells: object, last: object) -> Ledger:
    ledger = Ledger()
    if not isinstance(cells, list) or len(cells) > MAX_CELLS_READ:
        raise ValueError("cells")
    newest = 0
    for cell in cells:
        if not isinstance(cell, list) or len(cell) != 3 + _FIELDS:
            raise ValueError("cell")
        start, model, band, *values = cell
        numbers = (start, band, *values)
        if not isinstance(model, str) or set(map(type, numbers)) != _INT:
            raise ValueError("cell")
        if min(numbers) < 0 or max(numbers) > MAX_COUNT:
            raise ValueError("cell")
        key: Key = (start, clean_model(model), band)
        ledger.cells[key] = Tokens(*values)
        newest = max(newest, start)
    ledger.settle(newest)
    if isinstance(last, list) and len(last) == 2 + _FIELDS and isinstance(last[1], str):
        moment = last[0]
        if is_moment(moment):
            tokens = Tokens(*(count(value) for value in last[2:]))
            ledger.last = Response(float(moment), clean_model(last[1]), tokens)
    return ledger


def is_moment(value: object) -> bool:
    """Epoch seconds a ``datetime`` can show (an untrusted NaN or 1e400 cannot crash it)."""
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and 0 <= value <= LAST_MOMENT
    )
