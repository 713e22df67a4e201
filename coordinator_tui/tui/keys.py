"""Every key in one table: the bindings, the command palette and the help screen read it.

Listed three times before (``BINDINGS``, the palette, the help), the keys could
drift apart; now a key added here is bound, offered in ctrl+p and explained in
``?`` at once, and a test checks all three.

A key whose action writes into the directory says so (``writes``): under
``--read-only`` (a wall display, ``serve --read-only``) the dashboard is made with
``without_writes`` and those actions are neither run nor shown, and the palette, the
help and the short footer leave them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from textual import events
from textual.binding import Binding, BindingType
from textual.widgets import Input


@dataclass(frozen=True, slots=True)
class Key:
    key: str
    """Textual's key name (``slash``, ``question_mark``)."""
    label: str
    """How the help screen writes the key (``/``, ``?``)."""
    action: str
    owner: str
    """Who binds it: ``screen`` (the dashboard), ``quality``, ``detail`` or ``app``."""
    footer: str
    """The binding's short description (the footer shows it unless ``show`` is off)."""
    command: str
    """The command palette's wording."""
    meaning: str
    """The help screen's wording."""
    show: bool = True
    compact: str = ""
    """The compact footer's word (a 60-column pane); empty: not in the compact footer."""
    writes: bool = False
    """The action writes into the directory: left out under ``--read-only``."""


KEYS: tuple[Key, ...] = (
    Key("b", "b", "broadcast", "screen", "Broadcast", "Broadcast a message",
        "broadcast to every session of the selected row's collective", compact="broadcast",
        writes=True),
    Key("m", "m", "message", "screen", "Message", "Message the selected session",
        "message the selected session directly", compact="message", writes=True),
    Key("r", "r", "report", "screen", "Report", "Write a sprint report",
        "write SPRINT_REPORT_<date>.md of the selected row's collective",
        compact="report", writes=True),
    Key("slash", "/", "filter", "screen", "Filter", "Filter sessions",
        "filter by id, work, health or collective", compact="filter"),
    Key("escape", "escape", "clear_filter", "screen", "Clear filter", "Clear the filter",
        "clear the filter / close a dialog", show=False),
    Key("s", "s", "cycle_sort", "screen", "Sort", "Cycle the sort",
        "sort by (collective,) attention, id, heartbeat or cost",
        compact="sort"),
    Key("g", "g", "toggle_gone", "screen", "Gone", "Show or hide gone and ended sessions",
        "show or hide gone and ended sessions", compact="gone"),
    Key("enter", "enter", "detail", "screen", "Detail", "Open the selected session or item",
        "session detail; in a focused panel: the item in full", compact="detail"),
    Key("t", "t", "jump", "screen", "tmux", "Jump to the session's tmux pane",
        "switch the tmux client to the selected session's pane", compact="tmux"),
    Key("p", "p", "inbox", "screen", "Approvals", "Focus the approval inbox",
        "move to the approval inbox (shown while an agent asks permission)",
        compact="approvals"),
    Key("S", "S", "start_agent", "screen", "Start", "Start agents on priorities",
        "start agents on priorities, each in a tmux window", writes=True),
    Key("w", "w", "wake", "screen", "Wake", "Wake the selected session's agent",
        "wake the selected agent idle at its prompt: messages now", writes=True),
    Key("X", "X", "stop_agent", "screen", "Stop", "Stop the selected session's agent",
        "stop the selected agent, its window and claims (asks)", writes=True),
    Key("v", "v", "quality", "screen", "Quality", "Quality per session",
        "quality per session: finished, expired claims, duplicates, waiting",
        compact="quality"),
    Key("i", "i", "incidents", "screen", "Incidents", "Escalated incidents",
        "escalated incidents (stuck work) and the resource advice", compact="incidents"),
    Key("j,down", "j / ↓", "cursor_down", "screen", "Down", "Move down",
        "move down in the table or the focused panel", show=False),
    Key("k,up", "k / ↑", "cursor_up", "screen", "Up", "Move up",
        "move up in the table or the focused panel", show=False),
    Key("e", "e", "errors", "screen", "Errors", "Show file problems",
        "file problems: what could not be read, and why", compact="errors"),
    Key("s", "s", "next_column", "quality", "Sort", "Quality: sort by the next column",
        "quality view: sort by the next column"),
    Key("S", "S", "previous_column", "quality", "Back", "Quality: sort by the previous column",
        "quality view: sort by the previous column", show=False),
    Key("o", "o", "reverse", "quality", "Order", "Quality: reverse the order",
        "quality view: ascending or descending"),
    Key("t", "t", "jump", "detail", "tmux", "Jump to this session's tmux pane",
        "detail screen: switch the tmux client to this session's pane"),
    Key("enter", "enter", "open", "detail", "Open", "Open the timeline entry",
        "detail screen: the timeline entry in full (↓ reads back)"),
    Key("tab", "tab", "focus_next", "app", "Next", "Focus the next panel",
        "focus the next panel: table, alerts, milestones, broadcasts", show=False),
    Key("shift+tab", "shift+tab", "focus_previous", "app", "Previous",
        "Focus the previous panel", "focus the previous panel", show=False),
    Key("question_mark", "?", "help", "app", "Help", "Help: the keys", "this help", compact="help"),
    Key("q", "q", "quit", "app", "Quit", "Quit", "quit", compact="quit"),
)  # fmt: skip

