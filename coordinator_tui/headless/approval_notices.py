"""``run --notify``: one notification per new permission request, as it arrives.

The coordinator's cycle is minutes long; a request waits ``approval_wait_s`` (two
minutes by default). So a small thread looks at the inbox every second (one ``stat``
unless something changed) and hands each request it has not seen to the ``Notifier``:
a webhook gets the request as JSON, Apprise and the desktop a title and a body that
name the session and the tool, say how to answer, and link the web view when
``serve`` runs (``approvals.serving``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from coordinator_tui.approvals import serving
from coordinator_tui.approvals.inbox import Inbox
from coordinator_tui.approvals.requests import Request
from coordinator_tui.render.approval_text import notice, plain, summary

LOOK_EVERY_S = 1.0


class Sender(Protocol):
    """What delivers a notification: the ``Notifier`` (or the demo's log lines)."""

    def send(self, payload: dict[str, Any], title: str, body: str = "") -> None: ...

    def log(self, text: str) -> object: ...


def payload_of(request: Request, link: str | None) -> dict[str, Any]:
    """The webhook's JSON for one request."""
    return {
        "type": "approval_request",
        "id": request.id,
        "directory": request.root,
        "session": request.session,
        "agent": request.agent,
        "tool": request.tool,
        "summary": summary(request),
        "created_at": request.created_at,
        "expires_at": request.expires_at,
        "answerable": request.answerable,
        "answer": f"coordinator-tui approve {request.id} | deny {request.id} --reason TEXT",
        "url": link,
    }


class ApprovalNotices:
    """Notifies each new request of the inbox once."""

    def __init__(
        self,
        inbox: Inbox,
        notifier: Sender,
        clock: Callable[[], float] = time.time,
        link: Callable[[], str | None] | None = None,
    ) -> None:
        self.inbox = inbox
        self.notifier = notifier
        self.clock = clock
        self.link = link or (lambda: serving.current_url(inbox.state))
        self.seen: set[str] = set()
        self._thread: threading.Thread | None = None

    def check(self) -> int:
        """Notify what arrived since the last look; how many were sent."""
        now = self.clock()
        if not self.inbox.changed(now):
            return 0
        waiting = self.inbox.read(now).requests
        fresh = [request for request in waiting if request.id not in self.seen]
        self.seen = {request.id for request in waiting}
        link = self.link() if fresh else None
        for request in fresh:
            answer = (
                f"Answer: coordinator-tui approve {request.id[:8]} | deny {request.id[:8]}"
                if request.answerable
                else "Answer it in the agent's pane."
            )
            body = "\n".join(filter(None, [notice(request), answer, link]))
            who, tool = plain(request.session)[:40], plain(request.tool)[:40]
            title = f"Permission request: {who} wants to run {tool}"
            self.notifier.send(payload_of(request, link), title, body)
        return len(fresh)

    def start(self, stop: threading.Event, every: float = LOOK_EVERY_S) -> threading.Thread:
        """Look at once, then every ``every`` seconds in a daemon thread until ``stop``."""

        def loop() -> None:
            while True:
                try:
                    self.check()
                except OSError as error:  # the state folder went away: say it, keep looking
                    self.notifier.log(f"approvals: {error}")
                if stop.wait(every):
                    return

        self._thread = threading.Thread(target=loop, name="approval-notices", daemon=True)
        self._thread.start()
        return self._thread
