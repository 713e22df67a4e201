"""Analysis → session table rows, without Textual.

Widgets never parse or compute, and neither does this module: it does not
analyse (deadlines, news and the quick path live in ``analysis/``), it turns
each session of an ``Analysis`` into plain, sanitised cell strings (in a worker
thread when the directory is big). Every string that came from a file goes
through ``cell_text()`` (here, or in ``panels`` for the side panels), so a
widget only ever wraps ready text in ``rich.Text``. Symbols, colours and flag
words come from ``render.health``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import NamedTuple

from coordinator_tui.analysis import Analysis, Health, SessionView
from coordinator_tui.files.records import Session
from coordinator_tui.render.health import HEALTH, session_flags
from coordinator_tui.render.sanitize import clip, display
from coordinator_tui.render.timetext import age_text, short_age
from coordinator_tui.tui.costs import NO_COST, CostCell

WORK_WIDTH = 200
"""Work is cut to this for the table; the detail screen shows more."""


def cell_text(value: object, width: int | None = None) -> str:
    """``render.sanitize.display`` for a terminal cell: also drops emoji variation selectors.

    Terminals disagree on how wide "🏛️" is (U+FE0F asks for two cells, Textual
    counts one); dropping the selector keeps columns and borders aligned.
    """
    text = display(value)
    if "\ufe0f" in text:
        text = text.replace("\ufe0f", "")
        return display(text, width) if width is not None else text
    return clip(text, width) if width is not None else text  # already one clean line


@dataclass(frozen=True, slots=True)
class SessionRow:
    """One table row, every cell already a safe display string."""

    key: str
    """Unique among every collective shown: ``<collective>/<file key>`` when there are
    several, the file key alone when there is one."""
    collective: str
    """The collective's name when the screen shows several, else empty."""
    health: Health
    attention: int
    id: str
    work: str
    age: str
    short_age: str
    age_due: float = field(compare=False)
    """Epoch seconds at which the age text must be computed again."""
    heartbeat: float | None
    beats: str
    capabilities: str
    started: str
    flags: str
    search: str
    """Lower-case id, work, health and collective: what ``/`` matches against."""
    cost: str = ""
    """What its transcripts cost (``render.costs_text.cost_cell``); empty when not read."""
    cost_rank: tuple[float, int] = (0.0, 0)
    """What the cost sort orders by (``costs.CostCell``)."""

    @property
    def health_text(self) -> str:
        return HEALTH[self.health].label

    @property
    def symbol(self) -> str:
        return HEALTH[self.health].symbol


class RowPlace(NamedTuple):
    """What ``TableView`` reads of a row to order it, known before the row's words are
    (``place_of``): the first page of 10,000 sessions is chosen from these."""

    key: str
    collective: str
    health: Health
    attention: int
    id: str
    heartbeat: float | None
    cost_rank: tuple[float, int] = (0.0, 0)


def _row_id(session: Session) -> str:
    return cell_text(session.session_id, 60)


def _beat(view: SessionView) -> float | None:
    return view.heartbeat.timestamp() if view.heartbeat else None


def table_age(seconds: float | None) -> str:
    """The table's heartbeat age: ``age_text``, minute granularity ("just now" under a
    minute), so the table agrees with ``status`` and the report.

    A counter of seconds would repaint thousands of cells every second and
    says nothing a monitor needs; the detail screen has the exact time.
    """
    return age_text(seconds)


def _age_due(now: datetime, heartbeat: datetime | None) -> float:
    """When the age wording next changes (never later than a minute from now)."""
    stamp = now.timestamp()
    if heartbeat is None:
        return math.inf
    age = stamp - heartbeat.timestamp()
    step = 60.0 if age < 3600 else 3600.0 if age < 86400 else 86400.0
    boundary = (math.floor(max(age, 0.0) / step) + 1) * step
    return min(heartbeat.timestamp() + boundary, stamp + 60.0)


def _flags(view: SessionView) -> str:
    """The table's flags cell: the short words of ``render.health.session_flags``."""
    return " ".join(flag.short for flag in session_flags(view) if flag.short)


