"""The simulated collective's shared state and the files it writes.

``World`` holds what the whole collective shares: the sessions, the priority
queue, the milestones, the claims, the seeded ``random.Random``. Its methods
are the collective's writes (the priority calculator, the milestone and claim
scripts, the send script) through ``simfiles``; what one session *does* is in
``behaviour.py``, and the clock and the tick loop in ``simulate.py``.

A write that fails (the demo directory deleted under us, a full disk) does not
stop the simulation: it is recorded as a ``Problem`` that the demo shows.
"""

from __future__ import annotations

import json
import random
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from coordinator_tui.clock import Clock
from coordinator_tui.demo.simfiles import (
    claim_text,
    message_text,
    new_milestone,
    pasted_message_text,
    remove,
    session_text,
    utc_words,
    write_in_place,
)
from coordinator_tui.demo.spend import Spender
from coordinator_tui.files.fsio import create_new
from coordinator_tui.files.reader import os_reason

PLACEHOLDER = "session initialization"
SUFFIXES = ("build", "tests", "deploy", "review", "docs", "fix")
POOL: tuple[tuple[str, str], ...] = (
    ("consciousness_loop", "Build automated consciousness loop"),
    ("spec_generation", "Generate SPEC.md for services"),
    ("orchestrator_restart", "Restart Orchestrator service"),
    ("deploy_dashboard", "Deploy dashboard droplet to server"),
    ("registry_sync", "Sync the service registry with droplets"),
    ("treasury_manager", "Build treasury manager: budgets, alerts"),
    ("i_match_launch", "Launch I MATCH phase 1"),
    ("session_monitoring", "Multi-session monitoring dashboards"),
    ("credential_vault", "Set up the credential vault"),
    ("test_coverage", "Raise test coverage of core services"),
    ("docs_site", "Deploy the docs site"),
    ("resource_monitor", "Agent resource monitor"),
)
CHATTER = (
    ("Plan", "\nSESSION PLAN:\n\n- step 1: {work}\n- step 2: tests\nReady!"),
    ("🎉 Progress", "{work} is going well\\! Costs \\$0 so far."),
    ("Question", 'Has anyone seen "{work}" fail with "timeout"?'),
    ("Status", "Working on {work}; will report back."),
    ("Heads up", "Restarting services for {work} in 5 minutes."),
)
KEEP_PROBLEMS = 200
"""Problems kept for ``Simulation.problems`` (the oldest are dropped; none is lost from
``take_problems`` unless more than this many pile up between two takes)."""


@dataclass
class SimSession:
    id: str
    state: str = "new"
    """new → starting → idle → working → idle …; waiting (for a human); crashed; ended;
    vanished."""
    work: str | None = None
    priority: str | None = None
    started: datetime | None = None
    last_beat: datetime | None = None
    beats: int = 0
    next_beat: int = 0
    idle_ticks: int = 0
    waiting_since: datetime | None = None
    capabilities: list[str] = field(default_factory=list)
    beat_files: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Problem:
    """A write the simulation could not do: when, which file (relative to the demo
    directory), and the system's reason."""

    time: datetime
    path: str
    reason: str

    def describe(self) -> str:
        return f"demo simulation could not write {self.path}: {self.reason}"


