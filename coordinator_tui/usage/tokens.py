"""Token counts, in one shape for every agent, and the plain totals the analysis reads.

One shape, Anthropic's: ``input`` is the input that was neither read from nor written
to the cache; ``cache_write`` and ``cache_read`` are the cached parts; ``output``
includes reasoning ("thinking") tokens. Codex and Gemini report input *including* the
cached part, and the readers convert (``readers``). ``cache_write_1h`` is the part of
``cache_write`` written for an hour (priced higher by Anthropic).

Spend is kept per (5-minute bucket, model, size band): a bucket says when it was
spent (the cost of the work, spend today, the rate per hour), the band says how large
the whole input of each response was, so a price with a tier above 200k input tokens
is applied per response, as the provider bills it, even though responses are summed
(``EDGES`` holds every tier start the price data uses; a test holds it to the data).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from itertools import repeat
from operator import itemgetter
from typing import NamedTuple, overload

BUCKET_S = 300
"""Spend is kept per bucket of this many seconds (5 minutes) for the newest spend, coarser
for older (``ledger``)."""
EDGES = (32_000, 100_000, 128_000, 199_999, 200_000, 256_000, 272_000, 512_000, 524_288)
"""Whole-input sizes at which some price tier starts (a response above an edge is in the
next band). ``analysis.costs.prices`` refuses to price a model with a tier elsewhere."""
MAX_MODEL = 100
"""A model name is cut to this many characters (it comes from an untrusted file)."""
UNKNOWN_MODEL = "unknown"


class Tokens(NamedTuple):
    """Token counts of one response, or summed over many."""

    input: int = 0
    cache_write: int = 0
    cache_read: int = 0
    output: int = 0
    cache_write_1h: int = 0
    """Part of ``cache_write``."""
    responses: int = 0

    def plus(self, other: Tokens) -> Tokens:
        return Tokens(*(mine + theirs for mine, theirs in zip(self, other, strict=True)))

    def minus(self, other: Tokens) -> Tokens:
        return Tokens(*(mine - theirs for mine, theirs in zip(self, other, strict=True)))

    @property
    def whole_input(self) -> int:
        """The whole input, cached parts included (what price tiers are decided on)."""
        return self.input + self.cache_write + self.cache_read

    @property
    def total(self) -> int:
        """Every token in and out."""
        return self.whole_input + self.output


NO_TOKENS = Tokens()


def band_of(whole_input: int) -> int:
    """The size band of a response whose whole input is ``whole_input`` tokens: how many
    edges it is above (a tier "starting at 200,000" applies above 200,000)."""
    return bisect_left(EDGES, whole_input)


def band_floor(band: int) -> int:
    """A whole-input size inside ``band`` (its smallest), to choose a price tier with."""
    return 0 if band <= 0 else EDGES[min(band, len(EDGES)) - 1] + 1


def clean_model(value: object) -> str:
    """A model name fit to show and to key on: printable, at most ``MAX_MODEL`` chars."""
    if not isinstance(value, str):
        return UNKNOWN_MODEL
    return _clean_model(value[: MAX_MODEL * 4])


@lru_cache(maxsize=1024)
def _clean_model(value: str) -> str:
    text = "".join(char for char in value if char.isprintable()).strip()[:MAX_MODEL]
    return text or UNKNOWN_MODEL


class Cell(NamedTuple):
    """Spend in one bucket by one model in one size band."""

    start: int
    """The bucket's start, epoch seconds (a multiple of ``BUCKET_S``)."""
    model: str
    band: int
    tokens: Tokens


ColumnRun = tuple[str, int, list[int], tuple[list[int], ...]]
"""(model, size band, the buckets' starts in order, each kind of token count in order)."""
_NEW_TOKENS = partial(tuple.__new__, Tokens)
_NEW_CELL = partial(tuple.__new__, Cell)


