"""Keeping the demo at a steady size: what the collective's cleanup scripts would remove.

Left alone the simulation only grows (20 sessions became 40 session files and
107 milestones in nine minutes): crashed sessions linger for hours, every
completed milestone and every message stays. Each tick, ``retire`` removes the
oldest beyond a bound: dead sessions (and their heartbeat files), completed
milestones, the simulation's own messages and expired claims. Files a user
wrote (a broadcast from the dashboard, a report) are never touched.
"""

from __future__ import annotations

from coordinator_tui.demo.world import World

KEEP_COMPLETED = 4
"""Completed milestones kept (the oldest are archived away)."""
KEEP_MESSAGES = 60
"""Messages the simulation wrote that are kept (broadcasts and direct)."""
KEEP_CLAIMS = 12
"""Claim files kept; beyond it the ones that expired first go."""
DEAD = ("crashed", "ended")


def keep_dead(size: int) -> int:
    """Crashed or ended sessions whose files stay: enough to show stale and gone rows."""
    return max(2, size // 4)


def retire(world: World) -> None:
    """Remove the oldest of each kind of file beyond its bound (see the module's doc)."""
    _sessions(world)
    _milestones(world)
    _messages(world)
    _claims(world)


def _sessions(world: World) -> None:
    dead = [s for s in world.sessions if s.state in DEAD]
    dead.sort(key=lambda s: s.last_beat.timestamp() if s.last_beat else 0.0)
    for session in dead[: max(0, len(dead) - keep_dead(world.size))]:
        session.state = "vanished"
        world.remove(world.root / "sessions" / f"{session.id}.json")
    for session in world.sessions:
        if session.state == "vanished":
            while session.beat_files:
                world.remove(world.root / "heartbeats" / session.beat_files.pop())
    world.sessions[:] = [s for s in world.sessions if s.state != "vanished"]


def _milestones(world: World) -> None:
    busy = {s.priority for s in world.sessions if s.state == "working"}
    completed = [
        name
        for name, milestone in world.milestones.items()
        if milestone["status"] == "completed" and name not in busy
    ]
    for name in completed[: max(0, len(completed) - KEEP_COMPLETED)]:
        milestone = world.milestones.pop(name)
        world.remove(world.root / "sessions" / "MILESTONES" / f"{milestone['milestone_id']}.json")


def _messages(world: World) -> None:
    while len(world.message_files) > KEEP_MESSAGES:
        world.remove(world.message_files.popleft())


def _claims(world: World) -> None:
    by_expiry = sorted(world.claims.items(), key=lambda item: item[1])
    for path, _ in by_expiry[: max(0, len(by_expiry) - KEEP_CLAIMS)]:
        del world.claims[path]
        world.remove(path)
