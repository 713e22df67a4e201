"""``v``: quality per session — finished work, expired claims, duplicates, waiting, answers.

A sortable table of ``analysis.acting.quality``'s records (``QUALITY_COLUMNS``):
``s``/``S`` move the sort to the next or previous column, ``o`` reverses the
order, and a click on a header sorts by that column. The dashboard hands in
fresh records after each run of the decisions while the screen is open; over
several collectives, each row is led by its collective's name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from coordinator_tui.analysis.acting.quality import QUALITY_COLUMNS, QualityRecord
from coordinator_tui.tui.decisions import QUALITY_LABELS, quality_rows
from coordinator_tui.tui.keys import bindings

NOTE = (
    "finished = steps completed + claims marked done · claims expired = claimed and left "
    "unfinished · waiting = time waiting for a human · answered = direct messages answered "
    "of received. Claims done and waiting are approximations (see the README)."
)


class QualityScreen(Screen[None]):
    KEY_OWNER = "quality"
    BINDINGS: ClassVar = [
        *bindings("quality"),
        Binding("escape", "close", "Back"),
        Binding("q", "close", "Back", show=False),
    ]

    records: reactive[tuple[tuple[str, QualityRecord], ...]] = reactive((), init=False)
    """(collective, record) pairs."""

    def __init__(self, records: Sequence[tuple[str, QualityRecord]]) -> None:
        super().__init__()
        self.column = "finished"
        self.descending = True
        self.set_reactive(QualityScreen.records, tuple(records))

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="quality", cursor_type="row", zebra_stripes=True)
        yield Static(Text(NOTE, style="dim"), id="quality-note")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "quality per session"
        table = self.query_one("#quality", DataTable)
        if len({name for name, _ in self.records}) > 1:
            table.add_column("collective", key="collective")
        for name in QUALITY_COLUMNS:
            table.add_column(QUALITY_LABELS[name], key=name)
        self._fill()
        table.focus()

    def watch_records(self) -> None:
        self._fill()

    def _fill(self) -> None:
        table = self.query_one("#quality", DataTable)
        table.clear()
        for cells in quality_rows(self.records, self.column, self.descending):
            table.add_row(*(Text(cell) for cell in cells))
        arrow = "↓" if self.descending else "↑"
        table.border_title = (
            f"Quality · {len(self.records)} sessions · sort: {QUALITY_LABELS[self.column]} {arrow}"
        )

    def sort_by(self, column: str, descending: bool | None = None) -> None:
        self.column = column
        self.descending = column != "session" if descending is None else descending
        self._fill()

    def action_next_column(self) -> None:
        index = QUALITY_COLUMNS.index(self.column)
        self.sort_by(QUALITY_COLUMNS[(index + 1) % len(QUALITY_COLUMNS)])

    def action_previous_column(self) -> None:
        index = QUALITY_COLUMNS.index(self.column)
        self.sort_by(QUALITY_COLUMNS[(index - 1) % len(QUALITY_COLUMNS)])

    def action_reverse(self) -> None:
        self.sort_by(self.column, not self.descending)

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        column = str(event.column_key.value)
        if column not in QUALITY_COLUMNS:
            return  # the collective: not a measure
        if column == self.column:
            self.action_reverse()
        else:
            self.sort_by(column)

    def action_close(self) -> None:
        self.dismiss(None)
