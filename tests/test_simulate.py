"""The demo's simulated collective: deterministic, and it shows everything at once."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

from coordinator_tui.analysis import Analysis, analyse
from coordinator_tui.analysis.acting.act import act
from coordinator_tui.demo.behaviour import KEEP_BEATS
from coordinator_tui.demo.retire import KEEP_CLAIMS, KEEP_COMPLETED, KEEP_MESSAGES, keep_dead
from coordinator_tui.demo.simulate import PLACEHOLDER, Simulation
from coordinator_tui.demo.world import POOL
from coordinator_tui.store import Store
from tests.collective import NOW


class SteppingClock:
    """A clock the test moves: one second a tick."""

    def __init__(self, start: datetime = NOW) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float = 1.0) -> None:
        self.now += timedelta(seconds=seconds)


def run(
    root: Path, ticks: int, seed: int = 7, sessions: int = 12
) -> tuple[Simulation, SteppingClock]:
    clock = SteppingClock()
    simulation = Simulation(root, sessions=sessions, seed=seed, clock=clock)
    simulation.setup()
    for _ in range(ticks):
        clock.advance()
        simulation.tick()
    return simulation, clock


def analysis_of(root: Path, now: datetime) -> Analysis:
    store = Store(root)
    store.scan()
    return analyse(store.snapshot(), now)


def contents(root: Path) -> dict[str, bytes]:
    """Every file's bytes, the demo directory's own path in them (session files name their
    transcripts by absolute path) written as ``<root>``."""
    here = str(root.absolute()).encode()
    return {
        p.relative_to(root).as_posix(): p.read_bytes().replace(here, b"<root>")
        for p in root.rglob("*")
        if p.is_file()
    }


def test_same_seed_and_clock_write_the_same_files(tmp_path: Path) -> None:
    run(tmp_path / "a", 120)
    run(tmp_path / "b", 120)
    first, second = contents(tmp_path / "a"), contents(tmp_path / "b")
    assert len(first) > 40
    assert first == second


def test_another_seed_differs(tmp_path: Path) -> None:
    run(tmp_path / "a", 60, seed=1)
    run(tmp_path / "b", 60, seed=2)
    assert contents(tmp_path / "a") != contents(tmp_path / "b")


def test_the_first_moment_shows_one_of_everything(tmp_path: Path) -> None:
    _, clock = run(tmp_path, 0)
    analysis = analysis_of(tmp_path, clock())
    counts = analysis.counts
    assert counts.working >= 4 and counts.idle >= 1 and counts.stale == 1 and counts.gone == 1
    assert len(analysis.duplicates) == 1
    assert analysis.overlaps
    assert analysis.suggestions
    assert any(p.available for p in analysis.priorities)
    statuses = analysis.milestones.by_status
    assert statuses.get("completed", 0) >= 1 and statuses.get("in_progress", 0) >= 2
    assert {v.milestone.source_format for v in analysis.milestones.items} == {"json", "md"}
    assert any(c.active for c in analysis.claims) and any(not c.active for c in analysis.claims)
    assert analysis.messages.direct >= 1
    assert analysis.messages.recovered >= 1  # broken JSON, as the send script writes it
    assert analysis.heartbeats
    assert [e for e in analysis.errors if e.severity == "error"] == []
    ghosts = [v for v in analysis.sessions if not v.health.live]
    assert all(v.session.status == "active" for v in ghosts)


def test_the_first_moment_shows_everything_the_coordinator_acts_on(tmp_path: Path) -> None:
    """Issue 13 live: a duplicate whose holder has the claim, a long-blocked milestone,
    a waiting session (state in its file), ETAs."""
    _, clock = run(tmp_path, 0)
    analysis = analysis_of(tmp_path, clock())
    acting = act(analysis)
    duplicate = [item for item in acting.resolutions if item.kind == "duplicate"]
    assert [item.rule for item in duplicate] == ["claim"]
    waiting = [v for v in analysis.sessions if v.health.value == "waiting"]
    assert len(waiting) == 1 and waiting[0].session.extra["state"] == "waiting"
    kinds = {incident.kind for incident in acting.incidents}
    assert {"milestone-blocked", "waiting"} <= kinds
    assert any(forecast.eta is not None for forecast in acting.milestone_forecasts)


def test_a_minute_of_life(tmp_path: Path) -> None:
    simulation, clock = run(tmp_path, 90)
    analysis = analysis_of(tmp_path, clock())
    assert analysis.messages.broadcast > 5
    assert analysis.counts.live >= 8
    assert [e for e in analysis.errors if e.severity == "error"] == []
    assert simulation.problems == []
    beats = sum(len(v) for v in analysis.heartbeats.values())
    assert beats <= 4 * len(simulation.sessions)  # old heartbeat files are cleaned up


def test_sessions_start_with_null_then_the_placeholder(tmp_path: Path) -> None:
    clock = SteppingClock()
    simulation = Simulation(tmp_path, sessions=3, seed=3, clock=clock)
    simulation.setup()
    fresh = simulation.sessions[2]
    assert fresh.state == "new"
    seen = []
    for _ in range(60):
        clock.advance()
        simulation.tick()
        path = tmp_path / "sessions" / f"{fresh.id}.json"
        if path.exists():
            store = Store(tmp_path)
            store.scan()
            work = next(
                s.current_work for s in store.snapshot().sessions if s.session_id == fresh.id
            )
            if not seen or seen[-1] != work:
                seen.append(work)
    assert seen[:2] == [None, PLACEHOLDER]


def test_milestones_advance_and_complete_and_sessions_vanish(tmp_path: Path) -> None:
    simulation, clock = run(tmp_path, 1500, sessions=8)
    analysis = analysis_of(tmp_path, clock())
    assert analysis.milestones.by_status.get("completed", 0) >= 3
    progress = [v for v in analysis.milestones.items if v.milestone.status == "in_progress"]
    assert any(0 < v.progress < 100 for v in progress)
    gone_ghost = tmp_path / "sessions" / f"session-{int(NOW.timestamp()) + 8 + 1}.json"
    assert not gone_ghost.exists()  # the gone ghost was cleaned up
    assert all(s.state != "vanished" for s in simulation.sessions)  # and forgotten
    written = (tmp_path / "priorities.txt").read_text().splitlines()
    assert written[0].startswith("#") and len(written) > 5


def test_simulation_survives_its_directory_vanishing(tmp_path: Path) -> None:
    simulation, clock = run(tmp_path / "d", 5)
    shutil.rmtree(tmp_path / "d")
    for _ in range(20):
        clock.advance()
        simulation.tick()
    assert simulation.ticks == 25  # no exception escaped a tick


def test_failed_writes_are_problems_taken_once(tmp_path: Path) -> None:
    """A write the simulation cannot do is data for the demo to show, not an exception and
    not silence: ``take_problems()`` hands each one over once."""
    simulation, clock = run(tmp_path, 0, seed=7)
    assert simulation.take_problems() == []
    shutil.rmtree(tmp_path / "heartbeats")
    (tmp_path / "heartbeats").write_text("a file where the folder was")
    for _ in range(30):
        clock.advance()
        simulation.tick()
    problems = simulation.take_problems()
    assert problems and all(p.path.startswith("heartbeats/") for p in problems)
    # Writing: mkdir of the folder refused; deleting old beats: not a directory.
    assert {p.reason for p in problems} == {"File exists", "Not a directory"}
    first = problems[0]
    assert first.describe() == f"demo simulation could not write {first.path}: {first.reason}"
    assert all(NOW < p.time <= clock.now for p in problems)  # stamped by the injected clock
    assert simulation.take_problems() == []  # taken once…
    assert simulation.problems == problems  # …and still listed
    sessions = analysis_of(tmp_path, clock()).counts.live
    assert sessions >= 8  # the rest of the collective carried on


def test_start_and_stop_in_a_thread(tmp_path: Path) -> None:
    simulation = Simulation(tmp_path, sessions=4, seed=1, speed=200)
    simulation.start()
    try:
        deadline = datetime.now().timestamp() + 10
        while simulation.ticks < 5 and datetime.now().timestamp() < deadline:
            simulation._stop.wait(0.01)
    finally:
        simulation.stop()
    assert simulation.ticks >= 5
    ticks = simulation.ticks
    simulation._stop.wait(0.05)
    assert simulation.ticks == ticks  # really stopped


def test_the_collective_keeps_moving_after_the_first_minutes(tmp_path: Path) -> None:
    """Later on, sessions still go idle, get suggestions and collide: the demo stays alive."""
    root = tmp_path / "c"
    clock = SteppingClock()
    simulation = Simulation(root, sessions=12, seed=5, clock=clock)
    simulation.setup()
    idle_seen = duplicates_seen = suggestions_seen = 0
    for tick in range(1, 601):
        clock.advance()
        simulation.tick()
        if tick > 120 and tick % 20 == 0:  # after the first two minutes
            analysis = analysis_of(root, clock())
            idle_seen += analysis.counts.idle > 0
            duplicates_seen += bool(analysis.duplicates)
            suggestions_seen += bool(analysis.suggestions)
    assert idle_seen >= 8 and suggestions_seen >= 4 and duplicates_seen >= 2


def test_the_demo_settles_at_a_steady_size(tmp_path: Path) -> None:
    """Left running, the collective stays bounded: dead sessions, completed milestones,
    messages and claims beyond their bounds are retired (it once doubled in minutes)."""
    sessions = 20
    simulation, _ = run(tmp_path, 1200, seed=3, sessions=sessions)

    def count(pattern: str) -> int:
        return sum(1 for path in tmp_path.glob(pattern) if path.is_file())

    assert count("sessions/session*.json") <= sessions + keep_dead(sessions)
    # the queue's milestones, the kept completed ones, and the two written at setup
    assert count("sessions/MILESTONES/*") <= len(POOL) + KEEP_COMPLETED + 2
    assert count("messages/**/*.json") <= KEEP_MESSAGES
    assert count("claims/*.claim") <= KEEP_CLAIMS
    assert count("heartbeats/*.json") <= KEEP_BEATS * (sessions + keep_dead(sessions))
    assert len(simulation.sessions) <= sessions + keep_dead(sessions)
    assert len(simulation.world.milestones) <= len(POOL) + KEEP_COMPLETED
    # and it is still alive: sessions at work, a milestone completed and kept
    analysis = analysis_of(tmp_path, simulation.clock())
    assert analysis.counts.working >= 5
    assert analysis.milestones.by_status.get("completed", 0) >= 1