def _static_cells(session: Session) -> tuple[str, str, str, str, str]:
    """The cells that depend on the file alone (cached per record object)."""
    started = f"{session.started_at:%m-%d %H:%M}" if session.started_at else "—"
    beats = "" if session.heartbeat_count is None else str(session.heartbeat_count)
    return (
        _row_id(session),
        cell_text(session.current_work, WORK_WIDTH),
        cell_text(", ".join(session.capabilities), 60),
        started,
        beats,
    )


class RowBuilder:
    """Builds one collective's ``SessionRow``s; remembers the file-only cells per record
    object. ``prefix`` (``<collective>/``, or empty for one) leads every row key.

    Unchanged files keep the same record object in the store, so a refresh of
    10,000 rows sanitises only the files that changed.
    """

    def __init__(self, collective: str = "", prefix: str = "") -> None:
        self.collective = collective
        self.prefix = prefix
        self._cache: dict[str, tuple[Session, tuple[str, str, str, str, str]]] = {}
        self._previous: dict[str, SessionRow] = {}
        self.costs: Mapping[str, CostCell] = {}
        """Session id → its cost cell, from the last decisions (replaced whole by the
        screen's thread, read whole by a worker's)."""

    def rows(self, analysis: Analysis) -> list[SessionRow]:
        """One row per session. A row whose text did not change is the previous object
        itself, so the table can skip it with an identity check."""
        seen: dict[str, tuple[Session, tuple[str, str, str, str, str]]] = {}
        previous_rows: dict[str, SessionRow] = {}
        stamp = analysis.now.timestamp()
        costs = self.costs
        rows = []
        for view in analysis.sessions:
            cached = self._cache.get(view.key)
            fresh = cached is None or cached[0] is not view.session
            if cached is None or fresh:
                cached = (view.session, _static_cells(view.session))
            seen[view.key] = cached
            previous = self._previous.get(view.key)
            cost = costs.get(view.id, NO_COST) if costs else NO_COST
            if (
                previous is not None
                and not fresh
                and stamp < previous.age_due
                and previous.health is view.health
                and previous.flags == _flags(view)
                and previous.cost == cost.text
                and previous.cost_rank == cost.rank
            ):
                row = previous
            else:
                row = self._row(view, cached[1], analysis.now, cost)
                if previous is not None and row == previous:
                    row = previous
            previous_rows[view.key] = row
            rows.append(row)
        self._cache = seen
        self._previous = previous_rows
        return rows

    def row(self, view: SessionView, now: datetime) -> SessionRow:
        """A single row, outside a full refresh (the quick path for changed files)."""
        return self._row(view, _static_cells(view.session), now, self.costs.get(view.id, NO_COST))

    def place(self, view: SessionView) -> RowPlace:
        """The ``RowPlace`` of the row made for ``view``: the same key, id and heartbeat,
        so the order is the one the whole rows give."""
        return RowPlace(
            self.prefix + view.key,
            self.collective,
            view.health,
            view.attention,
            _row_id(view.session),
            _beat(view),
            self.costs.get(view.id, NO_COST).rank,
        )

    def _row(
        self,
        view: SessionView,
        cells: tuple[str, str, str, str, str],
        now: datetime,
        cost: CostCell = NO_COST,
    ) -> SessionRow:
        ident, work, capabilities, started, beats = cells
        if view.placeholder:
            work = work or "—"
        return SessionRow(
            key=self.prefix + view.key,
            collective=self.collective,
            health=view.health,
            attention=view.attention,
            id=ident,
            work=work,
            age=table_age(view.heartbeat_age_s),
            short_age=short_age(view.heartbeat_age_s),
            age_due=_age_due(now, view.heartbeat),
            heartbeat=_beat(view),
            beats=beats,
            capabilities=capabilities,
            started=started,
            flags=_flags(view),
            search=f"{ident} {work} {view.health.value} {self.collective}".rstrip().lower(),
            cost=cost.text,
            cost_rank=cost.rank,
        )


def aged(row: SessionRow, now: datetime) -> SessionRow:
    """The row with its age wording brought up to ``now`` (the once-a-second tick)."""
    if row.heartbeat is None:
        return replace(row, age_due=math.inf)
    seconds = now.timestamp() - row.heartbeat
    beat = datetime.fromtimestamp(row.heartbeat, tz=now.tzinfo)
    return replace(
        row,
        age=table_age(seconds),
        short_age=short_age(seconds),
        age_due=_age_due(now, beat),
    )
