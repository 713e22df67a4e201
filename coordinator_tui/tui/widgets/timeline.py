"""A session's timeline on the detail screen: its heartbeat events and the messages from
and to it, newest first, paged back through the whole history; then its archived ones.

The analysis keeps only a window of recent history, so the timeline reads the history
itself (``history.pages``) in worker threads: the first page on mount, the next one when
the cursor moves past the last line (j, ↓, page-down), until the oldest is reached; the
archived entries (``archive``) are searched meanwhile and follow the kept history, each
marked with its archive. Focused, enter opens the entry under the cursor whole, as plain
text: everything shown came from files, so it is ``Text``, never markup.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType

from coordinator_tui.files.records import Heartbeat, Message
from coordinator_tui.history.names import (
    BROADCAST_FOLDER,
    kind_of_folder,
    split_name,
    stamp_text,
)
from coordinator_tui.history.pages import PAGE, Entry, HistoryPages, summary_of
from coordinator_tui.render.sanitize import clip, strip_control
from coordinator_tui.tui.panels import READ_LIMIT, message_reading
from coordinator_tui.tui.rows import cell_text
from coordinator_tui.tui.widgets.selectable import Reading, SelectablePanel

TITLE = "Timeline: heartbeats, messages from and to it"
KINDS = ("heartbeat", "broadcast", "direct")
BEAT_KEYS = ("session_id", "timestamp")
"""A heartbeat's fields every line would repeat."""


@dataclass(frozen=True, slots=True)
class TimelineLine:
    """One entry as the timeline shows it, and what the reader opens."""

    key: tuple[str, str, str]
    """(archive, stamp, path): unique, so a page read twice adds nothing."""
    time: str
    kind: str
    summary: str
    reading: str
    archive: str = ""
    recovered: bool = False
    """A message whose file was not valid JSON, read as the send script writes it."""


def _kind(entry: Entry, who: str) -> str:
    record = entry.record
    if isinstance(record, Message):
        if record.sender == who:
            return "broadcast" if record.kind == "broadcast" else f"→ {cell_text(record.to, 24)}"
        return f"← {cell_text(record.sender, 24)}"
    if isinstance(record, Heartbeat):
        return "heartbeat"
    return _kind_from_path(entry.path, who)


def _kind_from_path(path: str, who: str) -> str:
    """The kind of an entry not parsed (archived, or unreadable), from where it lies."""
    folder, _, name = path.rpartition("/")
    if not path:
        return "archive"
    if kind_of_folder(folder) == "heartbeat":
        return "heartbeat"
    if folder == BROADCAST_FOLDER:
        return "broadcast"
    to = folder.rpartition("/")[2]
    return f"← {cell_text(split_name(name)[1], 24)}" if to == who else f"→ {cell_text(to, 24)}"


def _summary(entry: Entry) -> str:
    """``summary_of``, but an archived heartbeat's fields read like a kept one's."""
    if entry.archive and not entry.error and _kind_from_path(entry.path, "") == "heartbeat":
        try:
            data = json.loads(entry.text)
        except ValueError:
            data = None
        if isinstance(data, dict):
            fields = [f"{k}={v}" for k, v in data.items() if k not in BEAT_KEYS and v]
            return ", ".join(fields) or "beat"
    return summary_of(entry)


def _reading(entry: Entry) -> str:
    record = entry.record
    head = f"File: {cell_text(entry.path, 300)}"
    if entry.archive:
        head += f"\nArchived in .coordinator/archive/{cell_text(entry.archive, 200)}"
    if entry.error:
        return f"{head}\n\nCould not be read: {cell_text(entry.error, 500)}"
    if isinstance(record, Message):
        return f"{head}\n{message_reading(record)}"
    if isinstance(record, Heartbeat):
        when = f"{record.timestamp:%Y-%m-%d %H:%M:%S} UTC" if record.timestamp else "—"
        fields = json.dumps(record.extra, ensure_ascii=False, indent=2, default=str)
        return f"{head}\nAt: {when}\n\n{clip(strip_control(fields), READ_LIMIT)}"
    return f"{head}\n\n{clip(strip_control(entry.text), READ_LIMIT) or '(empty)'}"


def _record_time(entry: Entry) -> str:
    """The time of an entry whose name has no stamp (``sessions/HEARTBEATS/<id>.json``)."""
    moment = getattr(entry.record, "timestamp", None)
    return f"{moment:%Y-%m-%d %H:%M:%S}" if moment else "—"


def timeline_line(entry: Entry, who: str) -> TimelineLine:
    """A page's entry as a timeline line; one that cannot be read says why."""
    return TimelineLine(
        key=(entry.archive, entry.stamp, entry.path),
        time=stamp_text(entry.stamp) or _record_time(entry),
        kind=_kind(entry, who),
        summary=cell_text(_summary(entry), 200),
        reading=_reading(entry),
        archive=cell_text(entry.archive, 80),
        recovered=isinstance(entry.record, Message) and entry.record.recovered,
    )