TEXTUAL_KEYS = (("ctrl+p", "command palette (every action, and the themes)"),)
"""Keys Textual itself provides that the help screen also explains."""


def bindings(owner: str) -> list[BindingType]:
    """The ``BINDINGS`` of the dashboard (``screen``), another screen or the app (``app``)."""
    return [
        Binding(item.key, item.action, item.footer, show=item.show)
        for item in KEYS
        if item.owner == owner
    ]


WRITING = frozenset(item.action for item in KEYS if item.writes)
"""The actions ``--read-only`` takes away."""

ScreenType = TypeVar("ScreenType", bound=type)


class _ReadOnly:
    """Mixed into a screen by ``without_writes``."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in WRITING:
            return False  # Textual neither runs the binding nor shows it
        return super().check_action(action, parameters)  # type: ignore[misc]


def is_read_only(screen: object) -> bool:
    """``screen`` was made by ``without_writes``."""
    return isinstance(screen, _ReadOnly)


def without_writes(screen: ScreenType) -> ScreenType:
    """``screen`` without its writing actions: a key, a click or the palette asking for
    one gets nothing (``check_action``, Textual's own switch for a binding)."""
    return type(f"ReadOnly{screen.__name__}", (_ReadOnly, screen), {})  # type: ignore[return-value]


def _offered(item: Key, read_only: bool) -> bool:
    return not (read_only and item.writes)


def keys_for(owner: str, read_only: bool = False) -> list[Key]:
    """The keys the palette offers over a screen: its own, then the app's."""
    return [item for item in KEYS if item.owner == owner and _offered(item, read_only)] + [
        item for item in KEYS if item.owner == "app" and owner != "app"
    ]


COMPACT_ORDER = (
    "question_mark",
    "q",
    "g",
    "e",
    "slash",
    "enter",
    "p",
    "t",
    "s",
    "i",
    "v",
    "b",
    "m",
    "r",
)
"""The short footer's order: what must stay visible when a narrow pane has room for few."""


def compact_footer(read_only: bool = False) -> list[tuple[str, str]]:
    """(key, word) for the short footer: the dashboard's and the app's keys that have a
    compact word, in ``COMPACT_ORDER`` (the strip shows as many as fit; ``?`` lists all)."""
    chosen = [
        item
        for item in KEYS
        if item.compact and item.owner in ("screen", "app") and _offered(item, read_only)
    ]
    chosen.sort(key=lambda item: COMPACT_ORDER.index(item.key))
    return [(item.label, item.compact) for item in chosen]


def help_lines(read_only: bool = False) -> list[tuple[str, str]]:
    """(key, meaning) for the help screen, in table order, Textual's own keys before ? and
    q: the dashboard's keys and those of the detail and quality screens."""
    ours = [(item.label, item.meaning) for item in KEYS if _offered(item, read_only)]
    app_keys = sum(1 for item in KEYS if item.owner == "app")
    return [*ours[:-app_keys], *TEXTUAL_KEYS, *ours[-app_keys:]]


def catch_up_filter(screen: Any, box: Input, event: events.Key) -> None:
    """``/`` and the keys typed right after it, handled as they reach the screen.

    Textual forwards keys queued together to the widget focused when they arrive, and
    runs a binding's action only after the key has gone round: a burst such as
    ``/beta`` (a paste, a fast typist, tmux ``send-keys``) would leave ``beta`` with the
    table, where ``b`` opens the broadcast dialog. So ``/`` opens the box here, at once,
    and the printable keys that follow it go into the box."""
    focused = screen.focused is box  # ``has_focus`` follows only once Focus is handled
    if event.key == "slash" and not focused:
        screen.action_filter()
    elif focused and event.is_printable and event.character:
        box.insert_text_at_cursor(event.character)
    elif focused and event.key == "enter":
        screen.call_later(box.action_submit)
    else:
        return
    event.stop()
    event.prevent_default()
