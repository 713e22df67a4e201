"""The engine's indexes: each keeps one cross-session rule's answer up to date.

Each is fed one session at a time (``add``/``remove``) and answers from
per-session entries, so a changed file costs a few dictionary and ``bisect``
operations, not a pass over every session; the rule itself is a function of
``sessions``, ``work`` or ``deadlines`` that the index calls for what changed.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime
from operator import is_
from typing import TYPE_CHECKING, Generic, TypeVar

from coordinator_tui.analysis.results import (
    ClaimView,
    Conflict,
    Counts,
    DuplicateGroup,
    Health,
    PriorityView,
    SessionView,
)
from coordinator_tui.analysis.sessions import duplicate_group
from coordinator_tui.analysis.work import (
    ClaimWords,
    claim_view,
    claim_words,
    claims_by_word,
    conflict_order,
    conflicts_of,
    priority_view,
)
from coordinator_tui.files.records import Claim, PriorityItem
from coordinator_tui.files.worktext import names_match, work_words

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

    def sort(self, items: Iterable[Item], key: Callable[[Item], Key]) -> None:
        """All at once: one sort instead of a bisection per item."""
        items = list(items)
        keys = [key(item) for item in items]
        order = sorted(range(len(keys)), key=keys.__getitem__)
        self.keys = [keys[index] for index in order]
        self.items = [items[index] for index in order]

    def __len__(self) -> int:
        return len(self.items)


class DuplicateIndex:
    """Live, non-placeholder sessions by normalised work, and their duplicate groups."""

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
        """Decide one work's group again; the ids whose duplicate flag may have changed."""
        touched: set[str] = set()
        before = self.groups.pop(work_key, None)
        if before is not None:
            self.id_groups.subtract(before.sessions)
            touched.update(before.sessions)
        members = self.members.get(work_key)
        group = duplicate_group(work_key, members) if members else None
        if group is not None:
            self.groups[work_key] = group
            self.id_groups.update(group.sessions)
            touched.update(group.sessions)
        return touched

    def result(self) -> tuple[DuplicateGroup, ...]:
        return tuple(sorted(self.groups.values(), key=lambda g: (-len(g.sessions), g.work_key)))


class ClaimIndex:
    """The active claims by word, each live session's work words, and its conflicts."""

    def __init__(self) -> None:
        self.records: tuple[Claim, ...] = ()
        self.active: tuple[Claim, ...] = ()
        self.active_words: list[ClaimWords] = []
        self.by_word: dict[str, list[ClaimWords]] = {}
        self.live: dict[str, tuple[SessionView, frozenset[str]]] = {}
        """File key → (view, words) of each live session with a work."""
        self.by_key: dict[str, list[Conflict]] = {}
        self.conflict_ids: Counter[str] = Counter()
        self._result: tuple[Conflict, ...] | None = None

    def load(self, claims: tuple[Claim, ...], now: datetime) -> bool:
        """The claims as of ``now``; True when the active ones changed (check everyone)."""
        self.records = claims
        active = tuple(c for c in claims if c.expires_at is None or c.expires_at > now)
        if same(active, self.active):
            return False
        self.active = active
        self.active_words = [(claim, claim_words(claim)) for claim in active]
        self.by_word = claims_by_word(active)
        return True

    def add(self, view: SessionView, words: frozenset[str]) -> set[str]:
        self.live[view.key] = (view, words)
        return self._check(view, words)

    def remove(self, key: str) -> set[str]:
        view, _ = self.live.pop(key)
        found = self.by_key.pop(key, ())
        if not found:
            return set()
        self.conflict_ids.subtract([view.id] * len(found))
        self._result = None
        return {view.id}

    def check_all(self) -> set[str]:
        """After ``load`` found other active claims: every live session checked again."""
        touched = {session_id for session_id, count in self.conflict_ids.items() if count}
        self.by_key.clear()
        self.conflict_ids.clear()
        self._result = None
        for view, words in self.live.values():
            touched |= self._check(view, words)
        return touched

    def _check(self, view: SessionView, words: frozenset[str]) -> set[str]:
        found = conflicts_of(view, words, self.by_word) if self.by_word else None
        if not found:
            return set()
        self.by_key[view.key] = found
        self.conflict_ids[view.id] += len(found)
        self._result = None
        return {view.id}

    def result(self) -> tuple[Conflict, ...]:
        if self._result is None:
            found = [conflict for conflicts in self.by_key.values() for conflict in conflicts]
            self._result = tuple(sorted(found, key=conflict_order))
        return self._result

    def views(
        self, now: datetime, ids: dict[str, set[str]], views: dict[str, SessionView]
    ) -> tuple[ClaimView, ...]:
        """Every claim with its holder's health (from the holder's file with the smallest
        key when two files claim one id: never from directory order)."""
        holders = {
            holder: views[min(ids[holder])].health
            for claim in self.records
            if (holder := claim.claimed_by) is not None and holder in ids
        }
        return tuple(claim_view(claim, now, holders) for claim in self.records)


