"""The live analysis: ``analyse()``'s answer, kept up to date from the files that changed.

A dashboard over 10,000 sessions that re-analysed everything for each edited
file spent a tenth of a second per file event whatever the edit. Here each
changed session file is taken out of the indexes it was in (health counts,
duplicate groups, claim conflicts, the priority queue, the sorted order, the
idle queue, the clock's moments) and put back as it is now; the cross-session
answers are then re-read from those indexes. The result equals a full
``analyse(snapshot, now)`` (``tests/test_live_analysis.py`` checks it on random
sequences of changes) with two stated exceptions:

- ages: a view not recomputed keeps the ``heartbeat_age_s`` of the moment it
  was read (health cannot have changed meanwhile: each session's next stale or
  gone moment is kept in a heap, and a session whose moment has come is read
  again at the new ``now``, like a changed file);
- overlaps (a similarity search over every distinct work) are recomputed only
  when asked (``update(..., overlaps=True)`` or ``settle_overlaps``): the
  dashboard runs that search in a worker while rows are already on screen.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from coordinator_tui.analysis.changes import Changes
from coordinator_tui.analysis.live.indexes import (
    DuplicateIndex,
    Moments,
    PriorityIndex,
    SortedItems,
    counts_of,
    idle_key,
    moments_of,
    order_key,
    same,
)
from coordinator_tui.analysis.live.parts import (
    ClaimIndex,
    completed_since,
    file_counts,
    future_beat,
    next_change,
    session_errors,
)
from coordinator_tui.analysis.results import (
    Analysis,
    Health,
    MessageSummary,
    SessionView,
)
from coordinator_tui.analysis.sessions import (
    OverlapResult,
    find_overlaps,
    group_heartbeats,
    session_view,
    with_flags,
)
from coordinator_tui.analysis.summaries import summarise_messages, summarise_milestones
from coordinator_tui.analysis.work import suggest_work
from coordinator_tui.files.records import Session
from coordinator_tui.files.worktext import normalise_work, work_words
from coordinator_tui.gcpause import paused_gc
from coordinator_tui.settings import Settings
from coordinator_tui.store import Snapshot

BULK = 2000
"""Above this many changed views the sorted orders are rebuilt with one sort."""


@dataclass(frozen=True, slots=True)
class Update:
    """One update's result and what it changed, so a screen can touch only that."""

    analysis: Analysis
    touched: frozenset[str]
    """File keys whose view is new or different."""
    removed: frozenset[str]
    news: Changes


