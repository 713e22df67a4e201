"""Every key in one table: the bindings, the command palette and the help screen read it.

Listed three times before (``BINDINGS``, the palette, the help), the keys could
drift apart; now a key added here is bound, offered in ctrl+p and explained in
``?`` at once, and a test checks all three.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType


@dataclass(frozen=True, slots=True)
class Key:
    key: str
    """Textual's key name (``slash``, ``question_mark``)."""
    label: str
    """How the help screen writes the key (``/``, ``?``)."""
    action: str
    owner: str
    """``screen`` (the dashboard) or ``app``."""
    footer: str
    """The binding's short description (the footer shows it unless ``show`` is off)."""
    command: str
    """The command palette's wording."""
    meaning: str
    """The help screen's wording."""
    show: bool = True


KEYS: tuple[Key, ...] = (
    Key("b", "b", "broadcast", "screen", "Broadcast", "Broadcast a message",
        "broadcast a message to every session"),
    Key("m", "m", "message", "screen", "Message", "Message the selected session",
        "message the selected session directly"),
    Key("r", "r", "report", "screen", "Report", "Write a sprint report",
        "write a sprint report now (SPRINT_REPORT_<date>.md)"),
    Key("slash", "/", "filter", "screen", "Filter", "Filter sessions",
        "filter by id, work or health"),
    Key("escape", "escape", "clear_filter", "screen", "Clear filter", "Clear the filter",
        "clear the filter / close a dialog", show=False),
    Key("s", "s", "cycle_sort", "screen", "Sort", "Cycle the sort",
        "cycle the sort: attention, id, heartbeat age"),
    Key("g", "g", "toggle_gone", "screen", "Gone", "Show or hide gone sessions",
        "show or hide gone sessions"),
    Key("enter", "enter", "detail", "screen", "Detail", "Open the selected session",
        "session detail: every field, heartbeats, messages, claims"),
    Key("e", "e", "errors", "screen", "Errors", "Show file problems",
        "file problems: what could not be read, and why"),
    Key("question_mark", "?", "help", "app", "Help", "Help: the keys", "this help"),
    Key("q", "q", "quit", "app", "Quit", "Quit", "quit"),
)  # fmt: skip

TEXTUAL_KEYS = (("ctrl+p", "command palette (every action, and the themes)"),)
"""Keys Textual itself provides that the help screen also explains."""


def bindings(owner: str) -> list[BindingType]:
    """The ``BINDINGS`` of the dashboard screen (``screen``) or the app (``app``)."""
    return [
        Binding(item.key, item.action, item.footer, show=item.show)
        for item in KEYS
        if item.owner == owner
    ]


def help_lines() -> list[tuple[str, str]]:
    """(key, meaning) for the help screen, in table order, Textual's own keys before ? and q."""
    ours = [(item.label, item.meaning) for item in KEYS]
    app_keys = sum(1 for item in KEYS if item.owner == "app")
    return [*ours[:-app_keys], *TEXTUAL_KEYS, *ours[-app_keys:]]
