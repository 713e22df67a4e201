"""The detail screen's receipts: each message to (or from) a session, how far it got.

Per recipient: when the message was written, when a hook put it into the agent's
context (delivered), when the agent's next turn ran after that (acted on). Built from
``analysis.receipts.Receipt`` values; the subjects and names come from files, so every
cell is plain ``Text``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from coordinator_tui.analysis.receipts import Receipt
from coordinator_tui.files.records import Message
from coordinator_tui.files.timeparse import format_utc
from coordinator_tui.tui.rows import cell_text

STAGE_STYLE = {"acted on": "green", "delivered": "cyan", "written": "yellow"}
TITLE = "Messages: written → delivered → acted on"


def _when(moment: datetime | None, known: bool = True) -> Text:
    if moment is not None:
        return Text(format_utc(moment)[11:19] + "Z")
    return Text("yes, time not recorded" if known else "—", style="dim")


def receipts_table(
    receipts: Sequence[Receipt], messages: Mapping[str, Message], session: str
) -> Table | Text:
    """One row per receipt that concerns ``session`` (to it, or from it to another),
    newest message first."""
    rows = [
        receipt
        for receipt in receipts
        if receipt.session == session
        or (receipt.message in messages and messages[receipt.message].sender == session)
    ]
    if not rows:
        return Text("No message receipts for this session yet.", style="dim")
    rows.sort(key=lambda receipt: (receipt.written_at is None, receipt.written_at), reverse=True)
    table = Table(box=None, padding=(0, 1), expand=True, show_edge=False)
    for column in ("written", "from → to", "subject", "delivered", "acted on", "stage"):
        table.add_column(
            column, no_wrap=column != "subject", ratio=3 if column == "subject" else None
        )
    for receipt in rows:
        message = messages.get(receipt.message)
        sender = message.sender if message is not None else "?"
        subject = message.subject if message is not None else receipt.message
        table.add_row(
            _when(receipt.written_at),
            Text(f"{cell_text(sender, 24)} → {cell_text(receipt.session, 24)}"),
            Text(cell_text(subject, 120)),
            _when(receipt.delivered_at, receipt.delivered),
            _when(receipt.acted_at, False),
            Text(receipt.stage, style=STAGE_STYLE[receipt.stage]),
        )
    return table


class ReceiptsPanel(Static):
    """The receipts of one session; ``show`` replaces what it lists."""

    DEFAULT_CSS = """
    ReceiptsPanel {
        height: auto;
        border: round $panel;
        border-title-color: $text-muted;
        padding: 0 1;
    }
    """

    def __init__(self, session: str, id: str | None = None) -> None:
        super().__init__(Text(""), id=id)
        self.session = session

    def on_mount(self) -> None:
        self.border_title = TITLE

    def show(self, receipts: Sequence[Receipt], messages: Mapping[str, Message]) -> None:
        self.update(receipts_table(receipts, messages, self.session))
