"""Conflict resolution: for each duplicate or overlap, who keeps the work and who yields.

Pure: a function of the ``Analysis`` alone. The rule, in order:

1. the holder of a live claim on the work keeps it (the earliest claim if both hold one);
2. else the session that started it first: the earliest heartbeat event that names
   that work, else the session's ``started_at``;
3. else the one further along: the progress of a milestone it owns, then its
   ``heartbeat_count``;
4. else (a true tie) the first by id, so the answer is at least stable.

Every other session yields and is given the best available priority for it
(unclaimed, worked by nobody, not already suggested to an idle session,
preferring one that shares a word with its capabilities). Each ``Resolution``
has a ``situation_key``: the caller messages a yielder once per key and forgets
keys that are no longer current, so a situation that ends and comes back is
told again, and one that lasts is never repeated (see ``to_send``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from coordinator_tui.analysis.results import (
    Analysis,
    ClaimView,
    SessionView,
    Suggestion,
)
from coordinator_tui.analysis.work import take_best, unoffered
from coordinator_tui.files.records import Heartbeat
from coordinator_tui.files.timeparse import format_utc
from coordinator_tui.files.worktext import names_match, normalise_work, work_words

_EPOCH = datetime.min.replace(tzinfo=timezone.utc)
HEARTBEAT_WORK_FIELDS = ("current_work", "working_on", "target", "work")
"""Fields of a heartbeat event file that name the work (seen in real collectives)."""


@dataclass(frozen=True, slots=True)
class Resolution:
    """One yielding session of a duplicate or overlap, and why the keeper keeps it."""

    kind: str
    """``duplicate`` (equal work) or ``overlap`` (similar work)."""
    work: str
    """The work the keeper keeps, as the keeper wrote it."""
    yielder_work: str
    """The yielder's own work (equal to ``work`` for a duplicate)."""
    keeper: str
    yielder: str
    rule: str
    """Which rule decided: ``claim``, ``started-first``, ``further-along`` or ``tie``."""
    reason: str
    """Why the keeper keeps it, in words (``holds the claim feature-x``)."""
    suggestion: Suggestion | None
    """The best available priority for the yielder, or None when nothing is free."""

    @property
    def situation_key(self) -> str:
        """Stable while the situation lasts: the kind, both works, the keeper, the yielder.

        The suggestion is left out on purpose: a free priority being taken by
        someone else does not make the yielder's situation new.
        """
        return "|".join(
            (
                self.kind,
                normalise_work(self.work),
                normalise_work(self.yielder_work),
                self.keeper,
                self.yielder,
            )
        )


def resolve(analysis: Analysis) -> tuple[Resolution, ...]:
    """Every yielder, sorted by situation key: sessions joined by duplicates and overlaps
    are resolved together, so each has one keeper and no yielder is told it keeps."""
    views = _first_view_by_id(analysis.sessions)
    free = unoffered(analysis)
    groups = [[s for s in group.sessions if s in views] for group in analysis.duplicates]
    groups += [[s for s in (pair.first, pair.second) if s in views] for pair in analysis.overlaps]
    neighbours: dict[str, set[str]] = {}
    for group in groups:
        for session in group:
            neighbours.setdefault(session, set()).update(group)
            neighbours[session].discard(session)
    remaining = set(neighbours)
    held = live_claims_by_holder(analysis)  # once: 800 groups × 200 claims otherwise
    result = []
    for group in groups:  # biggest duplicate first, then the closest overlaps
        while len(seeds := [session for session in group if session in remaining]) >= 2:
            joined = sorted(_joined(seeds[0], neighbours, remaining))
            keeper, rule, reason = decide_keeper([views[s] for s in joined], analysis, held)
            yielders = sorted(neighbours[keeper.id] & remaining)
            remaining -= {keeper.id, *yielders}
            for yielder in (views[session] for session in yielders):
                same = yielder.work_key == keeper.work_key
                result.append(
                    Resolution(
                        kind="duplicate" if same else "overlap",
                        work=keeper.session.current_work or "",
                        yielder_work=yielder.session.current_work or "",
                        keeper=keeper.id,
                        yielder=yielder.id,
                        rule=rule,
                        reason=reason,
                        suggestion=take_best(yielder, free),
                    )
                )
    result.sort(key=lambda item: item.situation_key)
    return tuple(result)


def _joined(start: str, neighbours: Mapping[str, set[str]], remaining: set[str]) -> set[str]:
    """The sessions of ``remaining`` that duplicates and overlaps join to ``start``; the
    keeper is decided among them, and only its own neighbours yield to it (a session
    whose one overlap was with a yielder keeps its work)."""
    found, todo = {start}, [start]
    while todo:
        for other in neighbours[todo.pop()] & remaining - found:
            found.add(other)
            todo.append(other)
    return found


