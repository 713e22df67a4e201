"""Permission requests in the demo: simulated agents ask, wait for the answer, act on it.

Now and then a working session asks, as its hook would record it (``approvals``), to
run a command, edit a file or fetch a URL, and waits (its file says ``waiting``) in a
demo-private state folder that ``demo`` makes (never the user's own). Answered from the
dashboard (``y``, ``n``, ``a``) or ``approve``/``deny`` with that folder: allowed, it
"runs" it and says so in a broadcast, then works on; denied, it drops that work and
broadcasts the reason. Nobody answering within ``wait_s``: the simulated person answers
in the agent's own pane (audited as ``pane``) and it goes on. A Gemini session's request
is shown only, answered in its pane after a while. Its own random generator, seeded
from the simulation's without drawing from it: the rest of the simulated life stays as
it was for a given seed.
"""

from __future__ import annotations

import os
import random
from dataclasses import replace
from datetime import datetime
from typing import Any

from coordinator_tui.approvals import audit, decisions, ids, requests
from coordinator_tui.approvals.requests import Request
from coordinator_tui.approvals.state import Place, open_state
from coordinator_tui.demo.behaviour import heartbeat
from coordinator_tui.demo.world import PLACEHOLDER, SimSession, World

ASKS: tuple[tuple[str, dict[str, Any], str], ...] = (
    ("Bash", {"command": "npm test -- --coverage", "description": "Run the tests"}, "212 passed"),
    ("Bash", {"command": "pytest -q tests/api", "description": "API tests"}, "48 passed in 3.1s"),
    ("Bash", {"command": "rm -rf build/ dist/", "description": "Clean the build"}, "cleaned"),
    ("Bash", {"command": "git push origin HEAD", "description": "Push the branch"}, "pushed"),
    (
        "Edit",
        {
            "file_path": "src/billing/invoice.py",
            "old_string": "total = 0\nfor line in lines:\n    total += line.amount",
            "new_string": "total = sum(line.amount for line in lines)",
        },
        "edited",
    ),
    (
        "WebFetch",
        {"url": "https://docs.python.org/3/library/decimal.html", "prompt": "rounding modes"},
        "read the page",
    ),
)
ASK_CHANCE = 0.08
"""Per tick, the chance that a working session asks (while fewer than ``MAX_ASKING`` do)."""
MAX_ASKING = 2
SHOWN_ONLY_S = 20.0
"""A Gemini session's request is answered in its pane after this (simulated seconds)."""


class DemoApprovals:
    """The requests of the simulated sessions, in the state folder ``state``."""

    def __init__(self, world: World, state: str, rng: random.Random, wait_s: float) -> None:
        self.world = world
        self.place = Place(open_state(state), str(world.root))
        self.random = rng
        self.wait_s = wait_s
        self.asking: dict[str, Request] = {}

    def tick(self, now: datetime) -> None:
        moment = now.timestamp()
        by_id = {session.id: session for session in self.world.sessions}
        for session_id, request in list(self.asking.items()):
            session = by_id.get(session_id)
            if session is None or session.state != "waiting":
                self._withdraw(request, "gone")
            else:
                self._follow(session, request, now, moment)
        working = [
            s for s in self.world.sessions if s.state == "working" and s.id not in self.asking
        ]
        if working and len(self.asking) < MAX_ASKING and self.random.random() < ASK_CHANCE:
            self.ask(self.random.choice(working), now)

    def ask(self, session: SimSession, now: datetime) -> Request:
        """``session`` asks (its file turns ``waiting``) and waits for the answer."""
        tool, given, _ = self.random.choice(ASKS)
        agent = self.world.spender.agent(session.id)[0]
        moment = now.timestamp()
        pid = os.getpid()
        request = Request(
            id=ids.new_id(),
            root=self.place.root,
            session=session.id,
            agent=agent,
            tool=tool,
            tool_input=dict(given),
            cwd=str(self.world.root.parent / "project"),
            digest=ids.digest(tool, given),
            created_at=moment,
            expires_at=moment + self.wait_s,
            pid=pid,
            pid_start=ids.process_start(pid),
            host=os.uname().nodename,
        )
        if agent == "gemini":
            note = "answer in the pane: Gemini CLI's permission can only be observed"
            request = replace(request, answerable=False, note=note)
            request = replace(request, expires_at=moment + SHOWN_ONLY_S)
        requests.write(self.place, request)
        audit.record(self.place, "request", request, by="demo")
        self.asking[session.id] = request
        session.state, session.waiting_since = "waiting", now
        self.world.write_session(session)
        return request

    def _follow(self, session: SimSession, request: Request, now: datetime, moment: float) -> None:
        """Take the answer if there is one, else let the person answer in the pane once
        the wait is over."""
        taken = decisions.take(self.place, request, moment)
        if isinstance(taken, decisions.Refused):
            audit.record(self.place, "refused", request, reason=taken.reason)
        elif isinstance(taken, decisions.Decision):
            self._end(request, None)
            audit.record(self.place, "applied", request, by=taken.by, behavior=taken.behavior)
            self._act(session, request, taken.behavior, taken.message, now)
            return
        if not os.path.exists(self.place.pending_path(request.id)):
            self.asking.pop(session.id, None)  # swept by a reader after its wait
            self._act(session, request, "allow", "", now)
        elif moment >= request.expires_at:
            self._end(request, "pane")
            self._act(session, request, "allow", "", now)

    def _act(
        self, session: SimSession, request: Request, behavior: str, why: str, now: datetime
    ) -> None:
        self.asking.pop(session.id, None)
        session.waiting_since = None
        what = _what(request)
        if behavior == "allow":
            result = next(
                (done for tool, given, done in ASKS if ids.digest(tool, given) == request.digest),
                "done",
            )
            session.state = "working"
            self.world.message(session.id, f"Ran {what}", f"{what}: {result}.", now)
        else:
            session.state, session.work, session.priority = "idle", PLACEHOLDER, None
            reason = f": {why}" if why else ""
            self.world.message(
                session.id, f"Not running {what}", f"Denied{reason}. Back to the queue.", now
            )
        heartbeat(self.world, session, now)

    def _end(self, request: Request, by: str | None) -> None:
        if requests.remove(self.place, request.id) and by is not None:
            audit.record(self.place, "ended", request, by=by)

    def _withdraw(self, request: Request, by: str) -> None:
        self.asking.pop(request.session, None)
        self._end(request, by)

    def close(self) -> None:
        """The demo ends: its requests leave the inbox."""
        for request in list(self.asking.values()):
            self._withdraw(request, "gone")


def _what(request: Request) -> str:
    given = request.tool_input
    for key in ("command", "file_path", "url"):
        if isinstance(given.get(key), str):
            return f"{request.tool} {given[key]}"
    return request.tool
