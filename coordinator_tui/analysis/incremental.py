"""The one analysis engine: store contents + "now" + settings → one immutable ``Analysis``,
kept up to date from the files that changed.

Every rule is one function of one session, one work, one claim or one priority
(``sessions``, ``work``, ``summaries``, ``deadlines``). The engine applies them
and keeps their answers in indexes (``indexes``): health counts, duplicate
groups, claim conflicts, the priority queue, the sorted order, the idle queue,
the clock's moments. The first update is fed every session at once and sorts
once; ``analyse()`` is that. A later update takes each changed session file out
of the indexes and puts it back as it is now, then re-reads the cross-session
answers from the indexes: a changed file costs its own share, not a pass over
10,000 sessions.

An updated engine equals a fresh one built at the same moment
(``tests/test_incremental_analysis.py`` holds it on random sequences of changes), with
two stated exceptions:

- ages: a view not recomputed keeps the ``heartbeat_age_s`` of the moment it was
  read (its health cannot have changed meanwhile: each session's next stale or
  gone moment is kept in a heap, and a session whose moment has come is read
  again at the new ``now``, like a changed file);
- overlaps (a similarity search over every distinct work) are searched only when
  asked (``update(..., overlaps=True)`` or ``settle_overlaps``): the dashboard
  runs that search in a worker while rows are already on screen.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from coordinator_tui.analysis.changes import Changes, completed_since, new_duplicates
from coordinator_tui.analysis.deadlines import next_change, next_moment, next_stall
from coordinator_tui.analysis.indexes import (
    ClaimIndex,
    DuplicateIndex,
    Moments,
    PriorityIndex,
    SortedItems,
    counts_of,
    order_key,
    same,
)
from coordinator_tui.analysis.results import (
    Analysis,
    Health,
    MessageSummary,
    MilestoneSummary,
    SessionView,
)
from coordinator_tui.analysis.sessions import (
    OverlapResult,
    find_overlaps,
    group_heartbeats,
    session_view,
    with_flags,
)
from coordinator_tui.analysis.summaries import (
    file_counts,
    future_heartbeat,
    list_errors,
    summarise_messages,
    summarise_milestones,
)
from coordinator_tui.analysis.work import idle_order, suggest_work
from coordinator_tui.files.records import FileError, Heartbeat, Session
from coordinator_tui.files.worktext import normalise_work, work_words
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


class IncrementalAnalysis:
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
        self._heartbeats: dict[str, tuple[Heartbeat, ...]] = {}
        self._base: dict[str, SessionView] = {}
        """Each session file's view, before the duplicate and conflict flags."""
        self._views: dict[str, SessionView] = {}
        self._ids: dict[str, set[str]] = {}
        self._order: SortedItems[tuple[int, str, str], SessionView] = SortedItems()
        self._idle: SortedItems[tuple[datetime, str, int, str], SessionView] = SortedItems()
        self.stale: dict[str, SessionView] = {}
        """Stale sessions by key (the alerts panel lists them)."""
        self._health: Counter[Health] = Counter()
        self._recovered = 0
        self._dups = DuplicateIndex()
        self._claims = ClaimIndex()
        self._priorities = PriorityIndex(())
        self._moments = Moments()
        self._future: dict[str, FileError] = {}
        """The sessions whose own heartbeat lay ahead when read: their warnings."""
        self._shared: dict[str, set[str]] = {}
        """Ids that more than one file claims → their file keys (a warning each)."""
        self._works: dict[tuple[str, str, str], int] = {}
        """Each live (id, work key, work) and how many files say it."""
        self._overlaps: OverlapResult = ((), 0, False)
        self.overlaps_version = 0
        """Bumped whenever the set of live works changes (overlaps must be searched again)."""
        self._overlaps_for = -1
        self._messages: tuple[tuple[object, ...], dict[str, int], MessageSummary] | None = None
        self._milestones: tuple[tuple[object, ...], datetime, datetime | None, MilestoneSummary]
        self._milestones = ((), now, None, summarise_milestones((), now, self.settings))
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
        now = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
        return self._update(snapshot, now, changed, overlaps)

    def _update(
        self, snapshot: Snapshot, now: datetime, changed: Iterable[str] | None, overlaps: bool
    ) -> Update:
        previous = self._snapshot
        by_path = snapshot.session_by_path or {s.path: s for s in snapshot.sessions}
        regrouped: set[str] = set()
        if previous is None or not same(snapshot.heartbeats, previous.heartbeats):
            regrouped = self._regroup_heartbeats(snapshot)
        claims_moved = self._claims.load(snapshot.claims, now)
        if previous is None or not same(snapshot.priorities, previous.priorities):
            self._priorities = PriorityIndex(snapshot.priorities)
            for key, (view, words) in self._claims.live.items():
                self._priorities.add(key, view.id, words)
        if previous is None:
            self._build(snapshot, now, by_path)
            touched, removed, old_groups = set(self._views), set[str](), set[str]()
            stale: list[SessionView] = []
        else:
            keys = self._changed_keys(by_path, snapshot.kept, changed) | regrouped
            keys.update(key for key in self._moments.due(now.timestamp()) if key in by_path)
            old_groups = set(self._dups.groups)
            touched, removed, stale = self._apply(snapshot, now, by_path, keys, claims_moved)
        self._snapshot = snapshot
        if overlaps:
            self.settle_overlaps()
        analysis = self._analysis(snapshot, now, claims_moved)
        news = Changes()
        if previous is not None:
            news = Changes(
                new_duplicates=new_duplicates(old_groups, analysis),
                went_stale=tuple(sorted(stale, key=order_key)),
                completed=completed_since(self.analysis.milestones, analysis.milestones),
            )
        self.analysis = analysis
        return Update(analysis, frozenset(touched), frozenset(removed), news)

    def _build(self, snapshot: Snapshot, now: datetime, by_path: dict[str, Session]) -> None:
        """The first update: every session at once, each index filled in one pass and the
        orders sorted once (``analyse()`` is this)."""
        self._records, self._kept = dict(by_path), snapshot.kept
        beats, settings = self._heartbeats, self.settings
        placeholders, gone = self._placeholders, self._gone
        base = self._base = {
            key: session_view(record, now, settings, beats, placeholders, gone, snapshot)
            for key, record in by_path.items()
        }
        views = base.values()
        self._health = Counter(view.health for view in views)
        self._recovered = sum(view.session.recovered for view in views)
        for key, view in base.items():
            self._ids.setdefault(view.id, set()).add(key)
        self._shared = {i: keys for i, keys in self._ids.items() if len(keys) > 1}
        current = now.timestamp()
        self._moments.fill((next_moment(v, current, settings), key) for key, v in base.items())
        future = ((key, future_heartbeat(view, now)) for key, view in base.items())
        self._future = {key: warning for key, warning in future if warning is not None}
        live = [view for view in views if view.health.live and not view.placeholder]
        self._works = dict(Counter((v.id, v.work_key, v.session.current_work or "") for v in live))
        for view in live:
            words = work_words(view.session.current_work)
            self._dups.add(view)
            self._priorities.add(view.key, view.id, words)
            self._claims.add(view, words)
        for work_key in self._dups.members:
            self._dups.regroup(work_key)
        flagged = {i for i, n in self._dups.id_groups.items() if n}
        flagged.update(i for i, n in self._claims.conflict_ids.items() if n)
        self._views = dict(base)
        for key in (key for session_id in flagged for key in self._ids[session_id]):
            self._views[key] = self._flagged(base[key])
        self.stale = {key: v for key, v in self._views.items() if v.health is Health.STALE}
        self._order.sort(self._views.values(), order_key)
        self._idle.sort((v for v in self._views.values() if v.health is Health.IDLE), idle_order)

    def _apply(
        self,
        snapshot: Snapshot,
        now: datetime,
        by_path: dict[str, Session],
        keys: set[str],
        claims_moved: bool,
    ) -> tuple[set[str], set[str], list[SessionView]]:
        """A later update: each of ``keys`` taken out of every index and put back as it is
        now; (touched keys, removed keys, views that went stale)."""
        flag_ids = self._claims.check_all() if claims_moved else set()
        work_keys: set[str] = set()
        for key in keys:
            self._refresh(key, by_path.get(key), snapshot, now, flag_ids, work_keys)
        for work_key in work_keys:
            flag_ids |= self._dups.regroup(work_key)
        keys.update(key for session_id in flag_ids for key in self._ids.get(session_id, ()))
        return self._reflag(keys)

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
        self._heartbeats = grouped
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
            self._moments.drop(key)
            self._future.pop(key, None)
        if record is None:
            self._records.pop(key, None)
            return
        self._records[key] = record
        view = session_view(
            record, now, self.settings, self._heartbeats, self._placeholders, self._gone, snapshot
        )
        self._base[key] = view
        self._enlist(view, 1, flag_ids, work_keys)
        self._moments.put(key, next_moment(view, now.timestamp(), self.settings))
        warning = future_heartbeat(view, now)
        if warning is not None:
            self._future[key] = warning

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
        if len(ids) > 1:
            self._shared[session_id] = ids
        elif session_id in self._shared:
            del self._shared[session_id]
        if not view.health.live or view.placeholder:
            return
        works.add(view.work_key)
        entry = (session_id, view.work_key, view.session.current_work or "")
        count = self._works.get(entry, 0) + sign
        if count in (0, 1):
            self.overlaps_version += 1  # a work came or went: overlaps are to be searched
        if count:
            self._works[entry] = count
        else:
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
        """The flagged views of ``keys``, re-placed in the sorted orders where they changed;
        (touched keys, removed keys, views that went stale)."""
        touched: set[str] = set()
        removed: set[str] = set()
        went_stale: list[SessionView] = []
        views, stale = self._views, self.stale
        bulk = len(keys) > BULK
        for key in keys:
            before = views.get(key)
            base = self._base.get(key)
            view = None if base is None else self._flagged(base)
            if before is not None:
                if view is before or view == before:
                    continue
                del views[key]
                stale.pop(key, None)
                if not bulk:
                    self._order.remove(order_key(before))
                    if before.health is Health.IDLE:
                        self._idle.remove(idle_order(before))
            if view is None:
                removed.add(key)
                continue
            touched.add(key)
            views[key] = view
            if view.health is Health.STALE:
                stale[key] = view
                if before is not None and before.health is not Health.STALE:
                    went_stale.append(view)
            if not bulk:
                self._order.add(order_key(view), view)
                if view.health is Health.IDLE:
                    self._idle.add(idle_order(view), view)
        if bulk:
            self._order.sort(views.values(), order_key)
            self._idle.sort((v for v in views.values() if v.health is Health.IDLE), idle_order)
        return touched, removed, went_stale

    def _flagged(self, base: SessionView) -> SessionView:
        duplicate = self._dups.id_groups.get(base.id, 0) > 0
        return with_flags(base, duplicate, self._claims.conflict_ids.get(base.id, 0) > 0)

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

    def _milestone_summary(self, snapshot: Snapshot, now: datetime) -> MilestoneSummary:
        """Summarised again only when the milestones changed, or the clock left the span
        in which none turns stalled (half an update's time at 10,000 sessions)."""
        milestones, since, until, summary = self._milestones
        current = since <= now and (until is None or now < until)
        if current and same(snapshot.milestones, milestones):
            return summary
        summary = summarise_milestones(snapshot.milestones, now, self.settings)
        self._milestones = (snapshot.milestones, now, next_stall(summary, self.settings), summary)
        return summary

    def _analysis(self, snapshot: Snapshot, now: datetime, claims_moved: bool) -> Analysis:
        views = self._views
        claims = self._claims.views(now, self._ids, views)
        priorities = self._priorities.result(self._claims.active_words, claims_moved)
        available = sum(1 for view in priorities if view.available)
        cached = self._messages
        if (
            cached is None
            or not same(snapshot.messages, cached[0])
            or cached[1] != snapshot.unread_messages
        ):
            summary = summarise_messages(snapshot.messages, snapshot.unread_messages)
            cached = self._messages = (snapshot.messages, dict(snapshot.unread_messages), summary)
        errors, pending = list_errors(snapshot, now, self._future.values(), self._shared)
        overlaps, found, capped = self._overlaps
        return Analysis(
            root=snapshot.root,
            now=now,
            exists=snapshot.exists,
            counts=counts_of(self._health, len(views)),
            sessions=tuple(self._order.items),
            duplicates=self._dups.result(),
            overlaps=overlaps,
            overlaps_found=found,
            overlaps_capped=capped,
            conflicts=self._claims.result(),
            claims=claims,
            priorities=priorities,
            suggestions=suggest_work(self._idle.items[:available], priorities),
            milestones=self._milestone_summary(snapshot, now),
            messages=cached[2],
            heartbeats=self._heartbeats,
            files=file_counts(snapshot, self._recovered),
            errors=errors,
            pending_errors=pending,
            next_change_at=next_change(self._moments.first(), claims, snapshot.failures, now),
            settings=self.settings,
        )
