"""Per-session health, duplicate work and possible overlaps: the rules, each of one
session or one work (the engine in ``incremental`` applies them to every session, or to the
changed ones)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta, timezone

from coordinator_tui.agents.process import is_gone
from coordinator_tui.analysis.results import (
    FUTURE_TOLERANCE_S,
    DuplicateGroup,
    Health,
    Overlap,
    SessionView,
)
from coordinator_tui.files.records import (
    Heartbeat,
    Session,
)
from coordinator_tui.files.timeparse import utc_from_epoch
from coordinator_tui.files.worktext import (
    normalise_work,
    similar_pairs,
    work_words,
)
from coordinator_tui.settings import Settings
from coordinator_tui.store import Snapshot


def group_heartbeats(beats: tuple[Heartbeat, ...]) -> dict[str, tuple[Heartbeat, ...]]:
    grouped: dict[str, list[Heartbeat]] = defaultdict(list)
    for beat in beats:
        grouped[beat.session_id].append(beat)
    oldest = datetime.min.replace(tzinfo=timezone.utc)
    return {
        session_id: tuple(sorted(items, key=lambda b: b.timestamp or oldest, reverse=True))
        for session_id, items in grouped.items()
    }


TOLERANCE = timedelta(seconds=FUTURE_TOLERANCE_S)
"""Clocks drift a little: a moment this far ahead of now still counts. A heartbeat hours
ahead is a wrong clock or a lie, and says nothing about liveness."""


def newest_credible_beat(
    session: Session, events: tuple[Heartbeat, ...] | None, now: datetime
) -> datetime | None:
    """The newest credible sign of life (no more than ``TOLERANCE`` ahead of ``now``): the
    session's own ``last_heartbeat``, its newest heartbeat event file, and — when its own
    heartbeat is missing, unreadable or in the future — the time its file was written.

    A signal in the future is skipped, never allowed to hide an older credible one:
    one event file stamped hours ahead must not make a fresh session look dead. The
    file time stands in only for a missing or incredible own heartbeat, because a
    copied directory gets fresh file times and its ghosts must stay gone.
    """
    latest = now + TOLERANCE
    beat = session.last_heartbeat
    if beat is None or beat > latest:
        beat = utc_from_epoch(session.mtime) if session.mtime > 0 else None
        if beat is not None and beat > latest:
            beat = None
    for event in events or ():  # newest first: the first credible one is the newest
        stamp = event.timestamp
        if stamp is not None and stamp <= latest:
            return stamp if beat is None or stamp > beat else beat
    return beat


def agent_exited(session: Session) -> bool:
    """The agent process the hooks recorded (host, pid and its start time) no longer runs
    on this machine: the session ended, even if it could not say so (killed)."""
    extra = session.extra
    return is_gone(extra.get("host"), extra.get("pid"), extra.get("pid_start"))


def session_view(
    session: Session,
    now: datetime,
    settings: Settings,
    heartbeats: dict[str, tuple[Heartbeat, ...]],
    placeholders: frozenset[str],
    gone_statuses: frozenset[str],
    snapshot: Snapshot,
) -> SessionView:
    """One session's health at ``now``: the rule the whole product uses (from heartbeat
    age — including heartbeat event files — never from ``status``). A session's own
    ``state`` (agent hooks, ``session`` client) says ended, waiting or idle; heartbeat age
    still decides stale and gone for one that vanished without saying so."""
    beat = newest_credible_beat(session, heartbeats.get(session.session_id), now)
    age = None if beat is None else (now - beat).total_seconds()
    work_key = normalise_work(session.current_work)
    placeholder = not work_key or work_key in placeholders
    state = session.extra.get("state")  # written by the session client and the agent hooks
    if state == "ended" or agent_exited(session):
        health = Health.ENDED
    elif (
        age is None
        or age > settings.gone_after_s
        or (session.status or "").strip().lower() in gone_statuses
    ):
        health = Health.GONE
    elif age > settings.stale_after_s:  # never when ahead: the settings' times are > 0
        health = Health.STALE
    elif state == "waiting":
        health = Health.WAITING
    elif state == "starting":
        health = Health.STARTING
    elif placeholder or state == "idle":
        health = Health.IDLE
    else:
        health = Health.WORKING
    key = session.path
    return SessionView(
        key,
        session.session_id,
        session,
        health,
        beat,
        age,
        placeholder,
        work_key,
        kept_last_good=key in snapshot.kept,
        idle_since=snapshot.work_since.get(key) if placeholder else None,
    )


def with_flags(view: SessionView, duplicate: bool, conflict: bool) -> SessionView:
    if not duplicate and not conflict:
        return view
    return view._replace(duplicate=duplicate, conflict=conflict)


def duplicate_group(work_key: str, members: dict[str, SessionView]) -> DuplicateGroup | None:
    """Live sessions (by file key) on one normalised work: a duplicate when two or more
    ids share it; worded as the file with the smallest key wrote it."""
    ids = {view.id for view in members.values()}
    if len(ids) < 2:
        return None
    work = members[min(members)].session.current_work or ""
    return DuplicateGroup(work=work, work_key=work_key, sessions=tuple(sorted(ids)))


# At most this many overlap pairs are listed; a dense cluster of alike works
# (hundreds of "task N build part K") would otherwise make millions of pairs.
MAX_OVERLAPS = 200
# A distinct work stops looking for similar works after this many.
MAX_PARTNERS = 25

OverlapResult = tuple[tuple[Overlap, ...], int, bool]
"""(the listed overlaps, how many session pairs were found, whether the search was cut)."""

_overlap_memo: dict[tuple[frozenset[tuple[str, str, str]], float], OverlapResult] = {}


def find_overlaps(views: list[SessionView], threshold: float) -> OverlapResult:
    """Overlaps, memoised on the live (id, work) set: a clock tick that changes no
    session's liveness or work costs a set comparison, not a pairwise search."""
    key = (
        frozenset(
            (view.id, view.work_key, view.session.current_work or "")
            for view in views
            if view.health.live and not view.placeholder
        ),
        threshold,
    )
    cached = _overlap_memo.get(key)
    if cached is None:
        cached = _search_overlaps(views, threshold)
        if len(_overlap_memo) >= 4:
            _overlap_memo.clear()
        _overlap_memo[key] = cached
    return cached


