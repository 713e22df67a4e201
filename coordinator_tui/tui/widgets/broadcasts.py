"""The broadcast feed: latest broadcasts (time, from, subject); recovered ones marked.

Focusable: enter opens the broadcast under the cursor, body and all, as plain text.
The newest broadcasts come with each analysis; moving past the last line (j, ↓,
page-down) reads the next page of older ones from the history (``history.pages``, in a
worker thread) and appends it, until the oldest is reached. The border says when the
history is still being listed at start, and how many broadcasts there are in all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType
from textual.reactive import reactive

from coordinator_tui.files.records import Message
from coordinator_tui.history.names import split_name, stamp_text
from coordinator_tui.history.pages import PAGE, Entry, HistoryPages, cursor_of
from coordinator_tui.store import Snapshot
from coordinator_tui.tui.panels import BroadcastLine, broadcast_line
from coordinator_tui.tui.rows import cell_text
from coordinator_tui.tui.widgets.selectable import Reading, SelectablePanel

TITLE = "Broadcasts"


def entry_line(entry: Entry) -> BroadcastLine:
    """A paged broadcast as a feed line; one that cannot be read says why."""
    if isinstance(entry.record, Message):
        return broadcast_line(entry.record)
    name = entry.path.rpartition("/")[2]
    reason = cell_text(entry.error or "not a broadcast", 200)
    return BroadcastLine(
        time=stamp_text(entry.stamp)[5:16] or "—",
        sender=cell_text(split_name(name)[1], 30),
        subject=f"(could not be read: {reason})",
        recovered=False,
        reading=f"{entry.path}\n\nCould not be read: {reason}",
        path=entry.path,
    )


class BroadcastFeed(SelectablePanel):
    """``lines`` is bound to the screen's (``data_bind``); None until the first analysis."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
    ]

    lines: reactive[Sequence[BroadcastLine] | None] = reactive(None, repaint=False)

    def __init__(
        self, *, window: int = 10, id: str | None = None, pages: HistoryPages | None = None
    ) -> None:
        super().__init__(window=window, id=id)
        self.pages = pages
        self.older: list[BroadcastLine] = []
        """Pages read so far, oldest last (lines the analysis also shows are skipped)."""
        self.fetching = False
        self.ended = False
        """The oldest broadcast has been read: no page left."""
        self.pending: int | None = None
        """History still being listed at start: about this many files (0: unknown)."""
        self.total = 0
        """Broadcasts in all (read or only listed)."""
        self._items: list[BroadcastLine] = []

    # --- what is shown -----------------------------------------------------------------

    def watch_lines(self) -> None:
        self._merge()
        self.draw()

    def _merge(self) -> None:
        head = list(self.lines or ())
        seen = {line.path for line in head if line.path}
        self._items = head + [line for line in self.older if line.path not in seen]

    def items(self) -> list[BroadcastLine]:
        return self._items

    def item_count(self) -> int:
        return len(self._items)

    def history_state(self, snapshot: Snapshot) -> None:
        """From each snapshot: whether history is still loading, how many broadcasts."""
        read = sum(1 for message in snapshot.messages if message.kind == "broadcast")
        state = (snapshot.history_pending, read + snapshot.unread_messages.get("broadcast", 0))
        if state != (self.pending, self.total):
            self.pending, self.total = state
            if self.is_mounted:
                self.draw()

    def title(self) -> str:
        if self.pending is not None:
            files = f"{self.pending:,} files" if self.pending else "files"
            return f"{TITLE} · history: loading {files}…"
        shown = self.item_count()
        more = f" · {shown:,} of {self.total:,}" if self.total > shown else ""
        return TITLE + more + (" · loading older…" if self.fetching else "")

    def draw(self) -> None:
        if self.lines is None and self.pending is None:
            return
        self.border_title = self.title()
        self.border_subtitle = self.position()
        lines = self._items
        if not lines:
            words = "Loading history…" if self.pending is not None else "No broadcasts yet."
            self.update(Text(words, style="dim"))
            return
        table = Table.grid(padding=(0, 1), expand=True)
        table.add_column(style="dim", no_wrap=True)
        table.add_column(no_wrap=True, max_width=20, overflow="ellipsis", style="cyan")
        table.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        for index in self.in_window():
            line = lines[index]
            subject = Text(line.subject)
            if line.recovered:
                # The space belongs to the subject's span: an SVG export drops the leading
                # blank of a styled span ("Plan(recovered)").
                subject.append(" ")
                subject.append("(recovered)", style="italic dim")
            table.add_row(Text(line.time), Text(line.sender), subject, style=self.row_style(index))
        self.update(table)

    def reading(self) -> Reading | None:
        if not self._items:
            return None
        line = self._items[self.cursor]
        return Reading(f"Broadcast from {line.sender}", line.reading or line.subject)

    # --- paging ------------------------------------------------------------------------

    def move(self, delta: int) -> None:
        super().move(delta)
        if delta > 0 and self.cursor >= self.item_count() - 1:
            self.fetch_older()

    def action_page(self, direction: int) -> None:
        self.move(direction * self.window)

    def fetch_older(self) -> None:
        """Read the next page of older broadcasts, unless one is on its way or none is left."""
        if self.pages is None or self.fetching or self.ended or self.pending is not None:
            return
        shown = [cursor_of(line.path) for line in self._items if line.path]
        self.fetching = True
        self.draw()
        self._read_page(min(shown) if shown else None)

    @work(thread=True, exclusive=True, group="broadcast-pages", exit_on_error=False)
    def _read_page(self, before: tuple[str, str] | None) -> None:
        assert self.pages is not None
        try:
            entries = self.pages.older(("broadcast",), None, before, PAGE)
        except Exception:
            self.app.call_from_thread(self._arrived, [], False)
            raise
        lines = [entry_line(entry) for entry in entries]
        self.app.call_from_thread(self._arrived, lines, len(entries) < PAGE)

    def _arrived(self, lines: list[BroadcastLine], ended: bool) -> None:
        self.fetching = False
        self.ended = self.ended or ended
        known = {line.path for line in self._items}
        self.older += [line for line in lines if line.path not in known]
        self._merge()
        self.draw()
