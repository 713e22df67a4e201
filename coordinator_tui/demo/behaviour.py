"""What one simulated session does, modelled on the real scripts (see FORMATS.md).

A session starts (its file written with ``current_work: null``, then the start
script's placeholder), heart-beats (its file rewritten in place plus a
heartbeat event file), picks work from the queue — sometimes the same work
as another session, or similar work — advances its milestone step by step,
finishes or gives up and goes idle again, crashes (stops beating: stale, then
gone), ends, and is finally deleted by the cleanup script. Every function
takes the shared ``World`` and the moment of the step.
"""

from __future__ import annotations

from datetime import datetime

from coordinator_tui.demo.simfiles import heartbeat_event_text, iso
from coordinator_tui.demo.world import PLACEHOLDER, SimSession, World

KEEP_BEATS = 4
"""Heartbeat event files kept per session (the real script deletes old ones)."""


def begin(world: World, session: SimSession, when: datetime, beat: datetime | None = None) -> None:
    session.state = "starting"
    session.started = when
    session.last_beat = beat or when
    session.work = None
    world.write_session(session)


def live_tick(world: World, session: SimSession, now: datetime) -> None:
    """One step of a live (idle or working) session: maybe pick work; when its beat is
    due, maybe crash, end, advance or give up its work, then beat."""
    session.next_beat -= 1
    if session.state == "idle":
        session.idle_ticks += 1
        if session.idle_ticks >= 3 and world.random.random() < 0.3:
            pick(world, session, now)
    if session.next_beat > 0:
        return
    session.next_beat = world.random.randint(3, 8)
    roll = world.random.random()
    if roll < 0.004:
        session.state = "crashed"  # stops heart-beating: stale, later gone
        return
    if roll < 0.02 and session.state == "idle":
        session.state = "ended"
        world.write_session(session, status="ended")
        return
    if session.state == "working" and session.priority and world.random.random() < 0.15:
        advance(world, session, now)
    elif session.state == "working" and world.random.random() < 0.08:
        # Its part is done (or it gives up): back to the placeholder until it picks
        # again, which keeps idle sessions, suggestions and new collisions coming.
        session.state, session.work, session.priority = "idle", PLACEHOLDER, None
        session.idle_ticks = 0
    heartbeat(world, session, now)


def waiting_tick(world: World, session: SimSession, now: datetime) -> None:
    """Waiting for a human (a permission prompt): no heartbeat; now and then the human
    answers and it is back to work (its escalation then resolves)."""
    session.idle_ticks += 1
    if session.idle_ticks > 40 and world.random.random() < 0.02:
        session.state, session.idle_ticks = "working" if session.work else "idle", 0
        heartbeat(world, session, now)


def maybe_vanish(world: World, session: SimSession, now: datetime) -> None:
    """The cleanup script deletes long-dead sessions; the ended ones go sooner."""
    age = (now - session.last_beat).total_seconds() if session.last_beat else 0.0
    limit = 60.0 if session.state == "ended" else 2.5 * 3600
    if age > limit and world.random.random() < 0.02:
        session.state = "vanished"
        world.remove(world.root / "sessions" / f"{session.id}.json")


def pick(world: World, session: SimSession, now: datetime) -> None:
    """Choose work: now and then the very work another session does, or a variant of it."""
    working = [s for s in world.sessions if s.state == "working" and s.priority]
    roll = world.random.random()
    if working and roll < 0.12:
        other = world.random.choice(working)
        take(world, session, other.priority or "", other.work or "", now)  # same work
        return
    if working and roll < 0.25:
        other = world.random.choice(working)
        take(world, session, other.priority or "", world.variant(other.priority or ""), now)
        return
    item = world.available()
    if item is not None:
        take(world, session, item, world.variant(item), now)


def take(
    world: World,
    session: SimSession,
    priority: str,
    work: str,
    now: datetime,
    claim: bool | None = None,
) -> None:
    """Start on ``work`` for ``priority``: own its milestone if free, maybe claim it
    (``claim`` True/False decides instead of chance: the demo's opening duplicate)."""
    session.state, session.priority, session.work, session.idle_ticks = (
        "working",
        priority,
        work,
        0,
    )
    milestone = world.milestone(priority, now)
    if milestone["status"] == "pending":
        milestone["status"], milestone["owner"] = "in_progress", session.id
        world.write_milestone(priority, now)
    claimed = any(
        path.name.endswith(f"-{priority.replace('_', '-')}.claim") for path in world.claims
    )
    if not claimed and (claim if claim is not None else world.random.random() < 0.5):
        kind = world.random.choice(("service", "droplet", "script"))
        hours = 1.0 if claim else world.random.choice((0.05, 0.1, 1.0))
        world.claim(kind, priority.replace("_", "-"), session.id, now, hours)
    heartbeat(world, session, now)


def advance(world: World, session: SimSession, now: datetime) -> None:
    """Complete the next step of the session's milestone; the last one finishes it."""
    priority = session.priority or ""
    milestone = world.milestone(priority, now)
    pending = [step for step in milestone["steps"] if step["status"] != "completed"]
    if pending:
        step = pending[0]
        step.update(status="completed", completed_by=session.id, completed_at=iso(now))
    done = sum(1 for step in milestone["steps"] if step["status"] == "completed")
    milestone["progress"] = round(100 * done / len(milestone["steps"]))
    if done == len(milestone["steps"]):
        milestone["status"] = "completed"
    world.write_milestone(priority, now)
    if milestone["status"] == "completed":
        finish(world, session, now)


def finish(world: World, session: SimSession, now: datetime) -> None:
    """A milestone completed: announce it, free everyone on it, refill the queue, and
    release (most of) its claims."""
    name = session.priority or ""
    world.message(session.id, f"Milestone complete: {name}", f"{name} is done. Next!", now)
    for other in world.sessions:
        if other.priority == name and other.state == "working":
            other.state, other.work, other.priority = "idle", PLACEHOLDER, None
    world.priorities = [item for item in world.priorities if item[1] != name]
    world.add_priority()
    world.write_priorities()
    for claim in (world.root / "claims").glob(f"*-{name.replace('_', '-')}.claim"):
        if world.random.random() < 0.7:
            world.claims.pop(claim, None)
            world.remove(claim)


def heartbeat(world: World, session: SimSession, now: datetime) -> None:
    """The session file rewritten with the new beat, plus a heartbeat event file (the
    oldest beyond ``KEEP_BEATS`` deleted)."""
    session.last_beat = now
    session.beats += 1
    if session.state == "working":
        world.spend(session, now)
    world.write_session(session)
    stamp = f"{now:%Y-%m-%d_%H-%M-%S}-{session.id}.json"
    target = session.work if session.work and session.work != PLACEHOLDER else "unknown"
    action = "working" if session.state == "working" else "waiting"
    text = heartbeat_event_text(session.id, now, action, target, world.random.randint(0, 100))
    world.write(world.root / "heartbeats" / stamp, text)
    session.beat_files.append(stamp)
    while len(session.beat_files) > KEEP_BEATS:
        world.remove(world.root / "heartbeats" / session.beat_files.pop(0))