class ColumnCells(Sequence[Cell]):
    """Cells kept as the index holds them: per model and size band, the buckets' starts in
    order and the counts column by column. The cost views take their runs as they are
    (``runs``); a ``Cell`` per bucket is made only when one is asked for. Cells have no
    order: two collections are equal when they hold the same cells."""

    def __init__(self, runs: tuple[ColumnRun, ...]) -> None:
        self.runs = runs
        self._made: tuple[Cell, ...] | None = None

    def _all(self) -> tuple[Cell, ...]:
        if self._made is None:
            made: list[Cell] = []
            for model, band, starts, columns in self.runs:
                tokens = map(_NEW_TOKENS, zip(*columns, strict=True))
                made += map(_NEW_CELL, zip(starts, repeat(model), repeat(band), tokens))
            self._made = tuple(made)
        return self._made

    @overload
    def __getitem__(self, index: int) -> Cell: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Cell]: ...

    def __getitem__(self, index: int | slice) -> Cell | Sequence[Cell]:
        return self._all()[index]

    def __len__(self) -> int:
        return sum(len(starts) for _, _, starts, _ in self.runs)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return sorted(self._all()) == sorted(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._all())))

    def __repr__(self) -> str:
        return f"ColumnCells({self._all()!r})"


def first_start(cells: Sequence[Cell]) -> int | None:
    """The earliest bucket's start (None: no cells), without making cells of columns."""
    if isinstance(cells, ColumnCells):
        return min((starts[0] for _, _, starts, _ in cells.runs if starts), default=None)
    return min(map(itemgetter(0), cells), default=None)


def models_of(cells: Sequence[Cell]) -> set[str]:
    if isinstance(cells, ColumnCells):
        return {model for model, _, _, _ in cells.runs}
    return set(map(itemgetter(1), cells))


class Response(NamedTuple):
    """One model response (the last one is shown as "the last turn")."""

    time: float
    model: str
    tokens: Tokens


def bucket_of(moment: float) -> int:
    return int(moment // BUCKET_S) * BUCKET_S


@dataclass(frozen=True)
class SessionUsage:
    """What one session spent: plain, immutable data for the analysis and the views."""

    session: str
    """The session id."""
    agent: str
    cells: Sequence[Cell] = ()
    """Its spend per (bucket, model, band): a tuple, or the index's ``ColumnCells``."""
    last: Response | None = None
    complete: bool = True
    """The totals cover the transcripts from their first byte; False while only their
    tails have been read (the totals are then at least these)."""
    sources: tuple[str, ...] = ()
    """The transcripts read."""
    problems: tuple[str, ...] = ()
    """Why a transcript could not be read (or was only partly), in words."""
    work_log: tuple[tuple[float, str], ...] = ()
    """(epoch seconds, work) when the session was seen at a work: the heartbeats' history
    as this program saw it, for the cost of the work."""
    _by_model: dict[str, Tokens] = field(default_factory=dict, compare=False, repr=False)

    @property
    def by_model(self) -> Mapping[str, Tokens]:
        if not self._by_model and self.cells:
            self._by_model.update(sum_by_model(self.cells))
        return self._by_model

    @property
    def total(self) -> Tokens:
        return sum_tokens(self.by_model.values())


def sum_tokens(items: Iterable[Tokens]) -> Tokens:
    result = NO_TOKENS
    for item in items:
        result = result.plus(item)
    return result


def sum_by_model(cells: Iterable[Cell]) -> dict[str, Tokens]:
    result: dict[str, Tokens] = {}
    for cell in cells:
        result[cell.model] = result.get(cell.model, NO_TOKENS).plus(cell.tokens)
    return result


@dataclass(frozen=True)
class UsageSnapshot:
    """Every session's usage at one moment (what the follower hands to the analysis)."""

    sessions: Mapping[str, SessionUsage] = field(default_factory=dict)
    """Session id → its usage."""
    problems: tuple[str, ...] = ()
    """Problems of the follower itself (its state could not be saved, …)."""

    def of(self, session: str) -> SessionUsage | None:
        return self.sessions.get(session)


EMPTY = UsageSnapshot()
