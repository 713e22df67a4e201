"""The short footer: the dashboard's keys, one word each, as many as the width holds.

Textual's footer lists every binding with its full description and the palette
hint; at 60 columns it was cut after ``/ F`` and ran into ``^p palette``, and at
120 it lost ``? Help`` and ``q Quit``. Below ``FULL_FOOTER_FROM`` columns this
strip replaces it: the keys with a ``compact`` word in ``keys.KEYS``, in
``keys.COMPACT_ORDER`` (help, quit, gone and errors first), whole items only,
then the palette hint if it still fits.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from coordinator_tui.tui.keys import compact_footer

FULL_FOOTER_FROM = 150
"""From this many columns Textual's footer (every key, full words) fits."""
SHOWN_AS = {"enter": "⏎", "escape": "esc"}
PALETTE_HINT = "^p palette"


def strip_text(width: int = 10_000, read_only: bool = False) -> Text:
    """The strip for ``width`` cells: whole ``key word`` items, never one cut in half."""
    text = Text(no_wrap=True, overflow="crop")
    for label, word in compact_footer(read_only):
        key = SHOWN_AS.get(label, label)
        gap = 2 if text else 0
        if text.cell_len + gap + len(key) + 1 + len(word) > width:
            break
        if gap:
            text.append("  ")
        # The blank after the key stays in the key's span: an SVG export drops a styled
        # span's leading blank ("?help").
        text.append(f"{key} ", style="bold")
        text.append(word, style="dim")
    if text.cell_len + 2 + len(PALETTE_HINT) <= width:
        text.append("  ")
        text.append(PALETTE_HINT, style="dim italic")
    return text


class KeyStrip(Widget):
    """One line of keys, fitted to its width at each render."""

    def render(self) -> Text:
        return strip_text(self.content_size.width or 10_000, getattr(self.app, "read_only", False))
