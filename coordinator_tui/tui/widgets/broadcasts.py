"""The broadcast feed: latest broadcasts (time, from, subject); recovered ones marked.

Focusable: enter opens the broadcast under the cursor, body and all, as plain text.
The newest broadcasts come with each analysis; moving past the last line (j, ↓,
page-down) reads the next page of older ones from the history (``history.pages``, in a
worker thread) and appends it, until the oldest is reached. The border says when the
history is still being listed at start, and how many broadcasts there are in all. Over
several collectives each line is led by its collective, and each one's history is
paged back in turn with the others', newest first.
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


def entry_line(entry: Entry, collective: str = "") -> BroadcastLine:
    """A paged broadcast as a feed line; one that cannot be read says why."""
    if isinstance(entry.record, Message):
        return broadcast_line(entry.record, collective)
    name = entry.path.rpartition("/")[2]
    reason = cell_text(entry.error or "not a broadcast", 200)
    return BroadcastLine(
        time=stamp_text(entry.stamp)[5:16] or "—",
        sender=cell_text(split_name(name)[1], 30),
        subject=f"(could not be read: {reason})",
        recovered=False,
        reading=f"{entry.path}\n\nCould not be read: {reason}",
        path=entry.path,
        collective=collective,
    )


def _place(line: BroadcastLine) -> tuple[str, str]:
    """Where a line stands among several collectives' pages (newest last)."""
    return cursor_of(line.path)


class BroadcastFeed(SelectablePanel):
    """``lines`` is bound to the screen's (``data_bind``); None until the first analysis."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
    ]

    lines: reactive[Sequence[BroadcastLine] | None] = reactive(None, repaint=False)

    def __init__(
        self,
        *,
        window: int = 10,
        id: str | None = None,
        pages: dict[str, HistoryPages] | None = None,
    ) -> None:
        """``pages``: each collective's history (by its label; ``""`` when it is alone)."""
        super().__init__(window=window, id=id)
        self.pages = pages or {}
        self.older: list[BroadcastLine] = []
        """Pages read so far, oldest last (lines the analysis also shows are skipped)."""
        self.fetching = False
        self.done: set[str] = set()
        """The collectives whose oldest broadcast has been read."""
        self.states: dict[str, tuple[int | None, int]] = {}
        """Each collective's (files of history still being listed, broadcasts in all)."""
        self.pending: int | None = None
        """History still being listed at start: about this many files (0: unknown)."""
        self.total = 0
        """Broadcasts in all (read or only listed)."""
        self._items: list[BroadcastLine] = []

    @property
    def ended(self) -> bool:
        """The oldest broadcast of every collective has been read: no page left."""
        return bool(self.pages) and self.done >= self.pages.keys()

    # --- what is shown -----------------------------------------------------------------

    def watch_lines(self) -> None:
        self._merge()
        self.draw()

    def _merge(self) -> None:
        head = list(self.lines or ())
        seen = {(line.collective, line.path) for line in head if line.path}
        older = [line for line in self.older if (line.collective, line.path) not in seen]
        self._items = head + older

    def items(self) -> list[BroadcastLine]:
        return self._items

    def item_count(self) -> int:
        return len(self._items)

    def history_state(self, snapshot: Snapshot, collective: str = "") -> None:
        """From each snapshot: whether history is still loading, how many broadcasts."""
        read = sum(1 for message in snapshot.messages if message.kind == "broadcast")
        self.states[collective] = (
            snapshot.history_pending,
            read + snapshot.unread_messages.get("broadcast", 0),
        )
        pendings = [pending for pending, _ in self.states.values() if pending is not None]
        state = (
            sum(pendings) if pendings else None,
            sum(total for _, total in self.states.values()),
        )
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
        several = len(self.pages) > 1
        if several:
            table.add_column(style="bold", no_wrap=True, overflow="ellipsis", max_width=15)
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
            cells = [Text(line.time), Text(line.sender), subject]
            if several:
                cells.insert(0, Text(line.collective))
            table.add_row(*cells, style=self.row_style(index))
        self.update(table)

    def reading(self) -> Reading | None:
        if not self._items:
            return None
        line = self._items[self.cursor]
        where = f" in {line.collective}" if line.collective else ""
        return Reading(f"Broadcast from {line.sender}{where}", line.reading or line.subject)

    # --- paging ------------------------------------------------------------------------

    def move(self, delta: int) -> None:
        super().move(delta)
        if delta > 0 and self.cursor >= self.item_count() - 1:
            self.fetch_older()

    def action_page(self, direction: int) -> None:
        self.move(direction * self.window)

    def fetch_older(self) -> None:
        """Read the next page of older broadcasts, unless one is on its way or none is left."""
        if not self.pages or self.fetching or self.ended or self.pending is not None:
            return
        before: dict[str, tuple[str, str] | None] = {}
        for collective in self.pages.keys() - self.done:
            shown = [_place(line) for line in self._items if line.collective == collective]
            before[collective] = min(shown) if shown else None
        self.fetching = True
        self.draw()
        self._read_page(before)

    @work(thread=True, exclusive=True, group="broadcast-pages", exit_on_error=False)
    def _read_page(self, before: dict[str, tuple[str, str] | None]) -> None:
        lines: list[BroadcastLine] = []
        ended: set[str] = set()
        try:
            for collective, cursor in before.items():
                entries = self.pages[collective].older(("broadcast",), None, cursor, PAGE)
                lines += [entry_line(entry, collective) for entry in entries]
                if len(entries) < PAGE:
                    ended.add(collective)
        except Exception:
            self.app.call_from_thread(self._arrived, [], set())
            raise
        self.app.call_from_thread(self._arrived, lines, ended)

    def _arrived(self, lines: list[BroadcastLine], ended: set[str]) -> None:
        self.fetching = False
        self.done |= ended
        known = {(line.collective, line.path) for line in self._items}
        fresh = [line for line in lines if (line.collective, line.path) not in known]
        if len(self.pages) > 1:  # several collectives' pages, newest first together
            fresh.sort(key=_place, reverse=True)
        self.older += fresh
        self._merge()
        self.draw()
