"""The cost of the work: each bucket of a session's spend goes to what it was doing then.

What a session was doing at a moment, best evidence first:

1. the work this program saw it at (``SessionUsage.work_log``: the follower notes each
   session's ``current_work`` whenever it changes, so the heartbeats' history as seen);
2. its heartbeat event files (``target`` / ``current_work`` of the newest one before);
3. a claim it held then (``claimed_at`` … ``expires_at``): its resource;
4. its ``current_work`` now, for spend since that work began.

A work names a milestone when the milestone's title (or id) words are all in it, or
all its words in the title; one the session owns goes first; spend while the work is
a placeholder goes to the one unfinished milestone the session owns, if there is just
one. A work names a priority (``priorities.txt``) as ``rank_priorities`` decides it:
every word of the priority's name is in the work. The rest is "unattributed".
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from coordinator_tui.analysis.results import Analysis, SessionView
from coordinator_tui.files.records import Heartbeat, Milestone
from coordinator_tui.files.worktext import names_match, normalise_work, work_words
from coordinator_tui.usage.tokens import BUCKET_S, SessionUsage

FINISHED = frozenset({"completed", "abandoned"})
HEARTBEAT_WORK_FIELDS = ("current_work", "target", "work")


@dataclass(frozen=True, slots=True)
class Timeline:
    """What one session was doing over time: sorted (from, work) steps."""

    starts: tuple[float, ...] = ()
    works: tuple[str, ...] = ()
    claims: tuple[tuple[float, float, str], ...] = ()
    """(from, until, resource) of the claims it held."""

    def at(self, moment: float) -> str:
        index = bisect_right(self.starts, moment) - 1
        if index >= 0:
            return self.works[index]
        for start, end, resource in self.claims:
            if start <= moment < end:
                return resource
        return ""


def timeline_of(
    view: SessionView | None,
    usage: SessionUsage,
    beats: Sequence[Heartbeat],
    claims: Sequence[tuple[float, float, str]],
    work_since: datetime | None,
) -> Timeline:
    steps: dict[float, str] = {}
    for beat in beats:
        if beat.timestamp is None:
            continue
        for name in HEARTBEAT_WORK_FIELDS:
            value = beat.extra.get(name)
            if isinstance(value, str) and value.strip():
                steps[beat.timestamp.timestamp()] = value
                break
    if view is not None and view.session.current_work:
        since = work_since or view.session.started_at
        if since is not None:
            steps.setdefault(since.timestamp(), view.session.current_work)
    for moment, work in usage.work_log:
        steps[moment] = work  # seen by this program: the surest
    ordered = sorted(steps.items())
    return Timeline(
        tuple(moment for moment, _ in ordered), tuple(work for _, work in ordered), tuple(claims)
    )


@dataclass
class Matcher:
    """Work text → the milestone and the priority it names (memoised per analysis)."""

    analysis: Analysis
    placeholders: frozenset[str]
    _milestones: list[tuple[Milestone, frozenset[str]]] = field(default_factory=list)
    _owned: dict[str, list[Milestone]] = field(default_factory=dict)
    _priorities: list[tuple[str, frozenset[str]]] = field(default_factory=list)
    _memo: dict[tuple[str, str], tuple[str | None, str | None]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for item in self.analysis.milestones.items:
            milestone = item.milestone
            words = work_words(milestone.title) or work_words(milestone.milestone_id)
            self._milestones.append((milestone, words))
            if milestone.owner and milestone.status not in FINISHED:
                self._owned.setdefault(milestone.owner, []).append(milestone)
        self._priorities = [
            (view.item.name, work_words(view.item.name)) for view in self.analysis.priorities
        ]

    def match(self, session: str, work: str) -> tuple[str | None, str | None]:
        """(milestone id, priority name) the work names, either None."""
        key = (session, work)
        known = self._memo.get(key)
        if known is None:
            known = self._memo[key] = (self._milestone(session, work), self._priority(work))
        return known

    def _milestone(self, session: str, work: str) -> str | None:
        owned = self._owned.get(session, [])
        if not work or normalise_work(work) in self.placeholders:
            return owned[0].milestone_id if len(owned) == 1 else None
        words = work_words(work)
        named = [
            milestone
            for milestone, title in self._milestones
            if names_match(title, words) or names_match(words, title)
        ]
        if not named:
            return None
        mine = [milestone for milestone in named if milestone.owner == session]
        return (mine or named)[0].milestone_id

    def _priority(self, work: str) -> str | None:
        words = work_words(work)
        for name, name_words in self._priorities:
            if names_match(name_words, words):
                return name
        return None


def claims_by_session(analysis: Analysis) -> Mapping[str, list[tuple[float, float, str]]]:
    result: dict[str, list[tuple[float, float, str]]] = {}
    for view in analysis.claims:
        claim = view.claim
        if claim.claimed_by is None or claim.claimed_at is None:
            continue
        start = claim.claimed_at.timestamp()
        end = claim.expires_at.timestamp() if claim.expires_at else analysis.now.timestamp()
        resource = claim.resource_name or claim.name
        result.setdefault(claim.claimed_by, []).append((start, end, resource))
    return result


HALF_BUCKET_S = BUCKET_S / 2
"""A bucket's spend goes to the work at its middle."""