class PriorityIndex:
    """For each priority, the live sessions whose work it names (``work.priority_view``)."""

    def __init__(self, items: tuple[PriorityItem, ...]) -> None:
        self.items = items
        self.words = [work_words(item.name) for item in items]
        self.by_word: dict[str, list[int]] = defaultdict(list)
        """Each priority filed under one of its words: a session's work must hold them all."""
        for index, words in enumerate(self.words):
            if words:
                self.by_word[min(words)].append(index)
        self.matching: list[dict[str, str]] = [{} for _ in items]
        """Per priority: file key → id of the live sessions working on it."""
        self.views: list[PriorityView | None] = [None] * len(items)

    def add(self, key: str, session_id: str, words: frozenset[str]) -> None:
        for word in words:
            for index in self.by_word.get(word, ()):
                if names_match(self.words[index], words):
                    self.matching[index][key] = session_id
                    self.views[index] = None

    def remove(self, key: str) -> None:
        for index, matching in enumerate(self.matching):
            if matching.pop(key, None) is not None:
                self.views[index] = None

    def result(self, active: list[ClaimWords], claims_moved: bool) -> tuple[PriorityView, ...]:
        """The ranked queue; a priority is decided again only when its workers or the
        claims moved."""
        views = self.views
        for index, item in enumerate(self.items):
            if views[index] is None or claims_moved:
                workers = self.matching[index].values()
                views[index] = priority_view(item, self.words[index], workers, active)
        return tuple(view for view in views if view is not None)


class Moments:
    """Each session's ``next_moment`` in a heap (lazy deletion). ``due(now)`` hands back
    the sessions whose moment has come, to be read again at ``now`` like a changed file
    (and put back with their next moment): a session turning stale or gone costs its own
    update, never a pass over every session."""

    def __init__(self) -> None:
        self.heap: list[tuple[float, str, int]] = []
        self.token: dict[str, int] = {}
        self.counter = 0

    def fill(self, moments: Iterable[tuple[float | None, str]]) -> None:
        """Every session's (moment, key) at once: one ``heapify``."""
        entries = list(moments)
        self.token = {key: 0 for _, key in entries}
        self.heap = [(moment, key, 0) for moment, key in entries if moment is not None]
        heapq.heapify(self.heap)

    def put(self, key: str, moment: float | None) -> None:
        """One session's next moment (None: none to come)."""
        self.counter += 1
        self.token[key] = self.counter
        if moment is not None:
            heapq.heappush(self.heap, (moment, key, self.counter))

    def drop(self, key: str) -> None:
        self.token.pop(key, None)

    def due(self, now: float) -> set[str]:
        """The sessions whose moment is at or before ``now`` (their moments are spent)."""
        keys: set[str] = set()
        heap = self.heap
        while heap and heap[0][0] <= now:
            _, key, token = heapq.heappop(heap)
            if self.token.get(key) == token:
                keys.add(key)
        for key in keys:
            self.token.pop(key, None)
        return keys

    def first(self) -> float | None:
        """The first moment still to come (``due`` has taken the passed ones)."""
        heap = self.heap
        while heap and self.token.get(heap[0][1]) != heap[0][2]:
            heapq.heappop(heap)
        return heap[0][0] if heap else None


def same(first: tuple[object, ...], second: tuple[object, ...]) -> bool:
    """The same records, object for object (the store keeps an unchanged record's object)."""
    return len(first) == len(second) and all(map(is_, first, second))


def order_key(view: SessionView) -> tuple[int, str, str]:
    """The sessions' order: attention first, then by id (and file)."""
    return (view.attention, view.id, view.key)


def counts_of(tally: Counter[Health], total: int) -> Counts:
    return Counts(
        total=total,
        live=sum(number for health, number in tally.items() if health.live),
        working=tally[Health.WORKING],
        idle=tally[Health.IDLE],
        stale=tally[Health.STALE],
        gone=tally[Health.GONE],
        waiting=tally[Health.WAITING],
        ended=tally[Health.ENDED],
        starting=tally[Health.STARTING],
    )