def decide_keeper(
    members: Sequence[SessionView],
    analysis: Analysis,
    held: Held | None = None,
) -> tuple[SessionView, str, str]:
    """(keeper, rule, reason) for sessions that do the same (or similar) work; ``held``
    is ``live_claims_by_holder(analysis)`` when the caller decides many groups."""
    ordered = sorted(members, key=lambda view: view.id)
    claimed = _claim_holders(ordered, held if held is not None else live_claims_by_holder(analysis))
    if claimed:
        claimed.sort(key=lambda entry: (entry[1] is None, entry[1] or _EPOCH, entry[0].id))
        holder, _, claim_name = claimed[0]
        return holder, "claim", f"holds the live claim {claim_name}"
    starts = {view.id: work_started(view, analysis.heartbeats.get(view.id, ())) for view in ordered}
    if all(start is not None for start, _ in starts.values()):
        earliest = min(start for start, _ in starts.values() if start is not None)
        firsts = [view for view in ordered if starts[view.id][0] == earliest]
        if len(firsts) == 1:
            source = starts[firsts[0].id][1]
            return firsts[0], "started-first", f"started it first ({source} {format_utc(earliest)})"
    progress = {view.id: (_owned_progress(view, analysis), _count(view)) for view in ordered}
    best = max(progress.values())
    leaders = [view for view in ordered if progress[view.id] == best]
    if len(leaders) == 1:
        owned, beats = best
        words = f"milestone at {owned:.0f} %" if owned > 0 else f"{beats} heartbeats"
        return leaders[0], "further-along", f"is further along ({words})"
    return ordered[0], "tie", "no claim, start or progress tells them apart: first by id"


def work_started(view: SessionView, beats: Iterable[Heartbeat]) -> tuple[datetime | None, str]:
    """When the session started its current work: (moment, where that came from).

    The earliest heartbeat event naming the same (normalised) work, else the
    session's ``started_at``; ``(None, "")`` when neither is known.
    """
    earliest: datetime | None = None
    for beat in beats:
        if beat.timestamp is None:
            continue
        for field_name in HEARTBEAT_WORK_FIELDS:
            value = beat.extra.get(field_name)
            if isinstance(value, str) and normalise_work(value) == view.work_key:
                if earliest is None or beat.timestamp < earliest:
                    earliest = beat.timestamp
                break
    if earliest is not None:
        return earliest, "heartbeat"
    if view.session.started_at is not None:
        return view.session.started_at, "started_at"
    return None, ""


def to_send(
    resolutions: Iterable[Resolution], already_sent: frozenset[str]
) -> tuple[tuple[Resolution, ...], frozenset[str]]:
    """(resolutions to message now, keys to remember for the next cycle).

    Only the current situations are remembered, so one that ends and later comes
    back is a change and is told again.
    """
    current = tuple(resolutions)
    new = tuple(item for item in current if item.situation_key not in already_sent)
    return new, frozenset(item.situation_key for item in current)


def message_for(resolution: Resolution) -> tuple[str, str]:
    """(subject, body) of the direct message to the yielder: the work, the keeper,
    why, and the suggestion."""
    same = resolution.kind == "duplicate"
    subject = f"{'Duplicate' if same else 'Overlapping'} work: {resolution.yielder_work}"
    if same:
        opening = f"{resolution.keeper} keeps '{resolution.work}' ({resolution.reason})."
    else:
        opening = (
            f"Your work '{resolution.yielder_work}' overlaps '{resolution.work}', which "
            f"{resolution.keeper} keeps ({resolution.reason})."
        )
    suggestion = resolution.suggestion
    if suggestion is None:
        advice = "No free priority is available right now: please check priorities.txt."
    else:
        advice = (
            f"Suggested next: {suggestion.priority} (score {suggestion.score:g}): "
            f"{suggestion.description} [{suggestion.reason}]."
        )
    return subject, f"{opening} Please leave it to them. {advice}"


def _first_view_by_id(sessions: Iterable[SessionView]) -> dict[str, SessionView]:
    views: dict[str, SessionView] = {}
    for view in sessions:
        views.setdefault(view.id, view)
    return views


Held = Mapping[str, Sequence[tuple[int, ClaimView]]]
"""Session id → its live claims, each with its place in the analysis's claims."""


def live_claims_by_holder(analysis: Analysis) -> dict[str, list[tuple[int, ClaimView]]]:
    """The live claims, by the session holding them (``Held``)."""
    held: dict[str, list[tuple[int, ClaimView]]] = {}
    for order, claim_view in enumerate(analysis.claims):
        if claim_view.active:
            held.setdefault(claim_view.claim.claimed_by or "", []).append((order, claim_view))
    return held


def _claim_holders(
    members: Sequence[SessionView], held: Held
) -> list[tuple[SessionView, datetime | None, str]]:
    """Members holding a live claim whose name is what their work is about, in the order
    of the analysis's claims."""
    by_id = {view.id: view for view in members}
    found = []
    for session_id, view in by_id.items():
        for order, claim_view in held.get(session_id, ()):
            claim = claim_view.claim
            words = work_words(claim.resource_name) or work_words(claim.name)
            if names_match(words, work_words(view.session.current_work)):
                found.append((order, view, claim.claimed_at, claim.name))
    found.sort(key=lambda entry: entry[0])
    return [(view, at, name) for _, view, at, name in found]


def _owned_progress(view: SessionView, analysis: Analysis) -> float:
    """The progress of the unfinished milestone it owns that its work is about, else 0."""
    words = work_words(view.session.current_work)
    best = 0.0
    for item in analysis.milestones.items:
        milestone = item.milestone
        if milestone.owner != view.id or milestone.status == "completed":
            continue
        title_words = work_words(milestone.title) or work_words(milestone.milestone_id)
        if names_match(title_words, words) or names_match(words, title_words):
            best = max(best, item.progress)
    return best


def _count(view: SessionView) -> int:
    count = view.session.heartbeat_count
    return count if isinstance(count, int) and count > 0 else 0
