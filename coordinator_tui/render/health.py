"""One table for how a health value and an alert kind look, read by every view.

The dashboard, ``status``, the report, the help screen and the detail screen all
take their symbol, colour and word from here, so they cannot disagree (they
once did: stale was ◐ in ``status`` and ▲ on the dashboard).
"""

from __future__ import annotations

from dataclasses import dataclass

from coordinator_tui.analysis.results import Health, SessionView


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
    Health.WAITING: Look("◉", "bold magenta", "waiting"),
    Health.ENDED: Look("■", "dim", "ended"),
    Health.STARTING: Look("◌", "blue", "starting"),
}
"""Every health value, in the order the legend lists them."""

ALERT_KINDS: dict[str, Look] = {
    "incident": Look("!", "bold red", "incident"),
    "resolve": Look("⇄", "cyan", "keeps"),
    "duplicate": Look("◆", "bold red", "dup"),
    "overlap": Look("≈", "magenta", "overlap"),
    "claim": Look("⚑", "red", "claim"),
    "lost": Look("⇅", "bold red", "lost"),
    "stale": Look("▲", "yellow", "stale"),
}
"""Every alert kind the dashboard raises (``incident``: escalated stuck work; ``resolve``:
who keeps duplicated work and who yields; ``lost``: a claim lost to another machine's
push, from ``sync``'s state)."""


def health_look(health: Health) -> Look:
    return HEALTH[health]


@dataclass(frozen=True, slots=True)
class Flag:
    """A warning on one session: the table's short word, the detail screen's words and
    what the help legend says it means. ``short`` is empty for a flag only the detail
    screen shows (the errors screen already lists the file)."""

    short: str
    words: str
    meaning: str = ""


FLAG_STYLE = "bold red"
FLAGS: dict[str, Flag] = {
    "duplicate": Flag("dup", "duplicate work", "same work as another live session"),
    "conflict": Flag(
        "claim", "works on a claimed item", "works on something another session claimed"
    ),
    "kept": Flag(
        "kept", "file mid-rewrite: last good read shown", "file mid-rewrite, last good read shown"
    ),
    "recovered": Flag("", "file was not valid JSON (recovered)"),
}
"""Every session flag, in the order the table, the detail screen and the legend list them."""


def session_flags(view: SessionView) -> tuple[Flag, ...]:
    """The flags that apply to ``view``: the one place that decides them for every view."""
    if not (view.duplicate or view.conflict or view.kept_last_good or view.session.recovered):
        return ()
    on = {
        "duplicate": view.duplicate,
        "conflict": view.conflict,
        "kept": view.kept_last_good,
        "recovered": view.session.recovered,
    }
    return tuple(flag for name, flag in FLAGS.items() if on[name])


MILESTONE_STATUS: dict[str, Look] = {
    "completed": Look("✔", "green", "completed"),
    "in_progress": Look("▶", "cyan", "in progress"),
    "blocked": Look("■", "red", "blocked"),
    "pending": Look("·", "dim", "pending"),
    "abandoned": Look("✕", "dim strike", "abandoned"),
}
"""Every milestone status with a look of its own; others are drawn as ``?``, unstyled."""
