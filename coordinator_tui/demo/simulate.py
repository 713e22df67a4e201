"""A simulated collective for the demo, writing the same files real collectives write.

Tick-based with an injected clock and a seeded ``random.Random``, so a test
can call ``tick()`` by hand and get the same files every time. ``start()``
runs ticks in a background thread (one every ``1 / speed`` seconds) for the
live demo. What it does, modelled on the real scripts (see FORMATS.md):

* sessions start (file written with ``current_work: null``, then the start
  script's ``"session initialization"`` placeholder and a hello broadcast),
  heartbeat (the session file rewritten in place, not atomically, plus a
  heartbeat event file), pick work from ``priorities.txt``, sometimes the same
  work as another session or similar work, advance their milestone step by
  step until it completes, go idle, crash (go stale), end, and vanish;
* messages, some written as broken JSON the way the send script pastes text
  (raw newlines, ``\\!``, unescaped quotes); claims taken and left to expire;
* the priority queue rewritten as work completes.

The initial state already holds one of everything (a duplicate pair, similar
work, idle sessions, a stale and a gone ghost, an expired claim, broken
messages, JSON and Markdown milestones) so every dashboard panel has
something to show at once.
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from coordinator_tui.clock import Clock, system_clock
from coordinator_tui.demo.simfiles import (
    MARKDOWN_MILESTONE,
    claim_text,
    completed_milestone_text,
    create_exclusive,
    heartbeat_event_text,
    iso,
    message_text,
    new_milestone,
    pasted_message_text,
    remove,
    session_text,
    utc_words,
    write_in_place,
)

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
KEEP_BEATS = 4
"""Heartbeat event files kept per session (the real script deletes old ones)."""


@dataclass
class SimSession:
    id: str
    state: str = "new"
    """new → starting → idle → working → idle …; crashed; ended; vanished."""
    work: str | None = None
    priority: str | None = None
    started: datetime | None = None
    last_beat: datetime | None = None
    beats: int = 0
    next_beat: int = 0
    idle_ticks: int = 0
    capabilities: list[str] = field(default_factory=list)
    beat_files: list[str] = field(default_factory=list)


class Simulation:
    """Drives a fake collective in ``root``; ``tick()`` is one step of simulated life."""

    def __init__(
        self,
        root: Path,
        sessions: int = 12,
        seed: int | None = None,
        speed: float = 1.0,
        clock: Clock = system_clock,
    ) -> None:
        self.root = Path(root)
        self.size = max(1, sessions)
        self.random = random.Random(seed)
        self.speed = max(speed, 0.01)
        self.clock = clock
        self.ticks = 0
        self.sessions: list[SimSession] = []
        self.priorities: list[tuple[int, str, str]] = []
        self.milestones: dict[str, dict[str, Any]] = {}
        self.claims: dict[Path, datetime] = {}
        """Claim files written and when they expire (expired ones are cleaned up later)."""
        self.errors: list[str] = []
        """Write failures (the demo directory deleted under us, a full disk): kept, not raised."""
        self._pool_next = 0
        self._serial = 0
        self._ready = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- running ------------------------------------------------------------------------------

    def start(self) -> None:
        """Set up (once) and tick in a daemon thread until ``stop()``."""
        if not self._ready:
            self.setup()
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="simulation", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.wait(1.0 / self.speed):
            self.tick()

    # --- setup ----------------------------------------------------------------------------------

    def setup(self) -> None:
        """Write the initial collective: one of everything the dashboard can show."""
        now = self.clock()
        for folder in ("sessions/MILESTONES", "messages/broadcast", "claims", "heartbeats"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        for _ in range(min(len(POOL), self.size // 2 + 4)):
            self._add_priority()
        self._write_priorities()
        base = int(now.timestamp())
        for index in range(self.size):
            self.sessions.append(
                SimSession(
                    id=f"session-{base + index}",
                    capabilities=self._capabilities(),
                    next_beat=self.random.randint(2, 6),
                )
            )
        live = self.sessions[: max(1, (2 * self.size) // 3)]
        for position, session in enumerate(live):
            self._begin(session, now - timedelta(minutes=self.random.randint(5, 90)), now)
            if position == 0 or position >= len(self.priorities) + 2:
                continue  # the first stays idle; beyond the queue, idle too
            if position == 2 and live[1].work:
                self._take(session, live[1].priority or "", live[1].work, now)  # a duplicate
            elif position == 3 and live[1].priority:
                self._take(session, live[1].priority, self._variant(live[1].priority), now)
            else:
                item = self._available()
                if item is not None:
                    self._take(session, item, self._variant(item), now)
        for name, milestone in self.milestones.items():  # work already under way
            steps = milestone["steps"]
            for step in steps[: self.random.randint(0, len(steps) - 1)]:
                step.update(status="completed", completed_by=milestone["owner"])
            done = sum(1 for step in steps if step["status"] == "completed")
            milestone["progress"] = round(100 * done / len(steps))
            self._write_milestone(name, now)
        self._ghosts(now, base + self.size)
        ghost = f"session-{base + self.size + 1}"
        self._claim("service", "legacy-cleanup", ghost, now - timedelta(hours=3), 1.0)
        finished = completed_milestone_text(ghost, now - timedelta(hours=4))
        self._write(self.root / "sessions" / "MILESTONES" / "registry-live.json", finished)
        busy = [s for s in live if s.work]
        for session in busy[:2]:
            self._chatter(session, now, broken=True)
        if busy and busy[0] is not live[0]:
            self._message(
                busy[0].id, "Pick up a priority?", "The queue has free work.", now, live[0].id
            )
        self._write(self.root / "sessions" / "MILESTONES" / "SPRINT_1.md", MARKDOWN_MILESTONE)
        self._ready = True

    def _ghosts(self, now: datetime, number: int) -> None:
        """A stale ghost (crashed 15 minutes ago) and a gone one (3 hours); both say active."""
        for offset, age, state in (
            (0, timedelta(minutes=15), "crashed"),
            (1, timedelta(hours=3), "crashed"),
        ):
            ghost = SimSession(id=f"session-{number + offset}", capabilities=self._capabilities())
            ghost.state = state
            ghost.started = now - age - timedelta(hours=1)
            ghost.last_beat = now - age
            ghost.beats = self.random.randint(5, 60)
            ghost.work = "spec_generation draft" if offset == 0 else PLACEHOLDER
            self.sessions.append(ghost)
            self._write_session(ghost)

    # --- one tick -------------------------------------------------------------------------------

    def tick(self) -> None:
        """One step: heartbeats due, work picked or advanced, arrivals, crashes, chatter."""
        if not self._ready:
            self.setup()
        self.ticks += 1
        now = self.clock()
        try:
            self._step(now)
        except OSError as error:
            self.errors.append(f"tick {self.ticks}: {error}")

    def _step(self, now: datetime) -> None:
        for session in list(self.sessions):
            if session.state == "new" and self.random.random() < 0.25:
                self._begin(session, now)
            elif session.state == "starting":
                session.state, session.work = "idle", PLACEHOLDER
                self._heartbeat(session, now)
                self._message(session.id, "New session started", f"{session.id} is online", now)
            elif session.state in ("idle", "working"):
                self._live_tick(session, now)
            elif session.state in ("crashed", "ended"):
                self._maybe_vanish(session, now)
        live = [s for s in self.sessions if s.state in ("idle", "working", "starting", "new")]
        if len(live) < self.size and self.random.random() < 0.1:
            self._serial += 1
            stamp = int(now.timestamp()) + 10_000 + self._serial
            self.sessions.append(
                SimSession(id=f"session-{stamp}", capabilities=self._capabilities())
            )
        if (
            self.random.random() < 0.05
            and len(self.priorities) < len(POOL)
            and not self._available()
        ):
            self._add_priority()  # the priority calculator finds more work
            self._write_priorities()
        for path, expires in list(self.claims.items()):
            if (now - expires).total_seconds() > 300 and self.random.random() < 0.05:
                del self.claims[path]
                self._remove(path)  # the cleanup script removes long-expired claims
        if self.random.random() < 0.06:
            talkers = [s for s in self.sessions if s.state == "working"]
            if talkers:
                self._chatter(self.random.choice(talkers), now, broken=self.random.random() < 0.4)

    def _live_tick(self, session: SimSession, now: datetime) -> None:
        session.next_beat -= 1
        if session.state == "idle":
            session.idle_ticks += 1
            if session.idle_ticks >= 3 and self.random.random() < 0.3:
                self._pick(session, now)
        if session.next_beat > 0:
            return
        session.next_beat = self.random.randint(3, 8)
        roll = self.random.random()
        if roll < 0.004:
            session.state = "crashed"  # stops heart-beating: stale, later gone
            return
        if roll < 0.02 and session.state == "idle":
            session.state = "ended"
            self._write_session(session, status="ended")
            return
        if session.state == "working" and session.priority and self.random.random() < 0.15:
            self._advance(session, now)
        elif session.state == "working" and self.random.random() < 0.08:
            # Its part is done (or it gives up): back to the placeholder until it picks
            # again, which keeps idle sessions, suggestions and new collisions coming.
            session.state, session.work, session.priority = "idle", PLACEHOLDER, None
            session.idle_ticks = 0
        self._heartbeat(session, now)

    def _maybe_vanish(self, session: SimSession, now: datetime) -> None:
        """The cleanup script deletes long-dead sessions; the ended ones go sooner."""
        age = (now - session.last_beat).total_seconds() if session.last_beat else 0.0
        limit = 60.0 if session.state == "ended" else 2.5 * 3600
        if age > limit and self.random.random() < 0.02:
            session.state = "vanished"
            self._remove(self.root / "sessions" / f"{session.id}.json")

    # --- sessions -------------------------------------------------------------------------------

    def _begin(self, session: SimSession, when: datetime, beat: datetime | None = None) -> None:
        session.state = "starting"
        session.started = when
        session.last_beat = beat or when
        session.work = None
        self._write_session(session)

    def _pick(self, session: SimSession, now: datetime) -> None:
        working = [s for s in self.sessions if s.state == "working" and s.priority]
        roll = self.random.random()
        if working and roll < 0.12:
            other = self.random.choice(working)
            self._take(session, other.priority or "", other.work or "", now)  # same work
            return
        if working and roll < 0.25:
            other = self.random.choice(working)
            self._take(session, other.priority or "", self._variant(other.priority or ""), now)
            return
        item = self._available()
        if item is not None:
            self._take(session, item, self._variant(item), now)

    def _take(self, session: SimSession, priority: str, work: str, now: datetime) -> None:
        session.state, session.priority, session.work, session.idle_ticks = (
            "working",
            priority,
            work,
            0,
        )
        milestone = self._milestone(priority, now)
        if milestone["status"] == "pending":
            milestone["status"], milestone["owner"] = "in_progress", session.id
            self._write_milestone(priority, now)
        claimed = any(
            path.name.endswith(f"-{priority.replace('_', '-')}.claim") for path in self.claims
        )
        if not claimed and self.random.random() < 0.5:
            kind = self.random.choice(("service", "droplet", "script"))
            self._claim(
                kind,
                priority.replace("_", "-"),
                session.id,
                now,
                self.random.choice((0.05, 0.1, 1.0)),
            )
        self._heartbeat(session, now)

    def _finish(self, session: SimSession, now: datetime) -> None:
        name = session.priority or ""
        self._message(session.id, f"Milestone complete: {name}", f"{name} is done. Next!", now)
        for other in self.sessions:
            if other.priority == name and other.state == "working":
                other.state, other.work, other.priority = "idle", PLACEHOLDER, None
        self.priorities = [item for item in self.priorities if item[1] != name]
        self._add_priority()
        self._write_priorities()
        for claim in (self.root / "claims").glob(f"*-{name.replace('_', '-')}.claim"):
            if self.random.random() < 0.7:
                self.claims.pop(claim, None)
                self._remove(claim)

    def _heartbeat(self, session: SimSession, now: datetime) -> None:
        session.last_beat = now
        session.beats += 1
        self._write_session(session)
        stamp = f"{now:%Y-%m-%d_%H-%M-%S}-{session.id}.json"
        target = session.work if session.work and session.work != PLACEHOLDER else "unknown"
        action = "working" if session.state == "working" else "waiting"
        text = heartbeat_event_text(session.id, now, action, target, self.random.randint(0, 100))
        self._write(self.root / "heartbeats" / stamp, text)
        session.beat_files.append(stamp)
        while len(session.beat_files) > KEEP_BEATS:
            self._remove(self.root / "heartbeats" / session.beat_files.pop(0))

    def _write_session(self, session: SimSession, status: str = "active") -> None:
        text = session_text(
            session.id,
            session.started,
            status,
            session.work,
            session.capabilities,
            session.last_beat,
            session.beats,
        )
        self._write(self.root / "sessions" / f"{session.id}.json", text)

    # --- priorities, milestones, claims, messages -------------------------------------------------

    def _add_priority(self) -> None:
        name, description = POOL[self._pool_next % len(POOL)]
        if self._pool_next >= len(POOL):
            round_number = self._pool_next // len(POOL) + 1
            name, description = f"{name}_v{round_number}", f"{description} (round {round_number})"
        self._pool_next += 1
        self.priorities.append((self.random.randint(40, 95), name, description))

    def _write_priorities(self) -> None:
        lines = ["# priority queue: score:name:description, best first"]
        ordered = sorted(self.priorities, key=lambda item: -item[0])
        lines += [f"{score}:{name}:{description}" for score, name, description in ordered]
        self._write(self.root / "priorities.txt", "\n".join(lines) + "\n")

    def _available(self) -> str | None:
        taken = {s.priority for s in self.sessions if s.state == "working"}
        free = [
            item for item in sorted(self.priorities, key=lambda i: -i[0]) if item[1] not in taken
        ]
        return free[0][1] if free else None

    def _variant(self, priority: str) -> str:
        return f"{priority.replace('_', '-')}-{self.random.choice(SUFFIXES)}"

    def _milestone(self, priority: str, now: datetime) -> dict[str, Any]:
        if priority not in self.milestones:
            description = next((d for _, n, d in self.priorities if n == priority), priority)
            steps = self.random.randint(4, 8)
            level = self.random.choice(("HIGH", "MEDIUM", "LOW"))
            self.milestones[priority] = new_milestone(priority, description, level, steps, now)
        return self.milestones[priority]

    def _advance(self, session: SimSession, now: datetime) -> None:
        priority = session.priority or ""
        milestone = self._milestone(priority, now)
        pending = [step for step in milestone["steps"] if step["status"] != "completed"]
        if pending:
            step = pending[0]
            step.update(status="completed", completed_by=session.id, completed_at=iso(now))
        done = sum(1 for step in milestone["steps"] if step["status"] == "completed")
        milestone["progress"] = round(100 * done / len(milestone["steps"]))
        if done == len(milestone["steps"]):
            milestone["status"] = "completed"
        self._write_milestone(priority, now)
        if milestone["status"] == "completed":
            self._finish(session, now)

    def _write_milestone(self, priority: str, now: datetime) -> None:
        milestone = self.milestones[priority]
        milestone["updated_at"] = utc_words(now)
        path = self.root / "sessions" / "MILESTONES" / f"{milestone['milestone_id']}.json"
        self._write(path, json.dumps(milestone, indent=2, ensure_ascii=False))

    def _claim(self, kind: str, name: str, holder: str, when: datetime, hours: float) -> None:
        path = self.root / "claims" / f"{kind}-{name}.claim"
        self._write(path, claim_text(kind, name, holder, when, hours))
        self.claims[path] = when + timedelta(hours=hours)

    def _chatter(self, session: SimSession, now: datetime, broken: bool) -> None:
        subject, template = self.random.choice(CHATTER)
        body = template.format(work=session.work or "the queue")
        if broken:
            self._pasted(session.id, subject, body, now)
        else:
            self._message(session.id, subject, body.replace("\\!", "!").replace("\\$", "$"), now)
        if self.random.random() < 0.3:
            others = [
                s for s in self.sessions if s.state in ("idle", "working") and s is not session
            ]
            if others:
                to = self.random.choice(others).id
                self._message(
                    session.id, "Can you help?", f"Could you look at {body[:40]}?", now, to
                )

    def _message(
        self, sender: str, subject: str, body: str, now: datetime, to: str = "broadcast"
    ) -> None:
        folder = ("broadcast",) if to == "broadcast" else ("direct", to)
        stem = f"{now:%Y-%m-%d_%H-%M-%S}-{sender}"
        text = message_text(sender, to, subject, body, now)
        create_exclusive(self.root.joinpath("messages", *folder), stem, text)

    def _pasted(self, sender: str, subject: str, body: str, now: datetime) -> None:
        """A message as the real send script writes it: text pasted between quotes, unescaped."""
        stem = f"{now:%Y-%m-%d_%H-%M-%S}-{sender}"
        create_exclusive(
            self.root / "messages" / "broadcast",
            stem,
            pasted_message_text(sender, subject, body, now),
        )

    # --- files ------------------------------------------------------------------------------------

    def _capabilities(self) -> list[str]:
        extra = self.random.sample(["build", "debug", "deploy", "docs", "ops", "tests"], 2)
        return ["general-purpose", *extra]

    def _write(self, path: Path, text: str) -> None:
        write_in_place(path, text)

    def _remove(self, path: Path) -> None:
        remove(path)
