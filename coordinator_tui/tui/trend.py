"""The utilization trend the summary strip draws, and when to save a history sample.

Textual-free state the dashboard keeps between analyses: the saved history
(loaded once) followed by live points at most one every ``SPARK_EVERY_S``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from datetime import datetime

from coordinator_tui.render.trends import utilization_trend
from coordinator_tui.write.trend_log import Sample

SPARK_POINTS = 30
SPARK_EVERY_S = 10.0
SAMPLE_EVERY_S = 60.0


class Trend:
    """Utilization points, oldest first: history then live."""

    def __init__(self) -> None:
        self._history: list[float] = []
        self._live: deque[float] = deque(maxlen=SPARK_POINTS)
        self._last: datetime | None = None

    def load_history(self, samples: Sequence[Sample]) -> None:
        self._history = utilization_trend(samples, SPARK_POINTS)

    def record(self, now: datetime, utilization: float) -> None:
        """One live point per analysis, at most one every ``SPARK_EVERY_S``."""
        if (
            self._last is None
            or (now - self._last).total_seconds() >= SPARK_EVERY_S
            or not self._live
        ):
            self._live.append(utilization)
            self._last = now

    def points(self) -> list[float]:
        return (self._history + list(self._live))[-SPARK_POINTS:]


class Sampler:
    """One history sample a minute while the directory exists; stops after a failed write."""

    def __init__(self) -> None:
        self._last: datetime | None = None
        self.failed = False

    def due(self, now: datetime, exists: bool) -> bool:
        """The first call only starts the minute: a sample needs a minute of watching."""
        if self.failed or not exists:
            return False
        if self._last is None:
            self._last = now
            return False
        if (now - self._last).total_seconds() >= SAMPLE_EVERY_S:
            self._last = now
            return True
        return False
