"""A small, bounded log of trend samples in ``DIR/.coordinator/history.jsonl`` (``TrendLog``).

The headless coordinator appends a sample every cycle and the dashboard one a
minute; ``render.trends`` turns it into milestone velocity and a utilization
sparkline. One JSON object
a line so an append is a single small write that concurrent writers do not
interleave; a torn or corrupt line is skipped on load, never fatal. When the
file grows past ``limit`` samples (plus some slack, so we do not rewrite on
every append) it is rewritten atomically with the newest ``limit`` samples.

A history that is there but cannot be read (a folder in its place, no
permission, a link out of the directory, far too big) is a ``TrendLogError``
with the path and the reason, never an empty list: the report and ``run`` say
so instead of claiming there is no history.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coordinator_tui.files.fsio import append_in, read_bytes, replace_in
from coordinator_tui.files.layout import PRIVATE_FOLDER
from coordinator_tui.files.timeparse import finite_float, format_utc, parse_timestamp

if TYPE_CHECKING:
    from coordinator_tui.analysis import Analysis

HISTORY_FILE = "history.jsonl"
MIN_READ_BYTES = 8 << 20
"""The history read is capped at this or 8 KiB a kept sample (milestone progress
included), whichever is larger."""
PROGRESS_LIMIT = 50
"""Milestones whose progress a sample records (the most recently updated unfinished ones)."""
MAX_MILESTONE_ID = 100
FINISHED = frozenset({"completed", "abandoned"})


class TrendLogError(OSError):
    """The history file is there but cannot be read; ``path`` and ``reason`` say why."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

    def describe(self, root: Path) -> str:
        """``path: reason`` with the path relative to ``root``, as the errors list shows paths.

        A report is written into the shared directory: it names the file, not
        where the reader's checkout happens to live.
        """
        try:
            where = self.path.relative_to(root).as_posix()
        except ValueError:
            where = str(self.path)
        return f"{where}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Sample:
    """The state of the collective at one moment, as much as trends need."""

    time: datetime
    total: int
    live: int
    working: int
    idle: int
    stale: int
    gone: int
    utilization: float
    """Working over live sessions, 0–1."""
    milestones_total: int
    milestones_completed: int
    progress: tuple[tuple[str, float], ...] = ()
    """(milestone id, progress 0–100) of the unfinished milestones updated most recently
    (at most ``PROGRESS_LIMIT``), so forecasts have a history; ``"progress"`` in JSON,
    absent from older lines."""

    @classmethod
    def from_analysis(cls, analysis: Analysis) -> Sample:
        counts = analysis.counts
        return cls(
            time=analysis.now,
            total=counts.total,
            live=counts.live,
            working=counts.working,
            idle=counts.idle,
            stale=counts.stale,
            gone=counts.gone,
            utilization=round(counts.utilization, 4),
            milestones_total=analysis.milestones.total,
            milestones_completed=analysis.milestones.by_status.get("completed", 0),
            progress=_recent_progress(analysis),
        )

    def to_json(self) -> str:
        data: dict[str, Any] = asdict(self)
        data["time"] = format_utc(self.time)
        data["progress"] = dict(self.progress)
        if not self.progress:
            del data["progress"]
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, line: str) -> Sample | None:
        """The sample a line holds, or None for anything malformed."""
        try:
            data = json.loads(line)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        moment = parse_timestamp(data.get("time"))
        if moment is None:
            return None
        try:
            return cls(
                time=moment,
                total=_count(data["total"]),
                live=_count(data["live"]),
                working=_count(data["working"]),
                idle=_count(data["idle"]),
                stale=_count(data["stale"]),
                gone=_count(data["gone"]),
                utilization=_fraction(data["utilization"]),
                milestones_total=_count(data["milestones_total"]),
                milestones_completed=_count(data["milestones_completed"]),
                progress=_progress(data.get("progress")),
            )
        except (KeyError, TypeError, ValueError, OverflowError):
            return None


