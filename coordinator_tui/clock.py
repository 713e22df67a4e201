"""The clock, injected everywhere so tests and ``--now`` can freeze it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


def frozen_clock(moment: datetime) -> Clock:
    fixed = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return lambda: fixed
