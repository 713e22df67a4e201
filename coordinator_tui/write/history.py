"""A small, bounded history of samples in ``DIR/.coordinator/history.jsonl``.

The headless coordinator appends a sample every cycle and the dashboard one a
minute; trends (milestone velocity, utilization) come from it. One JSON object
a line so an append is a single small write that concurrent writers do not
interleave; a torn or corrupt line is skipped on load, never fatal. When the
file grows past ``limit`` samples (plus some slack, so we do not rewrite on
every append) it is rewritten atomically with the newest ``limit`` samples.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coordinator_tui.files.timeparse import format_utc, parse_timestamp
from coordinator_tui.write.atomic import replace_file

if TYPE_CHECKING:
    from coordinator_tui.analysis import Analysis

PRIVATE_FOLDER = ".coordinator"
HISTORY_FILE = "history.jsonl"
SPARK_BLOCKS = "▁▂▃▄▅▆▇█"


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
        )

    def to_json(self) -> str:
        data: dict[str, Any] = asdict(self)
        data["time"] = format_utc(self.time)
        return json.dumps(data, separators=(",", ":"))

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
                utilization=min(max(float(data["utilization"]), 0.0), 1.0),
                milestones_total=_count(data["milestones_total"]),
                milestones_completed=_count(data["milestones_completed"]),
            )
        except (KeyError, TypeError, ValueError, OverflowError):
            return None


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError("not a count")
    number = int(value)
    if number < 0:
        raise ValueError("negative count")
    return number


class History:
    """The sample history of one coordination directory."""

    def __init__(self, root: Path, limit: int = 2000) -> None:
        self.root = Path(root)
        self.limit = max(1, limit)
        self.path = self.root / PRIVATE_FOLDER / HISTORY_FILE
        self._lines: int | None = None
        self.skipped = 0
        """Corrupt lines skipped by the last ``load()``."""

    def load(self) -> list[Sample]:
        """The stored samples, oldest first; unreadable lines are skipped and counted."""
        try:
            raw = self.path.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            self._lines = 0
            return []
        except OSError:
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

    def append(self, sample: Sample) -> None:
        """Add one sample; trims the file atomically once it holds too many.

        Raises ``OSError`` when the directory cannot be written.
        """
        if self._lines is None:
            self.load()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = (sample.to_json() + "\n").encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
        self._lines = (self._lines or 0) + 1
        if self._lines > self.limit + max(10, self.limit // 10):
            self._trim()

    def _trim(self) -> None:
        samples = self.load()[-self.limit :]
        data = "".join(sample.to_json() + "\n" for sample in samples).encode("utf-8")
        replace_file(self.path, data)
        self._lines = len(samples)


# --- trends ------------------------------------------------------------------------------


def milestone_velocity(
    samples: Sequence[Sample], window: timedelta = timedelta(days=7)
) -> float | None:
    """Milestones completed per day over the last ``window`` of samples.

    None when the samples span less than an hour: a rate from minutes of data
    would be noise dressed up as a figure.
    """
    if len(samples) < 2:
        return None
    last = samples[-1]
    start = last.time - window
    first = next((sample for sample in samples if sample.time >= start), samples[0])
    span_days = (last.time - first.time).total_seconds() / 86400.0
    if span_days < 1 / 24:
        return None
    return (last.milestones_completed - first.milestones_completed) / span_days


def utilization_trend(samples: Sequence[Sample], points: int = 30) -> list[float]:
    """Utilization (0–1) resampled to at most ``points`` values, oldest first.

    Each value is the mean of an equal share of the samples, so a long history
    still fits a short sparkline.
    """
    if not samples or points <= 0:
        return []
    values = [sample.utilization for sample in samples]
    if len(values) <= points:
        return values
    result = []
    for index in range(points):
        begin = index * len(values) // points
        end = max((index + 1) * len(values) // points, begin + 1)
        chunk = values[begin:end]
        result.append(sum(chunk) / len(chunk))
    return result


def sparkline(values: Sequence[float], low: float | None = 0.0, high: float | None = 1.0) -> str:
    """Values as block characters ``▁▂▃▄▅▆▇█``; bounds default to 0–1 (utilization).

    Pass ``low=None, high=None`` to scale to the values' own range.
    """
    if not values:
        return ""
    bottom = min(values) if low is None else low
    top = max(values) if high is None else high
    span = top - bottom
    steps = len(SPARK_BLOCKS) - 1
    out = []
    for value in values:
        if span <= 0:
            index = 0
        else:
            ratio = (min(max(value, bottom), top) - bottom) / span
            index = round(ratio * steps)
        out.append(SPARK_BLOCKS[index])
    return "".join(out)
