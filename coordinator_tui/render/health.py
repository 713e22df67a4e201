"""One table for how a health value and an alert kind look, read by every view.

The dashboard, ``status``, the report, the help screen and the detail screen all
take their symbol, colour and word from here, so they cannot disagree (they
once did: stale was ◐ in ``status`` and ▲ on the dashboard).
"""

from __future__ import annotations

from dataclasses import dataclass

from coordinator_tui.analysis.results import Health


@dataclass(frozen=True, slots=True)
class Look:
    """How one value is drawn: a one-cell symbol, a Rich style and a word."""

    symbol: str
    style: str
    word: str

    @property
    def label(self) -> str:
        """Symbol and word, as the table's health cell and the legend show it."""
        return f"{self.symbol} {self.word}"


HEALTH: dict[Health, Look] = {
    Health.WORKING: Look("●", "green", "working"),
    Health.IDLE: Look("○", "cyan", "idle"),
    Health.STALE: Look("▲", "yellow", "stale"),
    Health.GONE: Look("✕", "dim", "gone"),
    Health.WAITING: Look("⏸", "bold magenta", "waiting"),
    Health.ENDED: Look("■", "dim", "ended"),
}
"""Every health value, in the order the legend lists them."""

ALERT_KINDS: dict[str, Look] = {
    "duplicate": Look("◆", "bold red", "dup"),
    "overlap": Look("≈", "magenta", "overlap"),
    "claim": Look("⚑", "red", "claim"),
    "stale": Look("▲", "yellow", "stale"),
}
"""Every alert kind the dashboard raises."""


def health_look(health: Health) -> Look:
    return HEALTH[health]
