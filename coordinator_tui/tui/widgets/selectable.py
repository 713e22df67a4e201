"""A side panel that can be focused: tab reaches it, j/k move a cursor, enter opens an item.

The alerts, milestones and broadcasts panels show one line an item, cut to the
panel's width. Focused, the line under the cursor is highlighted and ``reading``
gives the whole item (the dashboard opens it in a plain-text modal). The panel
shows a window of items that follows the cursor, so a long list is read by moving
through it rather than by scrolling a clipped box: as many as its height holds
(the dashboard gives each panel the lines it needs, ``layout``), or a fixed number
where its height follows its content.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.widgets import Static

CURSOR_STYLE = "reverse"


@dataclass(frozen=True, slots=True)
class Reading:
    """One item in full, for the reader modal: a title and plain text."""

    title: str
    text: str


class SelectablePanel(Static, can_focus=True):
    """Subclasses draw ``in_window()`` items in ``draw`` and say what ``reading`` opens."""

    def __init__(self, *, window: int = 10, id: str | None = None) -> None:
        super().__init__(id=id)
        self.fixed_window = window
        """Items shown while the panel's height follows its content (``height: auto``)."""
        self.cursor = 0
        self.first = 0

    @property
    def fitted(self) -> bool:
        """The panel's height is given (not its content's): it shows what fits."""
        height = self.styles.height
        return height is not None and not height.is_auto and self.content_size.height > 0

    @property
    def window(self) -> int:
        """How many items are shown at once."""
        if not self.fitted:
            return self.fixed_window
        lines = self.content_size.height
        return max(1, lines - self.reserved_lines(lines))

    def reserved_lines(self, lines: int) -> int:
        """Lines of a fitted panel's ``lines`` not used by items (a heading, "more")."""
        return 0

    # --- what subclasses give ----------------------------------------------------------

    def item_count(self) -> int:
        raise NotImplementedError

    def draw(self) -> None:
        raise NotImplementedError

    def reading(self) -> Reading | None:
        """The item under the cursor in full; None when there is none."""
        raise NotImplementedError

    # --- the cursor --------------------------------------------------------------------

    def in_window(self) -> range:
        """Indexes of the items in the window, the cursor among them."""
        count = self.item_count()
        self.cursor = max(0, min(self.cursor, count - 1))
        if self.cursor < self.first:
            self.first = self.cursor
        elif self.cursor >= self.first + self.window:
            self.first = self.cursor - self.window + 1
        self.first = max(0, min(self.first, max(count - self.window, 0)))
        return range(self.first, min(count, self.first + self.window))

    def row_style(self, index: int) -> str | None:
        """The style of item ``index``'s line: highlighted under the cursor while focused (None
        otherwise: an empty style would merge the padding into the next cell)."""
        return CURSOR_STYLE if self.has_focus and index == self.cursor else None

    def move(self, delta: int) -> None:
        count = self.item_count()
        if not count:
            return
        self.cursor = max(0, min(self.cursor + delta, count - 1))
        self.draw()

    def position(self) -> str:
        """``3/12`` while focused (where the cursor is), else empty."""
        count = self.item_count()
        return f"{self.cursor + 1}/{count}" if self.has_focus and count else ""

    def on_resize(self) -> None:
        self.draw()

    def on_focus(self) -> None:
        self.draw()

    def on_blur(self) -> None:
        self.draw()
