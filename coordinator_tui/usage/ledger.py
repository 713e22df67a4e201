"""One transcript's spend, kept per (bucket, model, size band) as it is read."""

from __future__ import annotations

from coordinator_tui.usage.tokens import (
    BUCKET_S,
    NO_TOKENS,
    Cell,
    Response,
    Tokens,
    band_of,
    bucket_of,
)

MAX_CELLS = 20_000
"""Past this many cells (weeks of constant work) the older half is kept per hour."""
COARSE_S = 3600

Key = tuple[int, str, int]


class Ledger:
    """Spend of one transcript; mutable, used from one thread."""

    def __init__(self) -> None:
        self.cells: dict[Key, Tokens] = {}
        self.last: Response | None = None
        self.coarse_before = 0
        """Buckets that start before this are kept per hour (``MAX_CELLS``)."""

    def key(self, moment: float, model: str, band: int) -> Key:
        start = bucket_of(moment)
        if start < self.coarse_before:
            start = int(moment // COARSE_S) * COARSE_S
        return (start, model, band)

    def add(self, moment: float, model: str, tokens: Tokens) -> Key:
        """Count one response; the key it went to (``adjust`` takes it back)."""
        key = self.key(moment, model, band_of(tokens.whole_input))
        self.cells[key] = self.cells.get(key, NO_TOKENS).plus(tokens)
        if self.last is None or moment >= self.last.time:
            self.last = Response(moment, model, tokens)
        if len(self.cells) > MAX_CELLS:
            self._coarsen()
        return key

    def adjust(self, key: Key, delta: Tokens, moment: float, model: str, tokens: Tokens) -> None:
        """A response counted before turned out larger: add the difference where it went."""
        start, _, band = key
        if start < self.coarse_before and start % COARSE_S:
            key = (int(start // COARSE_S) * COARSE_S, model, band)
        self.cells[key] = self.cells.get(key, NO_TOKENS).plus(delta)
        if self.last is not None and self.last.time == moment and self.last.model == model:
            self.last = Response(moment, model, tokens)

    def _coarsen(self) -> None:
        starts = sorted({start for start, _, _ in self.cells})
        self.coarse_before = starts[len(starts) // 2]
        merged: dict[Key, Tokens] = {}
        for (start, model, band), tokens in self.cells.items():
            if start < self.coarse_before:
                start = int(start // COARSE_S) * COARSE_S
            key = (start, model, band)
            merged[key] = merged.get(key, NO_TOKENS).plus(tokens)
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