class World:
    """What the simulated collective shares, and the writes that change it."""

    def __init__(self, root: Path, size: int, rng: random.Random, clock: Clock) -> None:
        self.root = root
        self.size = size
        self.random = rng
        self.clock = clock
        self.sessions: list[SimSession] = []
        self.priorities: list[tuple[int, str, str]] = []
        self.milestones: dict[str, dict[str, Any]] = {}
        self.claims: dict[Path, datetime] = {}
        """Claim files written and when they expire (expired ones are cleaned up later)."""
        self.message_files: deque[Path] = deque()
        """The messages the simulation wrote, oldest first (``retire`` keeps the newest)."""
        self.problems: deque[Problem] = deque(maxlen=KEEP_PROBLEMS)
        self._unseen: deque[Problem] = deque(maxlen=KEEP_PROBLEMS)
        self._problems_lock = threading.Lock()
        self._pool_next = 0
        # Its own generator, seeded from the simulation's without drawing from it: spend
        # leaves the rest of the simulated life as it was for a given seed.
        self.spender = Spender(root, random.Random(repr(rng.getstate()[1][:8])))
        """The sessions' transcripts: what they spend (issue 28)."""
        self.spending: set[str] = set()

    # --- problems -------------------------------------------------------------------------------

    def take_problems(self) -> list[Problem]:
        """The problems recorded since the last call (thread-safe: the simulation records them
        from its own thread; the demo's display takes them from another)."""
        with self._problems_lock:
            taken = list(self._unseen)
            self._unseen.clear()
        return taken

    def _failed(self, path: Path, error: OSError) -> None:
        shown = path.relative_to(self.root).as_posix() if path.is_relative_to(self.root) else path
        problem = Problem(self.clock(), str(shown), os_reason(error))
        with self._problems_lock:
            self.problems.append(problem)
            self._unseen.append(problem)

    # --- files ----------------------------------------------------------------------------------

    def write(self, path: Path, text: str) -> None:
        try:
            write_in_place(path, text)
        except OSError as error:
            self._failed(path, error)

    def remove(self, path: Path) -> None:
        try:
            remove(path)
        except OSError as error:
            self._failed(path, error)

    def create(self, folder: Path, stem: str, text: str) -> None:
        try:  # stem-2.json, stem-3.json…: same-second messages do not overwrite
            data = text.encode("utf-8")
            written = create_new(folder, f"{stem}.json", data, attempts=99, durable=False)
            self.message_files.append(Path(written))
        except OSError as error:
            self._failed(folder / f"{stem}.json", error)

    def write_session(self, session: SimSession, status: str = "active") -> None:
        text = session_text(
            session.id,
            session.started,
            status,
            session.work,
            session.capabilities,
            session.last_beat,
            session.beats,
            "waiting" if session.state == "waiting" else None,
            session.waiting_since if session.state == "waiting" else None,
            self.spender.fields(session.id) if session.id in self.spending else None,
        )
        self.write(self.root / "sessions" / f"{session.id}.json", text)

    def spend(self, session: SimSession, now: datetime, hours: float = 0.0) -> None:
        """One model response (or ``hours`` of them) in the session's transcript."""
        try:
            if hours:
                self.spender.history(session.id, now, hours)
            else:
                self.spender.respond(session.id, now)
        except OSError as error:
            self._failed(self.spender.path(session.id), error)
            return
        self.spending.add(session.id)

    def capabilities(self) -> list[str]:
        extra = self.random.sample(["build", "debug", "deploy", "docs", "ops", "tests"], 2)
        return ["general-purpose", *extra]

    # --- the priority queue ---------------------------------------------------------------------

    def add_priority(self) -> None:
        name, description = POOL[self._pool_next % len(POOL)]
        if self._pool_next >= len(POOL):
            round_number = self._pool_next // len(POOL) + 1
            name, description = f"{name}_v{round_number}", f"{description} (round {round_number})"
        self._pool_next += 1
        self.priorities.append((self.random.randint(40, 95), name, description))

    def write_priorities(self) -> None:
        lines = ["# priority queue: score:name:description, best first"]
        ordered = sorted(self.priorities, key=lambda item: -item[0])
        lines += [f"{score}:{name}:{description}" for score, name, description in ordered]
        self.write(self.root / "priorities.txt", "\n".join(lines) + "\n")

    def available(self) -> str | None:
        taken = {s.priority for s in self.sessions if s.state == "working"}
        free = [
            item for item in sorted(self.priorities, key=lambda i: -i[0]) if item[1] not in taken
        ]
        return free[0][1] if free else None

    def variant(self, priority: str) -> str:
        return f"{priority.replace('_', '-')}-{self.random.choice(SUFFIXES)}"

    # --- milestones and claims ------------------------------------------------------------------

    def milestone(self, priority: str, now: datetime) -> dict[str, Any]:
        if priority not in self.milestones:
            description = next((d for _, n, d in self.priorities if n == priority), priority)
            steps = self.random.randint(4, 8)
            level = self.random.choice(("HIGH", "MEDIUM", "LOW"))
            self.milestones[priority] = new_milestone(priority, description, level, steps, now)
        return self.milestones[priority]

    def write_milestone(self, priority: str, now: datetime) -> None:
        milestone = self.milestones[priority]
        milestone["updated_at"] = utc_words(now)
        path = self.root / "sessions" / "MILESTONES" / f"{milestone['milestone_id']}.json"
        self.write(path, json.dumps(milestone, indent=2, ensure_ascii=False))

    def claim(self, kind: str, name: str, holder: str, when: datetime, hours: float) -> None:
        path = self.root / "claims" / f"{kind}-{name}.claim"
        self.write(path, claim_text(kind, name, holder, when, hours))
        self.claims[path] = when + timedelta(hours=hours)

    # --- messages -------------------------------------------------------------------------------

    def chatter(self, session: SimSession, now: datetime, broken: bool) -> None:
        subject, template = self.random.choice(CHATTER)
        body = template.format(work=session.work or "the queue")
        if broken:
            self.pasted(session.id, subject, body, now)
        else:
            self.message(session.id, subject, body.replace("\\!", "!").replace("\\$", "$"), now)
        if self.random.random() < 0.3:
            others = [
                s for s in self.sessions if s.state in ("idle", "working") and s is not session
            ]
            if others:
                to = self.random.choice(others).id
                self.message(
                    session.id, "Can you help?", f"Could you look at {body[:40]}?", now, to
                )

    def message(
        self, sender: str, subject: str, body: str, now: datetime, to: str = "broadcast"
    ) -> None:
        folder = ("broadcast",) if to == "broadcast" else ("direct", to)
        stem = f"{now:%Y-%m-%d_%H-%M-%S}-{sender}"
        self.create(
            self.root.joinpath("messages", *folder),
            stem,
            message_text(sender, to, subject, body, now),
        )

    def pasted(self, sender: str, subject: str, body: str, now: datetime) -> None:
        """A message as the real send script writes it: text pasted between quotes, unescaped."""
        stem = f"{now:%Y-%m-%d_%H-%M-%S}-{sender}"
        text = pasted_message_text(sender, subject, body, now)
        self.create(self.root / "messages" / "broadcast", stem, text)
