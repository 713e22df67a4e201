"""A simulated collective for the demo, writing the same files real collectives write.

Tick-based with an injected clock and a seeded ``random.Random``, so a test
can call ``tick()`` by hand and get the same files every time. ``start()``
runs ticks in a background thread (one every ``1 / speed`` seconds) for the
live demo. The modules of the demo:

* ``simulate`` (this one): the initial collective and the tick loop — arrivals,
  the priority calculator finding more work, the claim cleanup, chatter;
* ``behaviour``: what one session does (start, beat, pick work, advance its
  milestone, go idle, crash, end, vanish);
* ``world``: the shared state (sessions, queue, milestones, claims) and the
  writes that change it; a write that fails becomes a ``Problem``, kept as data
  (``take_problems()``) for the demo to show, never raised;
* ``simfiles``: the files byte for byte, as the real scripts write them (some
  messages broken JSON: raw newlines, ``\\!``, unescaped quotes);
* ``approvals``: permission requests the sessions make and act on, in a state folder
  of the demo's own (only when the demo gives one).

The initial state already holds one of everything (a duplicate pair, similar
work, idle sessions, a stale and a gone ghost, an expired claim, broken
messages, JSON and Markdown milestones) so every dashboard panel has
something to show at once; and one of everything the coordinator acts on
(issue 13): a duplicate whose first side holds the claim (the other is told to
yield), a milestone blocked for three hours and a session waiting for a human
(both escalate), milestones under way since a while (ETAs).
"""

from __future__ import annotations

import random
import threading
from datetime import datetime, timedelta
from pathlib import Path

from coordinator_tui.clock import Clock, system_clock
from coordinator_tui.demo import behaviour
from coordinator_tui.demo.approvals import DemoApprovals
from coordinator_tui.demo.retire import retire
from coordinator_tui.demo.simfiles import (
    MARKDOWN_MILESTONE,
    blocked_milestone_text,
    completed_milestone_text,
    utc_words,
)
from coordinator_tui.demo.world import PLACEHOLDER, POOL, Problem, SimSession, World

__all__ = ["PLACEHOLDER", "Problem", "SimSession", "Simulation"]