def _search_overlaps(views: list[SessionView], threshold: float) -> OverlapResult:
    """Pairs of live sessions with similar, not equal, work (compared per distinct work),
    best first, at most ``MAX_OVERLAPS`` of them."""
    works: dict[str, tuple[frozenset[str], list[SessionView]]] = {}
    for view in views:
        if view.health.live and not view.placeholder:
            entry = works.setdefault(view.work_key, (work_words(view.session.current_work), []))
            entry[1].append(view)
    keys = sorted(works)
    word_sets = [works[key][0] for key in keys]
    pairs = similar_pairs(word_sets, threshold, MAX_PARTNERS)
    partners: dict[int, int] = {}
    for first, second, _ in pairs:
        partners[first] = partners.get(first, 0) + 1
        partners[second] = partners.get(second, 0) + 1
    capped = any(count >= MAX_PARTNERS for count in partners.values())
    found = 0
    for first, second, _ in pairs:
        first_ids = {view.id for view in works[keys[first]][1]}
        second_ids = {view.id for view in works[keys[second]][1]}
        found += len(first_ids) * len(second_ids) - len(first_ids & second_ids)
    pairs.sort(key=lambda pair: (-pair[2], keys[pair[0]], keys[pair[1]]))
    overlaps: list[Overlap] = []
    for first, second, score in pairs:
        for a in works[keys[first]][1]:
            for b in works[keys[second]][1]:
                if a.id == b.id:
                    continue
                pair = (a, b) if a.id <= b.id else (b, a)
                overlaps.append(
                    Overlap(
                        first=pair[0].id,
                        second=pair[1].id,
                        first_work=pair[0].session.current_work or "",
                        second_work=pair[1].session.current_work or "",
                        score=round(score, 3),
                    )
                )
        if len(overlaps) >= MAX_OVERLAPS:
            capped = True
            break
    overlaps.sort(key=lambda o: (-o.score, o.first, o.second))
    return tuple(overlaps[:MAX_OVERLAPS]), found, capped or found > MAX_OVERLAPS
