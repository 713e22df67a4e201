"""Sync through git: a bare repository as the remote, clones as the machines.

Each clone has project files of its own beside ``docs/coordination``; the tests
check that only coordination files travel, that a user's staged change stays
staged, that two machines racing for one claim end with one holder everywhere
and a told loser, and that a rejected push is retried within the round.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from coordinator_tui.cli import main
from coordinator_tui.commands.sync import describe
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


SEED_AND_SESSION_A = {"src/app.py", f"{DIR}/priorities.txt", f"{DIR}/sessions/session-a.json"}
"""The remote's files after one round that sent only ``session-a``'s file."""


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
    assert remote_files(remote) == SEED_AND_SESSION_A
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


# --- a hostile remote, and hostile files here: what a round never does ---


def pushed_by_another(remote: Path, name: str, files: dict[str, bytes], links=None) -> str:  # type: ignore[no-untyped-def]
    """Another party pushes with plain git whatever it likes (a file starting ``#!`` as an
    executable); the commit it pushed."""
    other = machine(remote, name)
    for path, data in files.items():
        (other / path).parent.mkdir(parents=True, exist_ok=True)
        (other / path).write_bytes(data)
        if data.startswith(b"#!"):
            (other / path).chmod(0o755)
    for path, target in (links or {}).items():
        (other / path).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, other / path)
    git(other, "add", "-A")
    git(other, "commit", "-q", "-m", "whatever it likes")
    git(other, "push", "-q", "origin", "main")
    return git(other, "rev-parse", "HEAD")


def test_remote_files_outside_the_coordination_names_are_never_written(remote: Path) -> None:
    a = machine(remote, "a")
    session(a, "session-a")
    head, tip = (
        git(a, "rev-parse", "HEAD"),
        pushed_by_another(
            remote,
            "other",
            {
                "planted-at-the-top.txt": b"x",
                "docs/beside-the-directory.txt": b"x",
                f"{DIR}/notes.txt": b"inside DIR, not a coordination name",
                f"{DIR}/sessions/session-o.json": b'{"session_id": "session-o"}',
            },
        ),
    )
    result = round_on(a)
    assert result.outcome == "blocked"
    assert "outside the coordination directory" in (result.error or "")
    assert "docs/beside-the-directory.txt" in (result.error or "")
    for planted in ("planted-at-the-top.txt", "docs/beside-the-directory.txt", f"{DIR}/notes.txt"):
        assert not (a / planted).exists()
    assert not (a / DIR / "sessions" / "session-o.json").exists()
    assert git(a, "rev-parse", "HEAD") == head
    assert git(remote, "rev-parse", "main") == tip  # nothing of ours was pushed over it
    assert load_state(a / DIR).last_round["outcome"] == "blocked"


def test_a_link_pushed_into_the_directory_is_never_created(remote: Path, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("outside the directory")
    a = machine(remote, "a")
    pushed_by_another(
        remote,
        "other",
        {f"{DIR}/sessions/session-o.json": b'{"session_id": "session-o"}'},
        links={f"{DIR}/sessions/session-l.json": "../../../../secret.txt"},
    )
    result = round_on(a)
    assert result.outcome == "pulled"
    assert not os.path.lexists(a / DIR / "sessions" / "session-l.json")
    assert (a / DIR / "sessions" / "session-o.json").read_bytes() == b'{"session_id": "session-o"}'
    assert result.refused == [
        "sessions/session-l.json: a symbolic link in the repository: not written"
    ]
    assert list(load_state(a / DIR).refused) == ["sessions/session-l.json"]
    assert describe(result).startswith("sync: pulled; 1 file(s) arrived; 1 file(s) refused (")
    again = round_on(a)  # the link is neither written nor sent back as a deletion
    assert (again.outcome, again.committed) == ("up-to-date", [])
    assert f"{DIR}/sessions/session-l.json" in remote_files(remote)


def test_a_filter_named_by_a_pushed_gitattributes_never_runs(remote: Path, tmp_path: Path) -> None:
    ran = tmp_path / "the-filter-ran"
    a = machine(remote, "a")
    # A filter this user has configured (as git-lfs is); the remote names it for its files.
    git(
        a,
        "config",
        "filter.planted.smudge",
        f"sh -c 'ps -o args= -p $(ps -o ppid= -p $PPID) >> {ran}; cat'",
    )
    git(
        a,
        "config",
        "filter.planted.clean",
        f"sh -c 'ps -o args= -p $(ps -o ppid= -p $PPID) >> {ran}; cat'",
    )
    attributes = {".gitattributes": b"*.json filter=planted\n"}
    first = {f"{DIR}/sessions/session-o.json": b'{"session_id": "session-o"}'}
    pushed_by_another(remote, "other", {**attributes, **first})
    outcome = round_on(a).outcome
    assert not ran.exists()
    assert outcome == "blocked"  # the attributes file is outside the names
    plain = ("-c", "filter.planted.smudge=cat", "-c", "filter.planted.clean=cat")
    git(a, *plain, "pull", "-q", "--ff-only")  # the user looks, and takes it
    assert not ran.exists()
    session(a, "session-a")
    second = {f"{DIR}/sessions/session-p.json": b'{"session_id": "session-p"}'}
    pushed_by_another(remote, "another", second)
    result = round_on(a)
    assert (result.outcome, result.arrived) == ("pushed", ["sessions/session-p.json"])
    assert not ran.exists()  # neither the smudge on the way in nor the clean on the way out
    assert (a / DIR / "sessions" / "session-p.json").read_bytes() == second[
        f"{DIR}/sessions/session-p.json"
    ]


def test_a_hook_pushed_into_the_hooks_folder_never_lands_or_runs(
    remote: Path, tmp_path: Path
) -> None:
    ran = tmp_path / "the-hook-ran"
    a = machine(remote, "a")
    git(a, "config", "core.hooksPath", ".githooks")  # hooks kept in the repository (husky)
    hook = f"#!/bin/sh\ntouch {ran}\n".encode()
    pushed_by_another(remote, "other", {".githooks/pre-push": hook})
    session(a, "session-a")
    result = round_on(a)
    assert not ran.exists()
    assert not (a / ".githooks" / "pre-push").exists()
    assert result.outcome == "blocked"


def _round_in_a_child(clone: Path) -> tuple[str, list[str], list[str], int]:
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = round_on(clone)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    return result.outcome, result.arrived, result.refused, grown_kib


def test_a_huge_pushed_file_is_refused_and_memory_stays_bounded(remote: Path) -> None:
    a = machine(remote, "a")
    huge = b'{"session_id": "session-o", "pad": "' + b"x" * (100 * 1024 * 1024) + b'"}'
    pushed_by_another(
        remote,
        "other",
        {
            f"{DIR}/heartbeats/huge.json": huge,
            f"{DIR}/sessions/session-o.json": b'{"session_id": "session-o"}',
        },
    )
    del huge
    with multiprocessing.get_context("fork").Pool(1) as pool:
        outcome, arrived, refused, grown_kib = pool.apply(_round_in_a_child, (a,))
    assert (outcome, arrived) == ("pulled", ["sessions/session-o.json"])
    assert len(refused) == 1
    assert refused[0].startswith("heartbeats/huge.json: 104,857,638 bytes, over the 1,048,576")
    assert not (a / DIR / "heartbeats" / "huge.json").exists()
    assert (a / DIR / "sessions" / "session-o.json").exists()
    assert grown_kib < 32 * 1024, f"the round grew by {grown_kib} KiB"
    assert load_state(a / DIR).last_round["outcome"] == "pulled"


def test_the_work_tree_moves_only_after_the_push_is_accepted(remote: Path, tmp_path: Path) -> None:
    a, b = machine(remote, "a"), machine(remote, "b")
    session(b, "session-b")
    assert round_on(b).outcome == "pushed"
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "pre-push").write_text("#!/bin/sh\necho the push fails >&2\nexit 1\n")
    (hooks / "pre-push").chmod(0o755)
    git(a, "config", "core.hooksPath", str(hooks))
    session(a, "session-a")
    head = git(a, "rev-parse", "HEAD")
    result = round_on(a)
    assert result.outcome == "error"
    assert not (a / DIR / "sessions" / "session-b.json").exists()  # nothing moved here
    assert git(a, "rev-parse", "HEAD") == head
    assert git(a, "diff", "--cached", "--name-only") == ""
    assert load_state(a / DIR).last_round["outcome"] == "error"


def test_a_file_written_during_the_round_keeps_that_write(
    remote: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coordinator_tui.sync import engine

    a, b = machine(remote, "a"), machine(remote, "b")
    (b / DIR / "priorities.txt").write_text("80:remote:theirs\n")
    session(b, "session-x")
    round_on(b)
    (a / DIR / "priorities.txt").write_text("70:local:ours\n")  # loses to b's, but…
    real_scan = engine.scan

    def scan_then_a_session_writes(*args, **kwargs):  # type: ignore[no-untyped-def]
        local = real_scan(*args, **kwargs)
        (a / DIR / "priorities.txt").write_text("60:newer:written meanwhile\n")
        session(a, "session-x").write_text('{"session_id": "session-x", "here": true}')
        return local

    monkeypatch.setattr(engine, "scan", scan_then_a_session_writes)
    result = round_on(a)
    monkeypatch.undo()
    assert result.outcome == "pulled"
    assert (a / DIR / "priorities.txt").read_text() == "60:newer:written meanwhile\n"
    assert json.loads((a / DIR / "sessions" / "session-x.json").read_text())["here"] is True
    assert round_on(a).committed == [f"{DIR}/priorities.txt", f"{DIR}/sessions/session-x.json"]


def _claim_text(clone: Path, name: str = "work-loop") -> dict[str, str]:
    return json.loads((clone / DIR / "claims" / f"{name}.claim").read_text())


def test_an_accepted_claim_rewritten_by_a_later_push_is_put_back(remote: Path) -> None:
    a = machine(remote, "a")
    claim(a, "session-a")
    assert round_on(a).outcome == "pushed"
    rewritten = json.dumps({"claimed_by": "session-o", "claimed_at": "2025-11-15T20:05:00Z"})
    pushed_by_another(remote, "other", {f"{DIR}/claims/work-loop.claim": rewritten.encode()})
    late = machine(remote, "late")  # a machine that first sees the claim rewritten
    result = round_on(a)
    assert result.outcome == "pushed"
    assert _claim_text(a)["claimed_by"] == "session-a"
    on_remote = json.loads(git(remote, "show", f"main:{DIR}/claims/work-loop.claim"))
    assert on_remote["claimed_by"] == "session-a"
    lost = load_state(a / DIR).lost_claims
    assert [(e["path"], e["lost_by"], e["held_by"], e["why"]) for e in lost] == [
        ("claims/work-loop.claim", "session-o", "session-a", "rewrite")
    ]
    told = list((a / DIR / "messages" / "direct" / "session-o").glob("*.json"))
    assert [json.loads(path.read_text())["subject"] for path in told] == ["Claim lost: work-loop"]
    round_on(a)  # the message travels
    tip = git(remote, "rev-parse", "main")
    caught_up = round_on(late)  # takes the accepted claim back, and tells no one again
    assert caught_up.outcome == "pulled"
    assert git(remote, "rev-parse", "main") == tip
    assert _claim_text(late)["claimed_by"] == "session-a"
    assert load_state(late / DIR).lost_claims == []
    assert len(list((late / DIR / "messages" / "direct" / "session-o").glob("*.json"))) == 1


def test_a_local_rewrite_of_an_accepted_claim_is_not_sent(remote: Path) -> None:
    a, b = machine(remote, "a"), machine(remote, "b")
    claim(a, "session-a")
    round_on(a)
    round_on(b)
    accepted = (b / DIR / "claims" / "work-loop.claim").read_bytes()
    claim(b, "session-b")  # written in place over the accepted claim
    result = round_on(b)
    assert result.committed == []
    assert (b / DIR / "claims" / "work-loop.claim").read_bytes() == accepted
    assert (
        json.loads(git(remote, "show", f"main:{DIR}/claims/work-loop.claim"))["claimed_by"]
        == "session-a"
    )
    lost = load_state(b / DIR).lost_claims
    assert [(e["lost_by"], e["held_by"], e["why"]) for e in lost] == [
        ("session-b", "session-a", "rewrite")
    ]
    assert len(list((b / DIR / "messages" / "direct" / "session-b").glob("*.json"))) == 1


def test_an_expired_claim_is_still_taken_over_across_machines(remote: Path) -> None:
    a, b = machine(remote, "a"), machine(remote, "b")
    path = claim(a, "session-a")
    expired = {"claimed_by": "session-a", "claimed_at": "2025-11-15T18:00:00Z"}
    path.write_text(json.dumps({**expired, "expires_at": "2025-11-15T19:00:00Z"}))
    round_on(a)
    round_on(b)
    taken = {"claimed_by": "session-b", "claimed_at": "2025-11-15T19:30:00Z"}
    (b / DIR / "claims" / "work-loop.claim").write_text(json.dumps(taken))
    assert round_on(b).committed == [f"{DIR}/claims/work-loop.claim"]
    assert round_on(a).lost_claims == []
    assert _claim_text(a) == taken
    assert load_state(b / DIR).lost_claims == []


def test_local_links_fifos_and_oversized_files_are_not_sent(remote: Path, tmp_path: Path) -> None:
    (tmp_path / "secret.json").write_text('{"session_id": "secret"}')
    a = machine(remote, "a")
    folder = a / DIR / "sessions"
    folder.mkdir()
    os.symlink(tmp_path / "secret.json", folder / "linked-out.json")
    os.symlink("../priorities.txt", folder / "linked-in.json")
    os.mkfifo(folder / "fifo.json")
    (folder / "big.json").write_bytes(b" " * (2 * 1024 * 1024))
    session(a, "session-a")
    result = round_on(a)
    assert result.outcome == "pushed"
    assert remote_files(remote) == SEED_AND_SESSION_A
    assert sorted(line.split(":")[0] for line in result.refused) == [
        "sessions/big.json",  # the FIFO is not even listed: git lists files and links
        "sessions/linked-in.json",
        "sessions/linked-out.json",
    ]
    assert os.path.islink(folder / "linked-out.json")  # left as it was


@pytest.mark.parametrize(
    ("relative", "moved"),
    [
        ("sessions/session-a.json", True),
        ("messages/direct/session-a/x.json", True),
        ("claims/work-x.claim", True),
        ("priorities.txt", True),
        ("SPRINT_REPORT_2025-11-15.md", True),
        ("notes.txt", False),
        ("sessions", False),
        ("sessions/", False),
        ("sessions/.tmp-1.part", False),
        ("heartbeats/x/.hidden/y.json", False),
        (".gitattributes", False),
        (".coordinator/sync-state.json", False),
        ("messages//x.json", False),
        ("/sessions/x.json", False),
        ("SPRINT_REPORT_x.md/inside", False),
        ("", False),
    ],
)
def test_the_names_a_round_moves(relative: str, moved: bool) -> None:
    from coordinator_tui.sync.paths import is_coordination

    assert is_coordination(relative) is moved


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
