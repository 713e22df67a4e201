"""The inbox as its readers see it: pending requests of some directories, and answering.

``Inbox.changed`` is the cheap check a dashboard runs every quarter second (one
``stat`` per directory, plus the next moment a request's wait runs out); ``Inbox.read``
lists what still waits, oldest first, and sweeps what a killed hook left behind.
``answer`` writes a decision and audits it; the hook that waits takes it within
its next look (every 100 ms).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from coordinator_tui.approvals import audit, decisions, requests
from coordinator_tui.approvals.decisions import Decision
from coordinator_tui.approvals.requests import Request
from coordinator_tui.approvals.state import Place, StateError, open_state, places

RECHECK_S = 2.0
"""``changed`` says yes at least this often: a hook killed outright leaves its file,
and only a look at its process tells."""
MIN_PREFIX = 4


class NotFound(LookupError):
    """No pending request answers to that id (or the prefix names several)."""


@dataclass(frozen=True)
class InboxView:
    requests: tuple[Request, ...]
    problems: tuple[tuple[str, str], ...]
    """(path, reason) of request files that could not be read."""


class Inbox:
    """The pending requests of ``roots`` (every directory with a corner in the state
    folder when ``roots`` is None)."""

    def __init__(
        self,
        roots: Sequence[str] | None,
        state: str | None = None,
        environ: Mapping[str, str] = os.environ,
    ) -> None:
        self.state = open_state(state, environ)
        self.roots = None if roots is None else [os.path.realpath(root) for root in roots]
        self._places: list[Place] = []
        self._signature: tuple[object, ...] | None = None
        self._next_check = 0.0
        self._refresh_places()

    def _refresh_places(self) -> None:
        if self.roots is None:
            self._places = places(self.state)
            return
        found = []
        for root in self.roots:
            try:
                found.append(Place(self.state, root))
            except StateError:
                continue
        self._places = found

    @property
    def places(self) -> list[Place]:
        return list(self._places)

    def _current_signature(self) -> tuple[object, ...]:
        marks: list[object] = []
        if self.roots is None:
            marks.append(_mark(os.path.join(self.state, "approvals")))
        for place in self._places:
            marks.append(_mark(place.pending))
        return tuple(marks)

    def changed(self, now: float | None = None) -> bool:
        """Whether ``read`` may say something new: a request file came or went, a wait
        ran out, or ``RECHECK_S`` passed."""
        moment = time.time() if now is None else now
        return self._current_signature() != self._signature or moment >= self._next_check

    def read(self, now: float | None = None) -> InboxView:
        """What waits, oldest first; requests whose hook is gone are swept (audited)."""
        moment = time.time() if now is None else now
        if self.roots is None:
            self._refresh_places()
        self._signature = self._current_signature()
        host = os.uname().nodename
        living: list[Request] = []
        problems: list[tuple[str, str]] = []
        for place in self._places:
            found, bad = requests.read_all(place)
            problems += bad
            for request in found:
                if request.alive(moment, host):
                    living.append(request)
                else:
                    sweep(place, request, moment)
        living.sort(key=lambda request: (request.created_at, request.id))
        deadlines = [request.expires_at + requests.GRACE_S for request in living]
        self._next_check = min([moment + RECHECK_S, *deadlines])
        return InboxView(tuple(living), tuple(problems))

    def find(self, request_id: str, now: float | None = None) -> Request:
        """The waiting request whose id is ``request_id`` or starts with it (at least
        ``MIN_PREFIX`` characters, naming one request)."""
        wanted = request_id.strip().lower()
        if len(wanted) < MIN_PREFIX:
            raise NotFound(f"give at least {MIN_PREFIX} characters of the request's id")
        waiting = self.read(now).requests
        found = [request for request in waiting if request.id.startswith(wanted)]
        if not found:
            raise NotFound(f"no request {request_id!r} is waiting")
        if len(found) > 1:
            raise NotFound(f"{request_id!r} names {len(found)} requests; give more of the id")
        return found[0]

    def place_of(self, request: Request) -> Place:
        return Place(self.state, request.root)


def _mark(path: str) -> object:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_ino, info.st_mtime_ns)


def sweep(place: Place, request: Request, now: float) -> None:
    """Remove a request whose hook is gone or whose wait is over, audited once (by
    whoever removes the file)."""
    if requests.remove(place, request.id):
        try:
            os.unlink(place.decision_path(request.id))
        except FileNotFoundError:
            pass
        ended = "timeout" if now > request.expires_at else "gone"
        audit.record(place, "ended", request, by=ended)


def answer(
    inbox: Inbox, request: Request, behavior: str, message: str, by: str, now: float | None = None
) -> Decision:
    """Write the decision for ``request`` and audit it; ``decisions.AlreadyAnswered``
    when someone answered first, ``ValueError`` for a request that is only shown."""
    if not request.answerable:
        raise ValueError(f"this request is answered in the agent's pane: {request.note}")
    moment = time.time() if now is None else now
    place = inbox.place_of(request)
    decision = decisions.write(place, request, behavior, message, by, moment)
    audit.record(place, "decided", request, by=by, behavior=behavior, message=message or None)
    return decision


def taken(inbox: Inbox, request: Request, timeout: float, step: float = 0.05) -> bool:
    """Wait up to ``timeout`` for the hook to take the decision; whether it did."""
    place = inbox.place_of(request)
    deadline = time.monotonic() + timeout
    while True:
        if not decisions.exists(place, request.id):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(step)