class SessionTimeline(SelectablePanel):
    """Pages of ``who``'s history from ``pages``; the archived entries after the kept ones."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "move(1)", "Down", show=False),
        Binding("k,up", "move(-1)", "Up", show=False),
        Binding("pagedown", "move(10)", "Page down", show=False),
        Binding("pageup", "move(-10)", "Page up", show=False),
    ]

    def __init__(
        self, pages: HistoryPages, who: str, *, window: int = 12, id: str | None = None
    ) -> None:
        super().__init__(window=window, id=id)
        self.pages = pages
        self.who = who
        self.kept: list[TimelineLine] = []
        self.archived: list[TimelineLine] | None = None
        """The archived entries once searched (None: still searching)."""
        self.fetching = False
        self.ended = False
        """The oldest kept entry has been read: no page left."""
        self.pages_read = 0

    def on_mount(self) -> None:
        self.fetch_older()
        self._search_archive()

    # --- what is shown -----------------------------------------------------------------

    def items(self) -> list[TimelineLine]:
        """Kept history as far as read; the archived entries once it is read to the end."""
        if self.ended and self.archived:
            return self.kept + self.archived
        return self.kept

    def item_count(self) -> int:
        return len(self.items())

    def busy(self) -> bool:
        """A page or the archive search is on its way."""
        return self.fetching or self.archived is None

    def title(self) -> str:
        parts = [TITLE, f"{len(self.kept):,}{'' if self.ended else '+'} kept"]
        if self.archived is not None:
            parts.append(f"{len(self.archived):,} archived")
        if self.busy():
            parts.append("loading…")
        return " · ".join(parts)

    def draw(self) -> None:
        self.border_title = Text(self.title())
        self.border_subtitle = self.position()
        lines = self.items()
        if not lines:
            words = "Loading history…" if self.busy() else "No history for this session."
            self.update(Text(words, style="dim"))
            return
        table = Table.grid(padding=(0, 1), expand=True)
        table.add_column(style="dim", no_wrap=True)
        table.add_column(no_wrap=True, max_width=26, overflow="ellipsis", style="cyan")
        table.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        for index in self.in_window():
            line = lines[index]
            summary = Text(line.summary)
            if line.archive:
                summary = Text(f"archived ({line.archive}) ", style="italic dim") + summary
            if line.recovered:  # the blank unstyled: an SVG export drops a styled one
                summary.append(" ")
                summary.append("(recovered)", style="italic dim")
            row = (Text(line.time), Text(line.kind), summary)
            table.add_row(*row, style=self.row_style(index))
        if self.ended and self.archived is None and self.cursor >= len(lines) - 1:
            table.add_row(Text(""), Text(""), Text("searching the archive…", style="dim"))
        self.update(table)

    def reading(self) -> Reading | None:
        lines = self.items()
        if not lines:
            return None
        line = lines[self.cursor]
        return Reading(f"{cell_text(self.who, 60)} · {line.time} · {line.kind}", line.reading)

    # --- paging ------------------------------------------------------------------------

    def action_move(self, delta: int) -> None:
        self.move(delta)
        if delta > 0 and self.cursor >= len(self.kept) - 1:
            self.fetch_older()

    def fetch_older(self) -> None:
        """Read the next page of older entries, unless one is on its way or none is left."""
        if self.fetching or self.ended:
            return
        before = (self.kept[-1].key[1], self.kept[-1].key[2]) if self.kept else None
        self.fetching = True
        self.draw()
        self._read_page(before)

    @work(thread=True, exclusive=True, group="timeline-pages", exit_on_error=False)
    def _read_page(self, before: tuple[str, str] | None) -> None:
        try:
            entries = self.pages.older(KINDS, self.who, before, PAGE)
        except Exception:
            self.app.call_from_thread(self._arrived, [], True)
            raise
        lines = [timeline_line(entry, self.who) for entry in entries]
        self.app.call_from_thread(self._arrived, lines, len(entries) < PAGE)

    def _arrived(self, lines: list[TimelineLine], ended: bool) -> None:
        self.fetching = False
        self.ended = self.ended or ended
        self.pages_read += 1
        known = {line.key for line in self.kept}
        self.kept += [line for line in lines if line.key not in known]
        self.draw()

    @work(thread=True, exclusive=True, group="timeline-archive", exit_on_error=False)
    def _search_archive(self) -> None:
        try:
            entries = self.pages.archived(self.who)
        except Exception:
            self.app.call_from_thread(self._searched, [])
            raise
        self.app.call_from_thread(self._searched, [timeline_line(e, self.who) for e in entries])

    def _searched(self, lines: list[TimelineLine]) -> None:
        self.archived = lines
        self.draw()
