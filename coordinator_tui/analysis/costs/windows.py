"""A session's spend summed per work and per window, from running sums of its buckets.

Every figure of the cost views is the sum of a session's buckets over a range of time:
all of them while it did one work (the cost of the work), today, the last hour, the
last three hours by work (a milestone's burn rate), each hour of the last day (the
detail view's, made only when shown). With the buckets
of one model and size band sorted by their start, each of those is a contiguous run, so
its sum is the difference of two running sums (``accumulate``, in C): the work is per
range, not per bucket. Opening on 100 sessions of weeks of spend added each bucket to
its sums one by one, most of the cost of the view (``bench_usage``).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from itertools import accumulate, groupby
from operator import itemgetter, sub

from coordinator_tui.analysis.costs.attribution import HALF_BUCKET_S, Timeline
from coordinator_tui.usage.tokens import Cell, ColumnCells, Tokens

HOUR_S = 3600
_BY_MODEL_BAND = itemgetter(1, 2)
_ORDER = itemgetter(1, 2, 0)
_START = itemgetter(0)
_TOKENS = itemgetter(3)
_NEW_TOKENS = partial(tuple.__new__, Tokens)

Add = Callable[[tuple[object, ...], str, int, Tokens], None]
"""Receives (group, model, band, tokens): a sum to price and add up."""
Match = Callable[[str], tuple[str | None, str | None]]
"""Work text → (milestone id, priority name)."""


class Run:
    """The buckets of one model and size band, sorted by start, with running sums."""

    def __init__(self, starts: list[int], columns: Iterable[Iterable[int]]) -> None:
        self.starts = starts
        running = (accumulate(column, initial=0) for column in columns)
        self.running = list(zip(*running, strict=True))
        """``running[i]``: the sums of the first ``i`` buckets, kind by kind."""

    def total(self, low: int, high: int) -> Tokens:
        """The sum of buckets ``low`` to ``high`` (excluded)."""
        return _NEW_TOKENS(map(sub, self.running[high], self.running[low]))

    def first_from(self, moment: float) -> int:
        """The first bucket starting at or after ``moment``."""
        return bisect_left(self.starts, moment)

    def first_after(self, moment: float) -> int:
        return bisect_right(self.starts, moment)


def runs_of(cells: Sequence[Cell]) -> Iterator[tuple[str, int, Run]]:
    """(model, band, its run) for each model and size band of ``cells`` (the index's
    columns as they are)."""
    if isinstance(cells, ColumnCells):
        for model, band, starts, columns in cells.runs:
            yield model, band, Run(starts, columns)
        return
    for (model, band), group in groupby(sorted(cells, key=_ORDER), key=_BY_MODEL_BAND):
        run = list(group)
        yield model, band, Run(list(map(_START, run)), zip(*map(_TOKENS, run), strict=True))


def works_of(run: Run, timeline: Timeline) -> list[tuple[int, int, str]]:
    """(first, past the last, work) covering every bucket of ``run``: a bucket's work is
    the timeline's at its middle (``Timeline.at``). Ranges follow the timeline's steps;
    a bucket before the first step (a claim's resource, or nothing) goes on its own."""
    count = len(run.starts)
    steps = [run.first_from(start - HALF_BUCKET_S) for start in timeline.starts]
    first_step = steps[0] if steps else count
    ranges = [
        (index, index + 1, timeline.at(run.starts[index] + HALF_BUCKET_S))
        for index in range(min(first_step, count))
    ]
    for position, low in enumerate(steps):
        high = steps[position + 1] if position + 1 < len(steps) else count
        if high > low:
            ranges.append((low, high, timeline.works[position]))
    return ranges


def add_sums(
    session: str,
    cells: Sequence[Cell],
    timeline: Timeline,
    match: Match,
    now: float,
    windows: tuple[float, float, float],
    add: Add,
) -> None:
    """Hand ``add`` every sum of ``session``'s spend: per work (``work``), today's
    (``today``), the last hour (``hour``), the recent spend per milestone
    (``milestone-recent``) and per priority in the last hour (``priority-hour``).
    ``windows`` are (the day's start, the rate window's bound, the last hour's bound): a
    bucket counts in the last two when it starts after them."""
    day_from, rate_from, hour_from = windows
    for model, band, run in runs_of(cells):
        count = len(run.starts)
        rate_low, hour_low = run.first_after(rate_from), run.first_after(hour_from)
        for low, high, text in works_of(run, timeline):
            milestone, priority = match(text)
            add(("work", session, milestone, priority), model, band, run.total(low, high))
            if high > rate_low:
                part = run.total(max(low, rate_low), high)
                add(("milestone-recent", milestone), model, band, part)
            if high > hour_low:
                add(("priority-hour", priority), model, band, run.total(max(low, hour_low), high))
        now_high = run.first_after(now)
        if now_high > hour_low:
            add(("hour", session), model, band, run.total(hour_low, now_high))
        today_low = run.first_from(day_from)
        if today_low < count:
            add(("today", session), model, band, run.total(today_low, count))


def add_hours(cells: Sequence[Cell], since: float, add: Add) -> None:
    """Hand ``add`` the spend of each hour from ``since`` on, as (``hour``, start of the
    hour) groups: what the detail view shows, made only when it is shown."""
    for model, band, run in runs_of(cells):
        low, count = run.first_from(since), len(run.starts)
        while low < count:
            hour = run.starts[low] - run.starts[low] % HOUR_S
            high = bisect_left(run.starts, hour + HOUR_S, low)
            add(("hour", hour), model, band, run.total(low, high))
            low = high


__all__ = ["Run", "add_hours", "add_sums", "runs_of", "works_of"]
