"""The indexes the live analysis keeps up to date, one session at a time.

Each answers one cross-session question of ``analyse()`` (who works on the
same thing, in what order the sessions stand, which priorities are taken)
from per-session entries that are added and removed as files change, so a
changed file costs a few dictionary and ``bisect`` operations, not a pass
over every session.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timezone
from operator import is_
from typing import TYPE_CHECKING, Generic, TypeVar

from coordinator_tui.analysis.results import (
    FUTURE_TOLERANCE_S,
    ClaimView,
    Counts,
    DuplicateGroup,
    Health,
    PriorityView,
    SessionView,
)
from coordinator_tui.files.records import PriorityItem
from coordinator_tui.files.worktext import names_match, work_words
from coordinator_tui.settings import Settings

if TYPE_CHECKING:
    from _typeshed import SupportsRichComparison

Key = TypeVar("Key", bound="SupportsRichComparison")
Item = TypeVar("Item")


class SortedItems(Generic[Key, Item]):
    """Items kept in the order of their (unique) sort keys: insert and remove by bisection."""

    def __init__(self) -> None:
        self.keys: list[Key] = []
        self.items: list[Item] = []

    def add(self, key: Key, item: Item) -> None:
        index = bisect_left(self.keys, key)
        self.keys.insert(index, key)
        self.items.insert(index, item)

    def remove(self, key: Key) -> None:
        index = bisect_left(self.keys, key)
        if index < len(self.keys) and self.keys[index] == key:
            del self.keys[index]
            del self.items[index]

    def __len__(self) -> int:
        return len(self.items)


class DuplicateIndex:
    """Live, non-placeholder sessions by normalised work: groups of two or more ids."""

    def __init__(self) -> None:
        self.members: dict[str, dict[str, SessionView]] = {}
        """work key → {file key: view}."""
        self.groups: dict[str, DuplicateGroup] = {}
        self.id_groups: Counter[str] = Counter()
        """How many groups each id is in (> 0: flagged duplicate)."""

    def add(self, view: SessionView) -> None:
        self.members.setdefault(view.work_key, {})[view.key] = view

    def remove(self, view: SessionView) -> None:
        members = self.members.get(view.work_key)
        if members is not None:
            members.pop(view.key, None)
            if not members:
                del self.members[view.work_key]

    def regroup(self, work_key: str) -> set[str]:
        """Recompute one work's group; the ids whose duplicate flag may have changed."""
        before = self.groups.pop(work_key, None)
        members = self.members.get(work_key, {})
        ids = {view.id for view in members.values()}
        touched = set(before.sessions) if before is not None else set()
        if before is not None:
            self.id_groups.subtract(before.sessions)
        if len(ids) >= 2:
            first = members[min(members)]
            group = DuplicateGroup(
                work=first.session.current_work or "",
                work_key=work_key,
                sessions=tuple(sorted(ids)),
            )
            self.groups[work_key] = group
            self.id_groups.update(group.sessions)
            touched.update(group.sessions)
        return touched

    def result(self) -> tuple[DuplicateGroup, ...]:
        return tuple(
            sorted(self.groups.values(), key=lambda group: (-len(group.sessions), group.work_key))
        )


class PriorityIndex:
    """For each priority, the live sessions whose work it names (``rank_priorities``)."""

    def __init__(self, items: tuple[PriorityItem, ...]) -> None:
        self.items = items
        self.words = [work_words(item.name) for item in items]
        self.matching: list[dict[str, str]] = [{} for _ in items]
        """Per priority: file key → id of the live sessions working on it."""
        self.views: list[PriorityView | None] = [None] * len(items)

    def add(self, key: str, session_id: str, words: frozenset[str]) -> None:
        for index, name_words in enumerate(self.words):
            if names_match(name_words, words):
                self.matching[index][key] = session_id
                self.views[index] = None

    def remove(self, key: str) -> None:
        for index, matching in enumerate(self.matching):
            if matching.pop(key, None) is not None:
                self.views[index] = None

    def result(
        self, claims: tuple[ClaimView, ...], claims_changed: bool
    ) -> tuple[PriorityView, ...]:
        """The ranked queue; a priority is worded again only when its workers or claims moved."""
        active = [
            (view.claim, work_words(view.claim.resource_name) or work_words(view.claim.name))
            for view in claims
            if view.active
        ]
        for index, item in enumerate(self.items):
            if self.views[index] is not None and not claims_changed:
                continue
            words = self.words[index]
            workers = tuple(sorted(set(self.matching[index].values())))
            holder = next(
                (
                    claim.claimed_by or "unknown"
                    for claim, claim_words in active
                    if names_match(words, claim_words) or names_match(claim_words, words)
                ),
                None,
            )
            self.views[index] = PriorityView(
                item=item,
                available=not workers and holder is None,
                worked_on_by=workers,
                claimed_by=holder,
            )
        return tuple(view for view in self.views if view is not None)


