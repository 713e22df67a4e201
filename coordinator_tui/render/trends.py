"""Trends from the sample history: milestone velocity and a utilization sparkline.

Pure functions of ``write.trend_log.Sample`` sequences, so the report, the
dashboard and tests compute the same figures from the same samples.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from coordinator_tui.write.trend_log import Sample

SPARK_BLOCKS = "▁▂▃▄▅▆▇█"


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