def _recent_progress(analysis: Analysis) -> tuple[tuple[str, float], ...]:
    """The unfinished milestones' progress, most recently updated first, bounded."""
    unfinished = [
        item
        for item in analysis.milestones.items
        if item.milestone.status not in FINISHED and item.milestone.milestone_id
    ]
    unfinished.sort(
        key=lambda item: (
            item.milestone.updated_at.timestamp()
            if item.milestone.updated_at is not None
            else item.milestone.mtime
        ),
        reverse=True,
    )
    seen: dict[str, float] = {}
    for item in unfinished:
        if len(seen) >= PROGRESS_LIMIT:
            break
        seen.setdefault(item.milestone.milestone_id[:MAX_MILESTONE_ID], round(item.progress, 1))
    return tuple(sorted(seen.items()))


def _progress(value: Any) -> tuple[tuple[str, float], ...]:
    """A sample's ``progress`` object, coerced: bad entries dropped, never the sample."""
    if not isinstance(value, dict):
        return ()
    kept: dict[str, float] = {}
    for key, number in value.items():
        if len(kept) >= PROGRESS_LIMIT:
            break
        if not isinstance(key, str) or not key or len(key) > MAX_MILESTONE_ID:
            continue
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            continue
        value = finite_float(number)  # NaN, 1e400 or 10**400: not a progress
        if value is None:
            continue
        kept[key] = min(max(value, 0.0), 100.0)
    return tuple(sorted(kept.items()))


def _fraction(value: Any) -> float:
    number = finite_float(value)  # NaN, 1e400 or 10**400: not a utilization
    if number is None:
        raise ValueError("not a finite number")
    return min(max(number, 0.0), 1.0)


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError("not a count")
    number = int(value)
    if number < 0:
        raise ValueError("negative count")
    return number


class TrendLog:
    """The sample history of one coordination directory."""

    def __init__(self, root: Path, limit: int = 2000) -> None:
        self.root = Path(root)
        self.limit = max(1, limit)
        self.path = self.root / PRIVATE_FOLDER / HISTORY_FILE
        self._lines: int | None = None
        self.skipped = 0
        """Corrupt lines skipped by the last ``load()``."""

    def load(self) -> list[Sample]:
        """The stored samples, oldest first; unreadable lines are skipped and counted.

        No history yet is an empty list; a history that cannot be read raises
        ``TrendLogError`` (an ``OSError``) with the path and the reason.
        """
        raw = self._read()
        if raw is None:
            self._lines = 0
            return []
        samples: list[Sample] = []
        skipped = 0
        lines = raw.decode("utf-8", errors="replace").splitlines()
        for line in lines:
            if not line.strip():
                continue
            sample = Sample.from_json(line)
            if sample is None:
                skipped += 1
            else:
                samples.append(sample)
        self.skipped = skipped
        self._lines = len(lines)
        samples.sort(key=lambda sample: sample.time)
        return samples[-self.limit :]

    def _read(self) -> bytes | None:
        """The file's bytes, None when there is no history yet; a regular file only, capped."""
        folder = self.path.parent
        if os.path.lexists(folder) and not folder.is_dir():
            raise TrendLogError(folder, "not a folder")
        if not os.path.lexists(self.path):
            return None
        cap = max(MIN_READ_BYTES, self.limit * 8192)
        data, reason, _, _ = read_bytes(self.path, cap, within=str(self.root.resolve()))
        if data is None:
            raise TrendLogError(self.path, reason or "unreadable")
        return data

    def append(self, sample: Sample) -> None:
        """Add one sample; trims the file atomically once it holds too many.

        Raises ``OSError`` when the directory cannot be written (``TrendLogError``
        when the history there cannot be read); a link in the file's place is
        refused, never followed.
        """
        if self._lines is None:
            self.load()
        line = (sample.to_json() + "\n").encode("utf-8")
        append_in(self.root, f"{PRIVATE_FOLDER}/{HISTORY_FILE}", line)
        self._lines = (self._lines or 0) + 1
        if self._lines > self.limit + max(10, self.limit // 10):
            self._trim()

    def _trim(self) -> None:
        samples = self.load()[-self.limit :]
        data = "".join(sample.to_json() + "\n" for sample in samples).encode("utf-8")
        replace_in(self.root, f"{PRIVATE_FOLDER}/{HISTORY_FILE}", data)
        self._lines = len(samples)
