"""One transcript's spend, kept per (bucket, model, size band) as it is read.

Buckets are 5 minutes for the newest ``FINE_S`` of the transcript (the last hour's
spend, the detail's latest turns), an hour back to ``HOURLY_S``, and a day before
that: the per-hour breakdown, "today" and the cost of the work need no finer, and a
state of weeks of work stays small (``bench_usage``: opening 100 sessions of 200 MB
transcripts reads their saved states, and the cost is per bucket).
"""

from __future__ import annotations

from coordinator_tui.usage.tokens import (
    BUCKET_S,
    NO_TOKENS,
    Cell,
    Response,
    Tokens,
    band_of,
)

FINE_S = 2 * 3600
HOUR_S = 3600
DAY_S = 86400
HOURLY_S = 7 * DAY_S

Key = tuple[int, str, int]


class Ledger:
    """Spend of one transcript; mutable, used from one thread."""

    def __init__(self) -> None:
        self.cells: dict[Key, Tokens] = {}
        self.last: Response | None = None
        self.fine_from = -(2**62)
        """Buckets at or after this are 5 minutes; before, an hour back to ``hourly_from``."""
        self.hourly_from = -(2**62)

    def start_of(self, moment: float) -> int:
        """The start of the bucket ``moment`` falls in, at its age's granularity."""
        if moment >= self.fine_from:
            return int(moment // BUCKET_S) * BUCKET_S
        if moment >= self.hourly_from:
            return int(moment // HOUR_S) * HOUR_S
        return int(moment // DAY_S) * DAY_S

    def settle(self, newest: float) -> None:
        """Coarsen what has grown old since spend as new as ``newest`` (an hour at a time)."""
        if newest - FINE_S >= self.fine_from + HOUR_S:
            self._coarsen(newest)

    def add(self, moment: float, model: str, tokens: Tokens) -> Key:
        """Count one response; the key it went to (``adjust`` takes it back)."""
        self.settle(moment)
        key = (self.start_of(moment), model, band_of(tokens.whole_input))
        self.cells[key] = self.cells.get(key, NO_TOKENS).plus(tokens)
        if self.last is None or moment >= self.last.time:
            self.last = Response(moment, model, tokens)
        return key

    def adjust(self, key: Key, delta: Tokens, moment: float, model: str, tokens: Tokens) -> None:
        """A response counted before turned out larger: add the difference where it went."""
        start, key_model, band = key
        key = (self.start_of(start), key_model, band)
        self.cells[key] = self.cells.get(key, NO_TOKENS).plus(delta)
        if self.last is not None and self.last.time == moment and self.last.model == model:
            self.last = Response(moment, model, tokens)

    def _coarsen(self, newest: float) -> None:
        """The newest spend moved on: older buckets merged to hours, then to days."""
        self.fine_from = int((newest - FINE_S) // HOUR_S) * HOUR_S
        self.hourly_from = int((newest - HOURLY_S) // DAY_S) * DAY_S
        merged: dict[Key, Tokens] = {}
        for (start, model, band), tokens in self.cells.items():
            key = (self.start_of(start), model, band)
            known = merged.get(key)
            merged[key] = tokens if known is None else known.plus(tokens)
        self.cells = merged

    def merge(self, other: Ledger) -> None:
        """Add ``other``'s spend (a rotated file's, carried over)."""
        for key, tokens in other.cells.items():
            self.cells[key] = self.cells.get(key, NO_TOKENS).plus(tokens)
        if other.last is not None and (self.last is None or other.last.time > self.last.time):
            self.last = other.last

    def as_cells(self) -> list[Cell]:
        return [Cell(*key, tokens) for key, tokens in self.cells.items()]


__all__ = ["BUCKET_S", "Key", "Ledger"]
