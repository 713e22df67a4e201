"""Sessions waiting for a human: since when, and for how long in all.

A connected agent's hooks write ``"state": "waiting"`` into its session file
when it asks for permission or input (issue 11); a ``waiting`` health value
is being added beside this module, so both are accepted. Escalation and the
quality metrics read the same answers from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from itertools import pairwise

from coordinator_tui.analysis.results import Health, SessionView
from coordinator_tui.files.records import Heartbeat
from coordinator_tui.files.timeparse import parse_timestamp

WAITING = "waiting"
SINCE_FIELDS = ("waiting_since", "state_since")
"""Session-file fields that may say when the current state began (newer clients)."""
NOT_WAITING_HEALTH = frozenset({Health.GONE, Health.ENDED})


def state_of(record_extra: dict[str, object]) -> str:
    """The ``state`` a session or heartbeat file declares, lower-cased ('' if none)."""
    value = record_extra.get("state")
    return value.strip().lower() if isinstance(value, str) else ""


def is_waiting(view: SessionView) -> bool:
    """Waiting for a human: the health says so, or the file's ``state`` does and the
    session is not gone (a stale heartbeat is expected: a blocked agent does not beat)."""
    health = view.health  # compared by identity: ``.value`` is a slow property
    if health is Health.WAITING:
        return True
    if health in NOT_WAITING_HEALTH or not view.session.extra:
        return False
    return state_of(view.session.extra) == WAITING


def waiting_since(view: SessionView, beats: Iterable[Heartbeat]) -> tuple[datetime | None, str]:
    """(when the current wait began, how that is known); (None, '') when not waiting.

    Sources, best first: a ``waiting_since``/``state_since`` field; the oldest of the
    newest unbroken run of heartbeat events saying ``waiting``; the last heartbeat
    (the moment it last spoke: a blocked agent stops beating); the file's mtime.
    """
    if not is_waiting(view):
        return None, ""
    for name in SINCE_FIELDS:
        moment = parse_timestamp(view.session.extra.get(name))
        if moment is not None:
            return moment, name
    run_start: datetime | None = None
    for beat in _newest_first(beats):
        if state_of(beat.extra) != WAITING:
            break
        run_start = beat.timestamp
    if run_start is not None:
        return run_start, "heartbeat events"
    if view.heartbeat is not None:
        return view.heartbeat, "last heartbeat"
    if view.session.mtime > 0:
        return datetime.fromtimestamp(view.session.mtime, tz=timezone.utc), "file time"
    return None, ""


def waiting_total_s(view: SessionView, beats: Iterable[Heartbeat], now: datetime) -> float:
    """Seconds spent waiting: each heartbeat event saying ``waiting`` counts until the
    next event, plus the current wait. An approximation: waits between two beats of
    other states, or before the event history starts, are not seen."""
    beats = tuple(beats)
    if not is_waiting(view) and (
        not beats or not any(state_of(beat.extra) == WAITING for beat in beats)
    ):
        return 0.0  # most sessions: nothing to order or add up
    ordered = list(reversed(_newest_first(beats)))
    since, _ = waiting_since(view, ordered)
    total = 0.0
    for current, following in pairwise(ordered):
        if current.timestamp is None or following.timestamp is None:
            continue
        if state_of(current.extra) != WAITING:
            continue
        end = following.timestamp if since is None else min(following.timestamp, since)
        total += max((end - current.timestamp).total_seconds(), 0.0)
    if since is not None:
        total += max((now - since).total_seconds(), 0.0)
    return total


def _newest_first(beats: Iterable[Heartbeat]) -> list[Heartbeat]:
    timed = [beat for beat in beats if beat.timestamp is not None]
    timed.sort(key=lambda beat: beat.timestamp or datetime.min, reverse=True)
    return timed
