"""The compact footer: the few keys a 50–60 column side pane needs, one word each.

Textual's footer lists every binding with its full description and the palette
hint; at 60 columns it was cut after ``/ F`` and ran into ``^p palette``. In a
compact layout this strip replaces it: the keys with a ``compact`` word in
``keys.KEYS`` (help, quit, gone, errors among them), and nothing else — ``?``
lists the rest.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from coordinator_tui.tui.keys import compact_footer

SHOWN_AS = {"enter": "⏎", "escape": "esc"}


def strip_text() -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    for index, (label, word) in enumerate(compact_footer()):
        if index:
            text.append(" ")
        text.append(SHOWN_AS.get(label, label), style="bold")
        text.append(f" {word}", style="dim")
    return text


class KeyStrip(Static):
    """One line of keys, drawn once (the key table does not change while running)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(strip_text(), id=id)
