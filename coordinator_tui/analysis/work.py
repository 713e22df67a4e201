"""Claims, conflicts, the priority queue and suggestions for idle sessions."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone

from coordinator_tui.analysis.results import (
    ClaimView,
    Conflict,
    Health,
    PriorityView,
    SessionView,
    Suggestion,
)
from coordinator_tui.files.records import (
    Claim,
    PriorityItem,
)
from coordinator_tui.files.worktext import (
    names_match,
    work_words,
)

_GENERIC_CAPABILITIES = frozenset({"general", "purpose"})


def _claim_words(claim: Claim) -> frozenset[str]:
    return work_words(claim.resource_name) or work_words(claim.name)


def claim_view(claim: Claim, now: datetime, health_by_id: dict[str, Health]) -> ClaimView:
    active = claim.expires_at is None or claim.expires_at > now
    holder = health_by_id.get(claim.claimed_by) if claim.claimed_by is not None else None
    return ClaimView(claim=claim, active=active, holder_health=holder)


def find_conflicts(
    views: list[SessionView],
    claims: tuple[ClaimView, ...],
    live_words: dict[str, frozenset[str]],
) -> tuple[Conflict, ...]:
    conflicts = []
    # Each active claim filed under one of its words: a session is checked only
    # against claims that share a word with its work (sessions x claims otherwise).
    by_word: dict[str, list[tuple[ClaimView, frozenset[str]]]] = defaultdict(list)
    for view in claims:
        claim_words = _claim_words(view.claim)
        if view.active and claim_words:
            by_word[min(claim_words)].append((view, claim_words))
    for session in views:
        words = live_words.get(session.key)
        if not words:
            continue
        candidates = [entry for word in words for entry in by_word.get(word, ())]
        for claim_view, claim_words in candidates:
            claim = claim_view.claim
            if claim.claimed_by == session.id or not names_match(claim_words, words):
                continue
            conflicts.append(
                Conflict(
                    session=session.id,
                    work=session.session.current_work or "",
                    claim=claim.name,
                    claimed_by=claim.claimed_by or "unknown",
                )
            )
    conflicts.sort(key=lambda c: (c.session, c.claim, c.claimed_by, c.work))
    return tuple(conflicts)


def rank_priorities(
    items: tuple[PriorityItem, ...],
    views: list[SessionView],
    claims: tuple[ClaimView, ...],
    live_words: dict[str, frozenset[str]],
) -> tuple[PriorityView, ...]:
    ids = {view.key: view.id for view in views}
    active_claims = [(view.claim, _claim_words(view.claim)) for view in claims if view.active]
    result = []
    for item in items:
        words = work_words(item.name)
        workers = tuple(
            sorted({ids[key] for key, work in live_words.items() if names_match(words, work)})
        )
        holder = next(
            (
                claim.claimed_by or "unknown"
                for claim, claim_words in active_claims
                if names_match(words, claim_words) or names_match(claim_words, words)
            ),
            None,
        )
        result.append(
            PriorityView(
                item=item,
                available=not workers and holder is None,
                worked_on_by=workers,
                claimed_by=holder,
            )
        )
    return tuple(result)


def suggest_work(
    views: list[SessionView], priorities: tuple[PriorityView, ...]
) -> tuple[Suggestion, ...]:
    """Idle sessions, longest idle first, each given the best available priority it fits."""
    far_future = datetime.max.replace(tzinfo=timezone.utc)
    idle = sorted(
        (view for view in views if view.health is Health.IDLE),
        key=lambda view: (view.idle_since or view.session.started_at or far_future, view.id),
    )
    remaining = [view for view in priorities if view.available]
    suggestions = []
    for session in idle:
        if not remaining:
            break
        skills = (
            work_words(" ".join(session.session.capabilities + session.session.specialization))
            - _GENERIC_CAPABILITIES
        )
        best = remaining[0]
        reason = "highest-scoring available priority"
        for candidate in remaining:
            shared = skills & work_words(f"{candidate.item.name} {candidate.item.description}")
            if shared:
                best = candidate
                reason = "matches " + ", ".join(sorted(shared))
                break
        remaining.remove(best)
        suggestions.append(
            Suggestion(
                session=session.id,
                priority=best.item.name,
                score=best.item.score,
                description=best.item.description,
                reason=reason,
            )
        )
    return tuple(suggestions)
