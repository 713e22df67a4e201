"""The analysis result: plain, immutable values every face of the product reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import NamedTuple

from coordinator_tui.files.records import (
    Claim,
    FileError,
    Heartbeat,
    Message,
    Milestone,
    PriorityItem,
    Session,
)
from coordinator_tui.settings import Settings

# A file that is empty or cut short is shown as an error only once it has stayed
# that way this long: a writer rewriting it in place is not an error.
TRANSIENT_GRACE_S = 2.0
FUTURE_TOLERANCE_S = 300.0


class Health(str, Enum):
    WORKING = "working"
    IDLE = "idle"
    STALE = "stale"
    GONE = "gone"
    WAITING = "waiting"
    """The session said it waits for a human (a permission prompt, a question)."""
    ENDED = "ended"
    """The session said it ended (hidden with gone)."""
    STARTING = "starting"
    """``coordinator-tui start`` opened its agent, which has not spoken yet."""

    live: bool
    """Working, idle, waiting or starting: a fresh heartbeat (a plain attribute: read
    ~50,000 times an analysis)."""


for _health in Health:
    _health.live = _health in (Health.WORKING, Health.IDLE, Health.WAITING, Health.STARTING)
_ATTENTION = {Health.WAITING: 0, Health.STALE: 1, Health.WORKING: 2, Health.STARTING: 2}
_ATTENTION |= {Health.IDLE: 3, Health.GONE: 4, Health.ENDED: 4}


class SessionView(NamedTuple):
    """One session as the analysis sees it. A named tuple, not a frozen dataclass: as
    immutable, and built four times faster (10,000 of them in every whole analysis)."""

    key: str
    """The session file's relative path: unique even when two files claim one id."""
    id: str
    """The session's id (``session_id``, else the file name)."""
    session: Session
    health: Health
    heartbeat: datetime | None
    heartbeat_age_s: float | None
    placeholder: bool
    work_key: str
    duplicate: bool = False
    conflict: bool = False
    kept_last_good: bool = False
    idle_since: datetime | None = None

    @property
    def work(self) -> str | None:
        return None if self.placeholder else self.session.current_work

    @property
    def attention(self) -> int:
        """Sort rank: waiting for a human, duplicates and conflicts first, then stale, then
        working, idle, and gone or ended."""
        return 0 if self.duplicate or self.conflict else _ATTENTION[self.health]


@dataclass(frozen=True, slots=True)
class Counts:
    total: int = 0
    live: int = 0
    working: int = 0
    idle: int = 0
    stale: int = 0
    gone: int = 0
    waiting: int = 0
    ended: int = 0
    starting: int = 0

    @property
    def utilization(self) -> float:
        """Working sessions over live sessions, 0–1 (0 when nothing is live)."""
        return self.working / self.live if self.live else 0.0


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    work: str
    work_key: str
    sessions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Overlap:
    first: str
    second: str
    first_work: str
    second_work: str
    score: float


@dataclass(frozen=True, slots=True)
class ClaimView:
    claim: Claim
    active: bool
    holder_health: Health | None


@dataclass(frozen=True, slots=True)
class Conflict:
    session: str
    work: str
    claim: str
    claimed_by: str


@dataclass(frozen=True, slots=True)
class PriorityView:
    item: PriorityItem
    available: bool
    worked_on_by: tuple[str, ...]
    claimed_by: str | None


@dataclass(frozen=True, slots=True)
class Suggestion:
    session: str
    priority: str
    score: float
    description: str
    reason: str


@dataclass(frozen=True, slots=True)
class MilestoneView:
    milestone: Milestone
    progress: float
    progress_source: str
    """``progress`` (its own field), ``steps`` (completed/total) or ``status``."""
    stalled: bool
    steps_done: int
    steps_total: int


@dataclass(frozen=True, slots=True)
class MilestoneSummary:
    total: int
    by_status: dict[str, int]
    completion_pct: float
    mean_progress: float
    items: tuple[MilestoneView, ...]
    stalled: int


@dataclass(frozen=True, slots=True)
class MessageSummary:
    broadcast: int
    direct: int
    recovered: int
    latest: tuple[Message, ...]
    """All messages, newest first."""


@dataclass(frozen=True, slots=True)
class FileCount:
    found: int
    read: int
    recovered: int


@dataclass(frozen=True)
class Analysis:
    root: Path
    now: datetime
    exists: bool
    counts: Counts
    sessions: tuple[SessionView, ...]
    duplicates: tuple[DuplicateGroup, ...]
    overlaps: tuple[Overlap, ...]
    conflicts: tuple[Conflict, ...]
    claims: tuple[ClaimView, ...]
    priorities: tuple[PriorityView, ...]
    suggestions: tuple[Suggestion, ...]
    milestones: MilestoneSummary
    messages: MessageSummary
    heartbeats: dict[str, tuple[Heartbeat, ...]]
    files: dict[str, FileCount]
    errors: tuple[FileError, ...]
    overlaps_found: int = 0
    """How many overlapping session pairs were found (``overlaps`` lists the best of them)."""
    overlaps_capped: bool = False
    """True when ``overlaps`` is not the whole list: it holds the best pairs of a larger
    (or, in a dense cluster of alike works, a not fully searched) set."""
    pending_errors: int = 0
    """Failed reads still inside the transient grace period (not in ``errors``)."""
    next_change_at: datetime | None = None
    """The earliest later moment at which the clock alone changes this result (a session
    turning stale or gone, a claim expiring, a grace period ending); None if never.
    Until then a clock tick only needs to refresh the age texts, not re-analyse."""
    settings: Settings = field(default_factory=Settings)

    @property
    def stale_sessions(self) -> tuple[SessionView, ...]:
        return tuple(view for view in self.sessions if view.health is Health.STALE)

    @property
    def idle_sessions(self) -> tuple[SessionView, ...]:
        return tuple(view for view in self.sessions if view.health is Health.IDLE)

    def session(self, key: str) -> SessionView | None:
        for view in self.sessions:
            if view.key == key:
                return view
        return None
