"""Message receipts per recipient: written, delivered into a context, acted on.

Pure: ``message_receipts`` joins the parsed messages with what the hooks recorded
(a ``ReceiptBook``: session → message key → (delivered at, acted on at), read by
``agents.receipts.book``), and ``undelivered_incidents`` turns a direct message that a
hook-driven session has not taken into its context within ``deliver_within_s`` into
one incident per recipient (escalated once, as every incident is).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Literal

from coordinator_tui.analysis.acting.escalate import MAX_ID, MAX_TITLE, Incident
from coordinator_tui.analysis.results import Analysis, SessionView
from coordinator_tui.files.records import Message

HOOK_AGENTS = frozenset({"claude", "codex", "gemini"})
"""Agents whose hooks deliver messages and write receipts (``agent`` in the session file):
the sessions a late direct message is an incident for."""
RECEIVERS = HOOK_AGENTS | {"cli"}
"""Sessions that record receipts: the hooks' agents, and the session client (``session
inbox``)."""
LOOK_BACK_S = 86400.0
"""Direct messages older than this past their deadline raise nothing new (history)."""

ReceiptBook = Mapping[str, Mapping[str, tuple[float | None, float | None]]]


@dataclass(frozen=True, slots=True)
class Receipt:
    """One message for one recipient."""

    message: str
    """The message file's path (relative to the directory)."""
    session: str
    written_at: datetime | None
    delivered: bool
    delivered_at: datetime | None
    """None with ``delivered``: delivered at a time not recorded (an older hook)."""
    acted_at: datetime | None

    @property
    def stage(self) -> Literal["written", "delivered", "acted on"]:
        """``acted on``, ``delivered`` or ``written``: how far the message got."""
        if self.acted_at is not None:
            return "acted on"
        return "delivered" if self.delivered else "written"


def message_key(message: Message) -> str:
    """The key a receipt files a message under: ``direct/<file>``, ``broadcast/<file>``."""
    return f"{message.kind}/{message.path.rpartition('/')[2]}"


def _moment(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, tz=timezone.utc)


def receipts_of(message: Message, book: ReceiptBook) -> tuple[Receipt, ...]:
    """A direct message's one recipient (delivered or not); a broadcast's recipients that
    recorded it, by session id."""
    key = message_key(message)
    if message.kind == "direct":
        recipients: Iterable[str] = (message.to,)
    else:
        recipients = sorted(session for session, keys in book.items() if key in keys)
    found = []
    for session in recipients:
        entry = book.get(session, {}).get(key)
        delivered_at, acted_at = entry if entry is not None else (None, None)
        found.append(
            Receipt(
                message=message.path,
                session=session,
                written_at=message.timestamp,
                delivered=entry is not None,
                delivered_at=_moment(delivered_at),
                acted_at=_moment(acted_at),
            )
        )
    return tuple(found)


def message_receipts(messages: Iterable[Message], book: ReceiptBook) -> tuple[Receipt, ...]:
    """Every receipt of ``messages`` (their order kept)."""
    return tuple(receipt for message in messages for receipt in receipts_of(message, book))


def hook_driven(views: Iterable[SessionView], agents: frozenset[str] = RECEIVERS) -> list[str]:
    """The ids of sessions whose ``agent`` is one of ``agents`` (by default those that
    record receipts: the only ones ``agents.receipts.book`` needs to read)."""
    return sorted({view.id for view in views if view.session.extra.get("agent") in agents})


def undelivered_incidents(analysis: Analysis, book: ReceiptBook, within_s: float) -> list[Incident]:
    """One ``undelivered`` incident per hook-driven session holding a direct message
    written more than ``within_s`` ago (and less than a day past that) that no hook has
    put into its context."""
    now = analysis.now
    driven = set(hook_driven(analysis.sessions, HOOK_AGENTS))
    late: dict[str, list[Message]] = {}
    for message in analysis.messages.latest:
        if message.kind != "direct" or message.to not in driven or message.timestamp is None:
            continue
        age = (now - message.timestamp).total_seconds()
        if not within_s < age <= within_s + LOOK_BACK_S:
            continue
        if message_key(message) not in book.get(message.to, {}):
            late.setdefault(message.to, []).append(message)
    incidents = []
    for session, messages in sorted(late.items()):
        oldest = min(messages, key=lambda message: (message.timestamp, message.path))
        assert oldest.timestamp is not None
        minutes = (now - oldest.timestamp).total_seconds() / 60
        count = f"{len(messages)} direct messages" if len(messages) > 1 else "a direct message"
        title = (
            f"{count} to {session} not delivered into its context for {minutes:.0f} min "
            f"(oldest: {oldest.subject or '(no subject)'!r} from {oldest.sender})"
        )
        key = f"undelivered:{session}"[:MAX_ID]
        incidents.append(Incident(key, "undelivered", session, title[:MAX_TITLE], oldest.timestamp))
    return incidents


def session_receipts(
    messages: Iterable[Message], book: ReceiptBook, session: str
) -> tuple[list[str], tuple[Receipt, ...]]:
    """For a session's detail: (the sessions whose receipts to read, the receipts) of the
    messages to it (direct, and broadcasts it took) and of its direct messages to others.
    Call once with an empty book for the ids to read, again with their book."""
    chosen = [
        message
        for message in messages
        if message.to == session or message.sender == session or message.kind == "broadcast"
    ]
    readers = sorted({session} | {m.to for m in chosen if m.kind == "direct" and m.to})
    sent = {message.path for message in chosen if message.sender == session}
    found = tuple(
        receipt
        for receipt in message_receipts(chosen, book)
        if receipt.session == session or receipt.message in sent
    )
    return readers, found
