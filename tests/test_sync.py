"""Sync through git: a bare repository as the remote, clones as the machines.

Each clone has project files of its own beside ``docs/coordination``; the tests
check that only coordination files travel, that a user's staged change stays
staged, that two machines racing for one claim end with one holder everywhere
and a told loser, and that a rejected push is retried within the round.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from coordinator_tui.cli import main
from coordinator_tui.sync import (
    claim_outcome,
    load_state,
    open_target,
    sync_round,
    wait_for_claim,
)
from coordinator_tui.sync.claims import HELD, LOST

DIR = Path("docs") / "coordination"
NOW = datetime(2025, 11, 15, 20, 0, tzinfo=timezone.utc)


def git(cwd: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    seed = tmp_path / "seed"
    git(tmp_path, "clone", "-q", str(bare), str(seed))
    _identity(seed, "seed")
    (seed / "src").mkdir()
    (seed / "src" / "app.py").write_text("print('v1')\n")
    (seed / DIR).mkdir(parents=True)
    (seed / DIR / "priorities.txt").write_text("90:loop:Build the loop\n")
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "project")
    git(seed, "push", "-q", "origin", "main")
    return bare


def _identity(clone: Path, name: str) -> None:
    git(clone, "config", "user.name", name)
    git(clone, "config", "user.email", f"{name}@example.invalid")


def machine(remote: Path, name: str) -> Path:
    clone = remote.parent / name
    git(remote.parent, "clone", "-q", str(remote), str(clone))
    _identity(clone, name)
    return clone


def round_on(clone: Path, **kwargs):
    return sync_round(open_target(clone / DIR, "origin"), now=lambda: NOW, **kwargs)


def session(clone: Path, session_id: str, beat: datetime = NOW) -> Path:
    path = clone / DIR / "sessions" / f"{session_id}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"session_id": session_id, "status": "active", "current_work": "loop"}
    document["last_heartbeat"] = beat.strftime("%Y-%m-%dT%H:%M:%SZ")
    path.write_text(json.dumps(document))
    return path


def claim(clone: Path, session_id: str, name: str = "work-loop") -> Path:
    path = clone / DIR / "claims" / f"{name}.claim"
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"claimed_by": session_id, "claimed_at": "2025-11-15T20:00:00Z"}
    path.write_text(json.dumps(document))
    return path


def remote_files(remote: Path) -> set[str]:
    return set(git(remote, "ls-tree", "-r", "--name-only", "main").splitlines())


def test_a_session_started_on_one_machine_shows_on_the_other(remote: Path) -> None:
    a, b = machine(remote, "a"), machine(remote, "b")
    written = session(a, "session-a")
    sent = round_on(a)
    assert (sent.outcome, sent.committed, sent.error) == (
        "pushed",
        [f"{DIR}/sessions/session-a.json"],
        None,
    )
    got = round_on(b)
    assert got.outcome == "pulled"
    assert got.arrived == ["sessions/session-a.json"]
    assert (b / DIR / "sessions" / "session-a.json").read_text() == written.read_text()
    arrival = load_state(b / DIR).arrivals["sessions/session-a.json"]
    assert arrival == {
        "at": "2025-11-15T20:00:00Z",
        "heartbeat": "2025-11-15T20:00:00Z",
        "lag_s": 0.0,
    }
    assert (
        git(a, "rev-parse", "HEAD")
        == git(b, "rev-parse", "HEAD")
        == git(remote, "rev-parse", "main")
    )
    assert round_on(a).outcome == "up-to-date"


def test_arrival_records_the_skew_of_a_machine_whose_clock_is_ahead(remote: Path) -> None:
    a, b = machine(remote, "a"), machine(remote, "b")
    session(a, "session-a", beat=NOW + timedelta(minutes=3))  # a's clock runs 3 minutes fast
    round_on(a)
    round_on(b)
    arrival = load_state(b / DIR).arrivals["sessions/session-a.json"]
    assert arrival["at"] == "2025-11-15T20:00:00Z"
    assert arrival["lag_s"] == -180.0


def test_heartbeats_between_rounds_make_one_commit(remote: Path) -> None:
    a = machine(remote, "a")
    before = int(git(remote, "rev-list", "--count", "main"))
    for beat in range(5):
        session(a, "session-a", NOW + timedelta(seconds=beat))
        session(a, "session-b", NOW + timedelta(seconds=beat))
    assert round_on(a).outcome == "pushed"
    assert int(git(remote, "rev-list", "--count", "main")) == before + 1


def test_only_coordination_files_travel_and_staged_changes_stay_staged(remote: Path) -> None:
    a = machine(remote, "a")
    (a / "src" / "app.py").write_text("print('v2, staged by the user')\n")
    git(a, "add", "src/app.py")
    (a / "src" / "wip.py").write_text("unstaged work\n")
    (a / DIR / "notes.txt").write_text("not a coordination file\n")
    (a / DIR / ".coordinator").mkdir()
    (a / DIR / ".coordinator" / "history.jsonl").write_text("{}\n")
    session(a, "session-a")
    (a / DIR / "sessions" / ".tmp-1234.part").write_text("half a file")
    result = round_on(a)
    assert result.outcome == "pushed"
    assert remote_files(remote) == {
        "src/app.py",
        f"{DIR}/priorities.txt",
        f"{DIR}/sessions/session-a.json",
    }
    assert git(remote, "show", "main:src/app.py") == "print('v1')"
    assert git(a, "diff", "--cached", "--name-only") == "src/app.py"
    status = git(a, "status", "--porcelain", "--untracked-files=all").splitlines()
    assert "M  src/app.py" in status
    assert f"?? {DIR}/notes.txt" in status
    assert not any("session-a.json" in line for line in status)


def test_a_users_unpushed_commit_blocks_the_round_and_is_not_pushed(remote: Path) -> None:
    a = machine(remote, "a")
    (a / "src" / "app.py").write_text("print('mine')\n")
    git(a, "commit", "-q", "-am", "my own work")
    session(a, "session-a")
    tip = git(remote, "rev-parse", "main")
    result = round_on(a)
    assert result.outcome == "blocked"
    assert "push them first" in (result.error or "")
    assert git(remote, "rev-parse", "main") == tip


def test_both_claim_the_same_work_at_once_and_one_holds_it_everywhere(remote: Path) -> None:
    a, b = machine(remote, "a"), machine(remote, "b")
    claim(a, "session-a")
    claim(b, "session-b")
    waits: dict[str, bool] = {}

    def wait(name: str, clone: Path) -> None:
        waits[name] = wait_for_claim(clone / DIR, "claims/work-loop.claim", 60, poll_s=0.05)

    def sync(clone: Path) -> None:
        round_on(clone)

    threads = [threading.Thread(target=wait, args=(n, c)) for n, c in (("a", a), ("b", b))]
    threads += [threading.Thread(target=sync, args=(c,)) for c in (a, b)]
    for thread in threads:
        thread.start()
    for thread in threads[2:]:
        thread.join(timeout=60)
    for clone in (a, b, a):  # the loser's sync told its session: let that message travel too
        round_on(clone)
    for thread in threads[:2]:
        thread.join(timeout=60)
    held_a = json.loads((a / DIR / "claims" / "work-loop.claim").read_text())
    held_b = json.loads((b / DIR / "claims" / "work-loop.claim").read_text())
    assert held_a == held_b
    winner = held_a["claimed_by"]
    loser = "session-b" if winner == "session-a" else "session-a"
    assert waits == {winner[-1]: True, loser[-1]: False}
    loser_clone = b if loser == "session-b" else a
    lost = load_state(loser_clone / DIR).lost_claims
    assert [(e["path"], e["lost_by"], e["held_by"]) for e in lost] == [
        ("claims/work-loop.claim", loser, winner)
    ]
    for clone in (a, b):  # the direct message reached both machines
        told = list((clone / DIR / "messages" / "direct" / loser).glob("*.json"))
        assert len(told) == 1
        message = json.loads(told[0].read_text())
        assert message["subject"] == "Claim lost: work-loop"
        assert winner in message["message"]
    mine = (winner, "2025-11-15T20:00:00Z")
    theirs = (loser, "2025-11-15T20:00:00Z")
    assert claim_outcome(a / DIR, "claims/work-loop.claim", mine) == HELD
    assert claim_outcome(b / DIR, "claims/work-loop.claim", theirs) == LOST


def test_a_rejected_push_is_retried_in_the_same_round(remote: Path, tmp_path: Path) -> None:
    a, b = machine(remote, "a"), machine(remote, "b")
    session(b, "session-b")
    git(b, "add", "-A")
    git(b, "commit", "-q", "-m", "b's session\n\nCoordinator-Sync: b")
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    hook = hooks / "pre-push"
    # The first push from a lets b push in between: a's push is then rejected.
    hook.write_text(
        "#!/bin/sh\n"
        f'[ -e "{tmp_path}/raced" ] && exit 0\n'
        f'touch "{tmp_path}/raced"\n'
        "unset $(git rev-parse --local-env-vars)\n"
        f'cd "{b}" && git push -q origin main\n'
    )
    hook.chmod(0o755)
    git(a, "config", "core.hooksPath", str(hooks))
    session(a, "session-a")
    pauses: list[float] = []
    result = round_on(a, sleep=pauses.append)
    assert (result.outcome, result.attempts, len(pauses)) == ("pushed", 2, 1)
    assert 0.0 < pauses[0] <= 0.375
    assert {f"{DIR}/sessions/session-a.json", f"{DIR}/sessions/session-b.json"} <= remote_files(
        remote
    )
    assert git(remote, "merge-base", "--is-ancestor", git(b, "rev-parse", "HEAD"), "main") == ""


def test_wait_for_claim_times_out_when_no_sync_carries_it(remote: Path) -> None:
    a = machine(remote, "a")
    claim(a, "session-a")
    ticks = iter(range(100))
    slept: list[float] = []
    held = wait_for_claim(
        a / DIR,
        "claims/work-loop.claim",
        3,
        poll_s=1,
        sleep=slept.append,
        monotonic=lambda: float(next(ticks)),
    )
    assert held is False
    assert slept == [1, 1]  # checked at 1 and 2, gave up at 3


def test_wait_for_claim_outside_git_is_held_at_once(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    claim_path = folder / "claims" / "work-x.claim"
    claim_path.parent.mkdir(parents=True)
    claim_path.write_text('{"claimed_by": "s1", "claimed_at": "t"}')
    assert wait_for_claim(folder, claim_path, 0) is True


def test_cli_sync_once_and_bad_command_lines(remote: Path, capsys) -> None:
    a = machine(remote, "a")
    session(a, "session-a")
    assert main(["sync", str(a / DIR), "--once"]) == 0
    assert capsys.readouterr().out.startswith("sync: pushed; 1 file(s) sent")
    assert main(["sync", str(a / DIR), "--every", "soon"]) == 2
    assert "not a positive duration" in capsys.readouterr().err
    assert main(["sync", str(a / DIR), "--once", "--remote", "nowhere"]) == 2
    assert capsys.readouterr().err.strip().endswith("no remote named 'nowhere'")
    outside = remote.parent / "outside"
    outside.mkdir()
    assert main(["sync", str(outside), "--once"]) == 2
    assert "is not in a git work tree" in capsys.readouterr().err


@pytest.mark.parametrize(
    "module",
    ["coordinator_tui.sync", "coordinator_tui.commands.sync", "coordinator_tui.commands.serve"],
)
def test_sync_and_serve_do_not_import_textual_or_textual_serve(module: str) -> None:
    code = f"import sys, {module}; print('textual' in sys.modules, 'textual_serve' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


def test_the_state_keeps_the_newest_arrivals_and_survives_a_broken_file(tmp_path: Path) -> None:
    from coordinator_tui.sync.state import MAX_ARRIVALS, SyncState, record_arrival, save_state

    state = SyncState()
    for second in range(MAX_ARRIVALS + 5):
        moment = NOW + timedelta(seconds=second)
        record_arrival(state, f"heartbeats/{second:05d}.json", b'{"timestamp": 1}', moment)
    save_state(tmp_path, state)
    kept = load_state(tmp_path).arrivals
    assert len(kept) == MAX_ARRIVALS
    assert "heartbeats/00004.json" not in kept and "heartbeats/00005.json" in kept
    (tmp_path / ".coordinator" / "sync-state.json").write_text('{"arrivals": [1, 2], "lost_')
    assert load_state(tmp_path) == SyncState()