class LiveAnalysis:
    """One directory's analysis, updated in place from changed files (one thread at a time)."""

    def __init__(
        self,
        snapshot: Snapshot,
        now: datetime,
        settings: Settings | None = None,
        *,
        overlaps: bool = True,
    ) -> None:
        self.settings = settings or Settings()
        self._placeholders = frozenset(normalise_work(i) for i in self.settings.placeholders)
        self._gone = frozenset(item.lower() for item in self.settings.gone_statuses)
        self._snapshot: Snapshot | None = None
        self._records: dict[str, Session] = {}
        self._kept: frozenset[str] = frozenset()
        self._heartbeats: dict[str, tuple[object, ...]] = {}
        self._base: dict[str, SessionView] = {}
        self._views: dict[str, SessionView] = {}
        self._ids: dict[str, set[str]] = {}
        self._order: SortedItems[tuple[int, str, str], SessionView] = SortedItems()
        self._idle: SortedItems[tuple[datetime, str, int, str], SessionView] = SortedItems()
        self.stale: dict[str, SessionView] = {}
        """Stale sessions by key (the alerts panel lists them)."""
        self._health: Counter[Health] = Counter()
        self._dups = DuplicateIndex()
        self._claims = ClaimIndex()
        self._priorities = PriorityIndex(())
        self._moments = Moments()
        self._recovered = 0
        self._works: Counter[tuple[str, str, str]] = Counter()
        self._overlaps: OverlapResult = ((), 0, False)
        self.overlaps_version = 0
        """Bumped whenever the set of live works changes (overlaps must be searched again)."""
        self._overlaps_for = -1
        self._messages: MessageSummary | None = None
        self._message_records: tuple[object, ...] = ()
        self._future: set[str] = set()
        """Sessions whose heartbeat lay in the future when last read (few; checked again)."""
        self._shared: dict[str, set[str]] = {}
        """Ids that more than one file claims → their file keys."""
        self.analysis: Analysis
        self.update(snapshot, now, None, overlaps=overlaps)

    # --- the update -------------------------------------------------------------------

    def update(
        self,
        snapshot: Snapshot,
        now: datetime,
        changed: Iterable[str] | None = None,
        *,
        overlaps: bool = True,
    ) -> Update:
        """Bring the analysis to ``snapshot`` at ``now``. ``changed``: the relative paths
        changed since the last update (None: compare every session with the last one)."""
        with paused_gc():
            return self._update(
                snapshot, now if now.tzinfo else now.replace(tzinfo=timezone.utc), changed, overlaps
            )

    def _update(
        self, snapshot: Snapshot, now: datetime, changed: Iterable[str] | None, overlaps: bool
    ) -> Update:
        previous = self._snapshot
        by_path = snapshot.session_by_path or {s.path: s for s in snapshot.sessions}
        keys = self._changed_keys(by_path, snapshot.kept, changed)
        keys.update(key for key in self._moments.due(now.timestamp()) if key in by_path)
        if previous is None or not same(snapshot.heartbeats, previous.heartbeats):
            keys |= self._regroup_heartbeats(snapshot)
        conflicts_all = self._claims.load(snapshot.claims, now)
        if previous is None or not same(snapshot.priorities, previous.priorities):
            self._priorities = PriorityIndex(snapshot.priorities)
            for key, words in self._claims.live_words.items():
                self._priorities.add(key, self._base[key].id, words)
        flag_ids: set[str] = set()
        work_keys: set[str] = set()
        for key in keys:
            self._refresh(key, by_path.get(key), snapshot, now, flag_ids, work_keys)
        if conflicts_all:
            flag_ids |= self._claims.recheck_all(self._base)
        old_groups = set(self._dups.groups)
        for work_key in work_keys:
            flag_ids |= self._dups.regroup(work_key)
        for session_id in flag_ids:
            keys |= self._ids.get(session_id, set())
        touched, removed, stale = self._reflag(keys)
        self._snapshot = snapshot
        if overlaps:
            self.settle_overlaps()
        analysis = self._analysis(snapshot, now, conflicts_all)
        news = Changes(
            new_duplicates=tuple(g for g in analysis.duplicates if g.work_key not in old_groups),
            went_stale=tuple(sorted(stale, key=order_key)),
            completed=completed_since(
                self.analysis.milestones if previous is not None else None, analysis.milestones
            ),
        )
        self.analysis = analysis
        return Update(analysis, frozenset(touched), frozenset(removed), news)

    def _changed_keys(
        self, by_path: dict[str, Session], kept: frozenset[str], changed: Iterable[str] | None
    ) -> set[str]:
        records = self._records
        if changed is None:
            keys = {key for key, record in by_path.items() if records.get(key) is not record}
            keys.update(key for key in records if key not in by_path)
        else:
            keys = {key for key in changed if key in by_path or key in records}
        keys.update(key for key in kept ^ self._kept if key in by_path or key in records)
        self._kept = kept
        return keys

    def _regroup_heartbeats(self, snapshot: Snapshot) -> set[str]:
        """Group heartbeat events again; the keys of sessions whose events changed."""
        grouped = group_heartbeats(snapshot.heartbeats)
        old = self._heartbeats
        ids = {i for i in grouped.keys() | old.keys() if grouped.get(i) != old.get(i)}
        self._heartbeats = grouped  # type: ignore[assignment]
        return {key for session_id in ids for key in self._ids.get(session_id, ())}

    def _refresh(
        self,
        key: str,
        record: Session | None,
        snapshot: Snapshot,
        now: datetime,
        flag_ids: set[str],
        work_keys: set[str],
    ) -> None:
        """Take one session out of every index and put it back as ``record`` says now."""
        old = self._base.pop(key, None)
        if old is not None:
            self._enlist(old, -1, flag_ids, work_keys)
        self._records.pop(key, None)
        if record is None:
            return
        self._records[key] = record
        view = session_view(
            record,
            now,
            self.settings,
            self._heartbeats,  # type: ignore[arg-type]
            self._placeholders,
            self._gone,
            snapshot,
        )
        self._base[key] = view
        self._enlist(view, 1, flag_ids, work_keys)
        self._moments.put(key, *moments_of(view, now, self.settings))
        if future_beat(view, now):
            self._future.add(key)

    def _enlist(self, view: SessionView, sign: int, flag_ids: set[str], works: set[str]) -> None:
        """Add (``sign`` 1) or remove (-1) one base view's share of every index."""
        key, session_id = view.key, view.id
        flag_ids.add(session_id)
        self._health[view.health] += sign
        self._recovered += sign * view.session.recovered
        ids = self._ids.setdefault(session_id, set())
        if sign > 0:
            ids.add(key)
        else:
            ids.discard(key)
            if not ids:
                del self._ids[session_id]
            self._moments.drop(key)
            self._future.discard(key)
        if len(ids) > 1:
            self._shared[session_id] = ids
        else:
            self._shared.pop(session_id, None)
        if not view.health.live or view.placeholder:
            return
        works.add(view.work_key)
        entry = (session_id, view.work_key, view.session.current_work or "")
        self._works[entry] += sign
        if self._works[entry] in (0, 1):
            self.overlaps_version += 1
            if not self._works[entry]:
                del self._works[entry]
        if sign > 0:
            words = work_words(view.session.current_work)
            self._dups.add(view)
            self._priorities.add(key, session_id, words)
            flag_ids |= self._claims.add(view, words)
        else:
            self._dups.remove(view)
            self._priorities.remove(key)
            flag_ids |= self._claims.remove(key)

    def _reflag(self, keys: set[str]) -> tuple[set[str], set[str], list[SessionView]]:
        """The flagged views of ``keys``, re-placed in the sorted orders where they changed."""
        touched: set[str] = set()
        removed: set[str] = set()
        went_stale: list[SessionView] = []
        bulk = len(keys) > BULK
        for key in keys:
            before = self._views.get(key)
            base = self._base.get(key)
            view = None
            if base is not None:
                duplicate = self._dups.id_groups[base.id] > 0
                view = with_flags(base, duplicate, self._claims.conflict_ids[base.id] > 0)
            if before is not None and view is not None and before == view:
                continue
            if before is not None:
                self._place(before, remove=True, bulk=bulk)
            if view is None:
                removed.add(key)
                continue
            if before is not None and before.health is not Health.STALE:
                went_stale += [view] if view.health is Health.STALE else []
            self._views[key] = view
            self._place(view, remove=False, bulk=bulk)
            touched.add(key)
        if bulk:
            self._resort()
        return touched, removed, went_stale

    def _place(self, view: SessionView, *, remove: bool, bulk: bool) -> None:
        if remove:
            self._views.pop(view.key, None)
            self.stale.pop(view.key, None)
            if not bulk:
                self._order.remove(order_key(view))
                if view.health is Health.IDLE:
                    self._idle.remove(idle_key(view))
            return
        if view.health is Health.STALE:
            self.stale[view.key] = view
        if not bulk:
            self._order.add(order_key(view), view)
            if view.health is Health.IDLE:
                self._idle.add(idle_key(view), view)

    def _resort(self) -> None:
        views = sorted(self._views.values(), key=order_key)
        self._order.keys = [order_key(view) for view in views]
        self._order.items = views
        idle = sorted((v for v in views if v.health is Health.IDLE), key=idle_key)
        self._idle.keys = [idle_key(view) for view in idle]
        self._idle.items = idle

    # --- overlaps ---------------------------------------------------------------------

    def overlap_input(self) -> tuple[list[SessionView], float, int]:
        """What a worker needs to search overlaps: (live views, threshold, version)."""
        live = [v for v in self._base.values() if v.health.live and not v.placeholder]
        return live, self.settings.overlap_threshold, self.overlaps_version

    def install_overlaps(self, result: OverlapResult, version: int) -> bool:
        """A worker's search; False when the works changed meanwhile (search again)."""
        if version != self.overlaps_version:
            return False
        self._overlaps, self._overlaps_for = result, version
        if hasattr(self, "analysis"):
            overlaps, found, capped = result
            self.analysis = replace(
                self.analysis, overlaps=overlaps, overlaps_found=found, overlaps_capped=capped
            )
        return True

    def view(self, key: str) -> SessionView | None:
        """The current view of one session file."""
        return self._views.get(key)

    @property
    def overlaps_current(self) -> bool:
        return self._overlaps_for == self.overlaps_version

    def settle_overlaps(self) -> None:
        if not self.overlaps_current:
            live, threshold, version = self.overlap_input()
            self.install_overlaps(find_overlaps(live, threshold), version)

    # --- the result -------------------------------------------------------------------

    def _analysis(self, snapshot: Snapshot, now: datetime, claims_moved: bool) -> Analysis:
        views = self._views
        health = self._health
        claims = self._claims.views(now, self._ids, views)
        priorities = self._priorities.result(claims, claims_moved)
        available = sum(1 for view in priorities if view.available)
        if self._messages is None or not same(snapshot.messages, self._message_records):
            self._messages = summarise_messages(snapshot.messages)
            self._message_records = snapshot.messages
        self._future = {key for key in self._future if key in views}
        errors, pending = session_errors(snapshot, now, views, self._future, self._shared)
        overlaps, found, capped = self._overlaps
        live = sum(health[kind] for kind in Health if kind.live)
        return Analysis(
            root=snapshot.root,
            now=now,
            exists=snapshot.exists,
            counts=counts_of(health, len(views), live),
            sessions=tuple(self._order.items),
            duplicates=self._dups.result(),
            overlaps=overlaps,
            overlaps_found=found,
            overlaps_capped=capped,
            conflicts=self._claims.result(),
            claims=claims,
            priorities=priorities,
            suggestions=suggest_work(self._idle.items[:available], priorities),
            milestones=summarise_milestones(snapshot.milestones, now, self.settings),
            messages=self._messages,
            heartbeats=self._heartbeats,  # type: ignore[arg-type]
            files=file_counts(snapshot, self._recovered),
            errors=errors,
            pending_errors=pending,
            next_change_at=next_change(self._moments, claims, snapshot, now),
            settings=self.settings,
        )