class Simulation:
    """Drives a fake collective in ``root``; ``tick()`` is one step of simulated life."""

    def __init__(
        self,
        root: Path,
        sessions: int = 12,
        seed: int | None = None,
        speed: float = 1.0,
        clock: Clock = system_clock,
        id_base: int | None = None,
        approvals_state: str | None = None,
        approval_wait_s: float = 45.0,
    ) -> None:
        self.root = Path(root)
        self.id_base = id_base
        """Sessions are ``session-<id_base + n>`` (default: the start time, as real ids are)."""
        self.speed = max(speed, 0.01)
        self.clock = clock
        self.world = World(self.root, max(1, sessions), random.Random(seed), clock)
        self.approvals = _approvals(self.world, approvals_state, approval_wait_s)
        """Permission requests in a demo-private state folder (``demo.approvals``), or None."""
        self.ticks = 0
        self._serial = 0
        self._ready = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def sessions(self) -> list[SimSession]:
        return self.world.sessions

    @property
    def problems(self) -> list[Problem]:
        """The latest writes that failed (at most ``world.KEEP_PROBLEMS``), oldest first."""
        return list(self.world.problems)

    def take_problems(self) -> list[Problem]:
        """The failed writes not taken before: the demo logs or shows them (thread-safe)."""
        return self.world.take_problems()

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
        if self.approvals is not None:
            self.approvals.close()

    def _loop(self) -> None:
        while not self._stop.wait(1.0 / self.speed):
            self.tick()

    # --- setup ----------------------------------------------------------------------------------

    def setup(self) -> None:
        """Write the initial collective: one of everything the dashboard can show.

        Raises ``OSError`` only when the folders cannot be made (no demo at all);
        a single file that cannot be written is a problem like any other."""
        world, now = self.world, self.clock()
        for folder in ("sessions/MILESTONES", "messages/broadcast", "claims", "heartbeats"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        for _ in range(min(len(POOL), world.size // 2 + 4)):
            world.add_priority()
        world.write_priorities()
        base = int(now.timestamp()) if self.id_base is None else self.id_base
        for index in range(world.size):
            world.sessions.append(
                SimSession(
                    id=f"session-{base + index}",
                    capabilities=world.capabilities(),
                    next_beat=world.random.randint(2, 6),
                )
            )
        live = world.sessions[: max(1, (2 * world.size) // 3)]
        self._start_working(live, now)
        for session in live:  # spend so far: a few hours of responses each
            if session.work:
                world.spend(session, now, hours=world.spender.random.uniform(0.5, 4.0))
                world.write_session(session)
        for name, milestone in world.milestones.items():  # work already under way
            steps = milestone["steps"]
            for step in steps[: world.random.randint(1, len(steps) - 1)]:
                step.update(status="completed", completed_by=milestone["owner"])
            done = sum(1 for step in steps if step["status"] == "completed")
            milestone["progress"] = round(100 * done / len(steps))
            # Begun a while ago, so the forecasts have a rate to extrapolate (an ETA).
            milestone["created_at"] = utc_words(now - timedelta(minutes=30 * done))
            world.write_milestone(name, now)
        self._ghosts(now, base + world.size)
        self._history(live, now, f"session-{base + world.size + 1}")
        self._ready = True

    def _start_working(self, live: list[SimSession], now: datetime) -> None:
        """The live sessions, started up to 90 minutes ago; all but the first (and those
        beyond the queue) at work, the third on the second's very work (the second
        holds the claim, so the third is told to yield), the fourth on a variant of it."""
        world = self.world
        for position, session in enumerate(live):
            behaviour.begin(
                world, session, now - timedelta(minutes=world.random.randint(5, 90)), now
            )
            if position == 0 or position >= len(world.priorities) + 2:
                continue  # the first stays idle; beyond the queue, idle too
            if position == 1:
                item = world.available()
                if item is not None:
                    behaviour.take(world, session, item, world.variant(item), now, claim=True)
            elif position == 2 and live[1].work:
                priority, work = live[1].priority or "", live[1].work
                behaviour.take(world, session, priority, work, now, claim=False)
            elif position == 3 and live[1].priority:
                variant = world.variant(live[1].priority)
                while variant == live[1].work:  # similar, never equal: an overlap
                    variant = world.variant(live[1].priority)
                behaviour.take(world, session, live[1].priority, variant, now)
            else:
                item = world.available()
                if item is not None:
                    behaviour.take(world, session, item, world.variant(item), now)

    def _ghosts(self, now: datetime, number: int) -> None:
        """A stale ghost (crashed 15 minutes ago) and a gone one (3 hours), both saying
        active; and a session waiting for a human for 12 minutes (it escalates)."""
        world = self.world
        waiting = SimSession(id=f"session-{number + 2}", capabilities=world.capabilities())
        waiting.state, waiting.work = "waiting", "credential_vault rotation"
        waiting.started = now - timedelta(hours=1)
        waiting.last_beat = now - timedelta(minutes=1)
        waiting.waiting_since = now - timedelta(minutes=12)
        waiting.beats = world.random.randint(5, 60)
        world.sessions.append(waiting)
        world.write_session(waiting)
        for offset, age in ((0, timedelta(minutes=15)), (1, timedelta(hours=3))):
            ghost = SimSession(id=f"session-{number + offset}", capabilities=world.capabilities())
            ghost.state = "crashed"
            ghost.started = now - age - timedelta(hours=1)
            ghost.last_beat = now - age
            ghost.beats = world.random.randint(5, 60)
            ghost.work = "spec_generation draft" if offset == 0 else PLACEHOLDER
            world.sessions.append(ghost)
            world.write_session(ghost)

    def _history(self, live: list[SimSession], now: datetime, ghost: str) -> None:
        """What happened before the demo began: the gone ghost's expired claim and completed
        milestone, broken chatter, a direct message, the old Markdown milestone."""
        world = self.world
        world.claim("service", "legacy-cleanup", ghost, now - timedelta(hours=3), 1.0)
        finished = completed_milestone_text(ghost, now - timedelta(hours=4))
        world.write(self.root / "sessions" / "MILESTONES" / "registry-live.json", finished)
        busy = [s for s in live if s.work]
        for session in busy[:2]:
            world.chatter(session, now, broken=True)
        if busy and busy[0] is not live[0]:
            world.message(
                busy[0].id, "Pick up a priority?", "The queue has free work.", now, live[0].id
            )
        world.write(self.root / "sessions" / "MILESTONES" / "SPRINT_1.md", MARKDOWN_MILESTONE)
        world.write(
            self.root / "sessions" / "MILESTONES" / "payments-gateway.json",
            blocked_milestone_text(now - timedelta(hours=3)),
        )

    # --- one tick -------------------------------------------------------------------------------

    def tick(self) -> None:
        """One step: heartbeats due, work picked or advanced, arrivals, crashes, chatter."""
        if not self._ready:
            self.setup()
        self.ticks += 1
        now = self.clock()
        world = self.world
        for session in list(world.sessions):
            if session.state == "new" and world.random.random() < 0.25:
                behaviour.begin(world, session, now)
            elif session.state == "starting":
                session.state, session.work = "idle", PLACEHOLDER
                behaviour.heartbeat(world, session, now)
                world.message(session.id, "New session started", f"{session.id} is online", now)
            elif session.state in ("idle", "working"):
                behaviour.live_tick(world, session, now)
            elif session.state == "waiting":
                if self.approvals is None or session.id not in self.approvals.asking:
                    behaviour.waiting_tick(world, session, now)
            elif session.state in ("crashed", "ended"):
                behaviour.maybe_vanish(world, session, now)
        if self.approvals is not None:
            self.approvals.tick(now)
        self._arrivals(now)
        retire(world)
        if world.random.random() < 0.06:
            talkers = [s for s in world.sessions if s.state == "working"]
            if talkers:
                world.chatter(world.random.choice(talkers), now, world.random.random() < 0.4)

    def _arrivals(self, now: datetime) -> None:
        """New sessions while the collective is below its size; the priority calculator
        finding more work when none is free; the cleanup script removing old claims."""
        world = self.world
        live = [s for s in world.sessions if s.state in ("idle", "working", "starting", "new")]
        if len(live) < world.size and world.random.random() < 0.1:
            self._serial += 1
            stamp = int(now.timestamp()) + 10_000 + self._serial
            world.sessions.append(
                SimSession(id=f"session-{stamp}", capabilities=world.capabilities())
            )
        if (
            world.random.random() < 0.05
            and len(world.priorities) < len(POOL)
            and not world.available()
        ):
            world.add_priority()
            world.write_priorities()
        for path, expires in list(world.claims.items()):
            if (now - expires).total_seconds() > 300 and world.random.random() < 0.05:
                del world.claims[path]
                world.remove(path)


def _approvals(world: World, state: str | None, wait_s: float) -> DemoApprovals | None:
    """The simulated permission requests, with a generator of their own seeded from the
    simulation's without drawing from it."""
    if state is None:
        return None
    rng = random.Random(repr(world.random.getstate()[1][16:24]))
    return DemoApprovals(world, state, rng, wait_s)
