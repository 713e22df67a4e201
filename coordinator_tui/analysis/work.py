"""Claims, conflicts, the priority queue and suggestions for idle sessions: the rules,
each of one claim, one session or one priority."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timezone

from coordinator_tui.analysis.results import (
    Analysis,
    ClaimView,
    Conflict,
    Health,
    PriorityView,
    SessionView,
    Suggestion,
)
from coordinator_tui.files.records import Claim, PriorityItem
from coordinator_tui.files.worktext import names_match, work_words

GENERIC_CAPABILITIES = frozenset({"general", "purpose"})
FAR_FUTURE = datetime.max.replace(tzinfo=timezone.utc)

ClaimWords = tuple[Claim, frozenset[str]]


def claim_words(claim: Claim) -> frozenset[str]:
    return work_words(claim.resource_name) or work_words(claim.name)


def claim_view(claim: Claim, now: datetime, health_by_id: dict[str, Health]) -> ClaimView:
    active = claim.expires_at is None or claim.expires_at > now
    holder = health_by_id.get(claim.claimed_by) if claim.claimed_by is not None else None
    return ClaimView(claim=claim, active=active, holder_health=holder)


def claims_by_word(active: Iterable[Claim]) -> dict[str, list[ClaimWords]]:
    """Each active claim filed under one of its words: a session is checked only against
    the claims that share a word with its work (sessions × claims otherwise)."""
    by_word: dict[str, list[ClaimWords]] = defaultdict(list)
    for claim in active:
        words = claim_words(claim)
        if words:
            by_word[min(words)].append((claim, words))
    return by_word


def conflicts_of(
    view: SessionView, words: frozenset[str], by_word: dict[str, list[ClaimWords]]
) -> list[Conflict]:
    """A live session working on what another session claimed (``words``: its work's)."""
    found = []
    for word in words:
        for claim, claimed in by_word.get(word, ()):
            if claim.claimed_by != view.id and names_match(claimed, words):
                work = view.session.current_work or ""
                found.append(Conflict(view.id, work, claim.name, claim.claimed_by or "unknown"))
    return found


def conflict_order(conflict: Conflict) -> tuple[str, str, str, str]:
    return (conflict.session, conflict.claim, conflict.claimed_by, conflict.work)


def priority_view(
    item: PriorityItem, words: frozenset[str], workers: Iterable[str], active: list[ClaimWords]
) -> PriorityView:
    """A priority with the live sessions whose work it names (``workers``) and the first
    active claim on it: available when neither."""
    holder = next(
        (
            claim.claimed_by or "unknown"
            for claim, claimed in active
            if names_match(words, claimed) or names_match(claimed, words)
        ),
        None,
    )
    ids = tuple(sorted(set(workers)))
    return PriorityView(
        item, available=not ids and holder is None, worked_on_by=ids, claimed_by=holder
    )


def idle_order(view: SessionView) -> tuple[datetime, str, int, str]:
    """Longest idle first (then by id): the order idle sessions are offered work in."""
    since = view.idle_since or view.session.started_at or FAR_FUTURE
    return (since, view.id, view.attention, view.key)


def take_best(view: SessionView, free: list[PriorityView]) -> Suggestion | None:
    """The first free priority (best score first) sharing a word with the session's
    capabilities, else the highest-scoring one; taken out of ``free`` so that no two
    sessions are offered the same work."""
    if not free:
        return None
    skills = (
        work_words(" ".join(view.session.capabilities + view.session.specialization))
        - GENERIC_CAPABILITIES
    )
    best, reason = free[0], "highest-scoring available priority"
    for candidate in free:
        shared = skills & work_words(f"{candidate.item.name} {candidate.item.description}")
        if shared:
            best, reason = candidate, "matches " + ", ".join(sorted(shared))
            break
    free.remove(best)
    item = best.item
    return Suggestion(view.id, item.name, item.score, item.description, reason)


def unoffered(analysis: Analysis) -> list[PriorityView]:
    """The available priorities not already offered to an idle session (best first)."""
    taken = {suggestion.priority for suggestion in analysis.suggestions}
    return [view for view in analysis.priorities if view.available and view.item.name not in taken]


def suggest_work(
    idle: Iterable[SessionView], priorities: tuple[PriorityView, ...]
) -> tuple[Suggestion, ...]:
    """Idle sessions (in ``idle_order``), each given the best available priority it fits."""
    free = [view for view in priorities if view.available]
    suggestions = []
    for session in idle:
        suggestion = take_best(session, free)
        if suggestion is None:
            break
        suggestions.append(suggestion)
    return tuple(suggestions)