class Moments:
    """Per-session moments at which the clock alone changes a view (lazy-deletion heaps).

    ``due(now)`` hands back the sessions whose moment has come, to be read again
    at ``now`` like a changed file: a session turning stale or gone costs its own
    update, never a pass over every session. ``quiet`` moments trigger that too
    but are no deadline of the analysis (a far-future heartbeat coming into range).
    """

    def __init__(self) -> None:
        self.heap: list[tuple[float, str, int]] = []
        self.quiet: list[tuple[float, str, int]] = []
        self.token: dict[str, int] = {}
        self.counter = 0

    def put(self, key: str, moments: Iterable[float], quiet: Iterable[float] = ()) -> None:
        self.counter += 1
        self.token[key] = self.counter
        for moment in moments:
            heapq.heappush(self.heap, (moment, key, self.counter))
        for moment in quiet:
            heapq.heappush(self.quiet, (moment, key, self.counter))

    def drop(self, key: str) -> None:
        self.token.pop(key, None)

    def due(self, now: float) -> set[str]:
        """The sessions with a moment at or before ``now`` (their moments are spent)."""
        keys: set[str] = set()
        for heap in (self.heap, self.quiet):
            while heap and heap[0][0] <= now:
                _, key, token = heapq.heappop(heap)
                if self.token.get(key) == token:
                    keys.add(key)
        for key in keys:
            self.token.pop(key, None)
        return keys

    def earliest_after(self, now: float) -> float | None:
        """The first live deadline after ``now`` (``due`` has taken the passed ones)."""
        heap = self.heap
        while heap:
            moment, key, token = heap[0]
            if self.token.get(key) == token and moment > now:
                return moment
            heapq.heappop(heap)
        return None


FAR_FUTURE = datetime.max.replace(tzinfo=timezone.utc)


def same(first: tuple[object, ...], second: tuple[object, ...]) -> bool:
    return len(first) == len(second) and all(map(is_, first, second))


def order_key(view: SessionView) -> tuple[int, str, str]:
    return (view.attention, view.id, view.key)


def idle_key(view: SessionView) -> tuple[datetime, str, int, str]:
    """``suggest_work``'s order of idle sessions (a stable sort of the ordered views)."""
    since = view.idle_since or view.session.started_at or FAR_FUTURE
    return (since, view.id, view.attention, view.key)


def counts_of(health: Counter[Health], total: int, live: int) -> Counts:
    return Counts(
        total=total,
        live=live,
        working=health[Health.WORKING],
        idle=health[Health.IDLE],
        stale=health[Health.STALE],
        gone=health[Health.GONE],
        waiting=health[Health.WAITING],
        ended=health[Health.ENDED],
        starting=health[Health.STARTING],
    )


def moments_of(
    view: SessionView, now: datetime, settings: Settings
) -> tuple[list[float], list[float]]:
    """(deadlines, quiet moments) after ``now`` at which this view changes by itself:
    stale and gone; a far-future heartbeat coming into range."""
    current = now.timestamp()
    beat = view.session.last_heartbeat
    ahead: list[float] = []
    if beat is not None:
        # A heartbeat too far ahead is ignored until it comes within the tolerance; then
        # it counts (``sessions.session_view``), so the view changes by itself.
        credible_from = beat.timestamp() - FUTURE_TOLERANCE_S
        if credible_from > current:
            ahead.append(credible_from)
    if view.heartbeat is None or view.health is Health.GONE:
        return ahead, []
    stamp = view.heartbeat.timestamp()
    moments = (stamp + settings.stale_after_s, stamp + settings.gone_after_s)
    return [*ahead, *(moment for moment in moments if moment > current)], []
