"""``coordinator-tui session …``: the session client, its claims and its inbox."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from coordinator_tui.agents import claims, context
from coordinator_tui.agents.tmux import tmux_switch_command
from coordinator_tui.cli import main
from coordinator_tui.files import fsio
from coordinator_tui.settings import DEFAULT_PLACEHOLDERS
from coordinator_tui.write.messages import Draft, write_message

COLLECTIVE_KEYS = [
    "session_id",
    "started_at",
    "status",
    "current_work",
    "capabilities",
    "last_heartbeat",
    "heartbeat_count",
]


@pytest.fixture
def coord(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "coordination"
    (folder / "sessions").mkdir(parents=True)
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    (project / "src" / "api").mkdir(parents=True)
    monkeypatch.chdir(project)
    monkeypatch.delenv("COORDINATOR_SESSION", raising=False)
    monkeypatch.delenv("TMUX", raising=False)
    monkeypatch.setenv("TMUX_PANE", "%3")
    return folder


def cli(*words: str) -> int:
    return main(list(words))


def session_file(coord: Path, session: str) -> dict[str, Any]:
    name = session if session.startswith("session") else f"session-{session}"
    data: dict[str, Any] = json.loads((coord / "sessions" / f"{name}.json").read_text())
    return data


def health(coord: Path, capsys: pytest.CaptureFixture[str], session: str) -> str:
    capsys.readouterr()
    assert cli("status", str(coord), "--json") == 0
    views = json.loads(capsys.readouterr().out)["sessions"]
    return str(next(view["health"] for view in views if view["id"] == session))


def test_start_prints_the_id_and_writes_the_collectives_shape(
    coord: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("session", "start", str(coord), "--work", "api", "--capabilities", "a, b") == 0
    session = capsys.readouterr().out.strip()
    assert session.startswith("session-")
    document = session_file(coord, session)
    assert list(document)[: len(COLLECTIVE_KEYS)] == COLLECTIVE_KEYS
    assert (document["status"], document["current_work"]) == ("active", "api")
    assert (document["capabilities"], document["heartbeat_count"]) == (["a", "b"], 1)
    assert (document["state"], document["agent"], document["tmux_pane"]) == ("working", "cli", "%3")
    assert document["host"] == os.uname().nodename and isinstance(document["pid"], int)
    assert health(coord, capsys, session) == "working"


def test_beat_states_and_end_show_in_status(
    coord: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COORDINATOR_SESSION", "worker-1")
    assert cli("session", "start", str(coord)) == 0
    assert health(coord, capsys, "worker-1") == "idle"
    assert cli("session", "beat", str(coord), "--work", "spec generation") == 0
    assert health(coord, capsys, "worker-1") == "working"
    assert cli("session", "beat", str(coord), "--state", "waiting") == 0
    assert health(coord, capsys, "worker-1") == "waiting"
    assert cli("session", "beat", str(coord), "--state", "idle") == 0
    assert health(coord, capsys, "worker-1") == "idle"
    assert cli("session", "end", str(coord)) == 0
    assert health(coord, capsys, "worker-1") == "ended"
    document = session_file(coord, "worker-1")
    assert (document["status"], document["heartbeat_count"]) == ("ended", 5)


def test_a_prompt_does_not_replace_work_the_session_set(coord: Path) -> None:
    from coordinator_tui.agents import client

    client.start(str(coord), "s1", work="the plan")
    client.beat(str(coord), "s1", work="a prompt", source=client.SET_BY_PROMPT)
    assert session_file(coord, "s1")["current_work"] == "the plan"
    client.start(str(coord), "s2")
    client.beat(str(coord), "s2", work="a prompt", source=client.SET_BY_PROMPT)
    assert session_file(coord, "s2")["current_work"] == "a prompt"


def test_usage_errors_exit_2(coord: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("session", "beat", str(coord)) == 2
    assert "$COORDINATOR_SESSION" in capsys.readouterr().err
    assert cli("session", "start", str(coord), "--id", "../escape") == 2
    assert cli("session", "claim", str(coord), "--id", "a", "--name", "x", "--ttl", "soon") == 2
    assert cli("session", "claim", str(coord), "--id", "a") == 2
    assert cli("session", "end", str(coord), "--id", "never-started") == 1
    assert list((coord / "sessions").iterdir()) == []


def test_claims_create_renew_refuse_and_release(
    coord: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli("session", "start", str(coord), "--id", "alpha", "--work", "dashboard polish")
    capsys.readouterr()
    assert cli("session", "claim", str(coord), "--id", "alpha", "--name", "dashboard") == 0
    assert capsys.readouterr().out.startswith("created: task dashboard")
    claim = json.loads((coord / "claims" / "task-dashboard.claim").read_text())
    assert claim["claimed_by"] == "alpha" and claim["duration_hours"] == 2.0
    assert cli("session", "claim", str(coord), "--id", "alpha", "--name", "dashboard") == 0
    assert capsys.readouterr().out.startswith("renewed")
    assert cli("session", "claim", str(coord), "--id", "beta", "--name", "dashboard") == 1
    err = capsys.readouterr().err
    assert "claimed by alpha (dashboard polish)" in err
    assert cli("session", "release", str(coord), "--id", "beta", "--name", "dashboard") == 1
    assert (coord / "claims" / "task-dashboard.claim").exists()
    assert cli("session", "release", str(coord), "--id", "alpha", "--name", "dashboard") == 0
    assert not (coord / "claims" / "task-dashboard.claim").exists()
    assert cli("session", "claim", str(coord), "--id", "beta", "--name", "dashboard") == 0


def test_an_expired_claim_is_taken_over(coord: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = coord / "claims" / "droplet-dashboard.claim"
    old.parent.mkdir()
    old.write_text(
        json.dumps(
            {
                "claimed_by": "session-1763235028",
                "claimed_at": "2025-11-15T19:31:02Z",
                "resource_type": "droplet",
                "resource_name": "dashboard",
                "duration_hours": 2,
                "expires_at": "2025-11-15T21:31:02Z",
            }
        )
    )
    assert (
        cli("session", "claim", str(coord), "--id", "b", "--name", "dashboard", "--type", "droplet")
        == 0
    )
    assert capsys.readouterr().out.startswith("taken over")
    assert json.loads(old.read_text())["claimed_by"] == "b"
    assert [p.name for p in old.parent.iterdir()] == ["droplet-dashboard.claim"]


def test_racing_claims_have_exactly_one_winner(coord: Path) -> None:
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def contender(number: int) -> None:
        claim = claims.document(f"s{number}", "task", "deploy", 1.0, 1e9 + 10**9)
        barrier.wait()
        try:
            outcomes.append(claims.take(str(coord), f"s{number}", "task-deploy.claim", claim, 1e9))
        except claims.ClaimRefused:
            outcomes.append("refused")

    threads = [threading.Thread(target=contender, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created"] + ["refused"] * 7
    assert [p.name for p in (coord / "claims").iterdir()] == ["task-deploy.claim"]


def test_path_claims_are_relative_to_the_work_tree(
    coord: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = Path.cwd()
    monkeypatch.chdir(project / "src")
    assert cli("session", "claim", str(coord), "--id", "alpha", "--path", "api/*.py", "docs/") == 0
    held = sorted(
        (json.loads(p.read_text())["resource_name"], json.loads(p.read_text())["worktree"])
        for p in (coord / "claims").iterdir()
    )
    assert held == [("src/api/*.py", str(project)), ("src/docs/*", str(project))]
    other_tree = project.parent / "worktree-2"
    (other_tree / ".git").mkdir(parents=True)
    hits = claims.path_conflicts(
        str(coord), "beta", ["src/api/users.py", "README.md"], str(other_tree), 2e9 - 1e9
    )
    assert [(claim["claimed_by"], path) for claim, path in hits] == [("alpha", "src/api/users.py")]
    assert claims.path_conflicts(str(coord), "alpha", ["src/api/users.py"], str(project), 1e9) == []
    assert cli("session", "release", str(coord), "--id", "alpha", "--path", "api/*.py") == 0
    assert cli("session", "claim", str(coord), "--id", "alpha", "--path", "/etc/*") == 2


def test_inbox_delivers_each_message_once(coord: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli("session", "start", str(coord), "--id", "me")
    write_message(coord, Draft("broadcast", "hello all", "body 1", "other"))
    write_message(coord, Draft("broadcast", "hello all", "same second", "other"))
    write_message(coord, Draft("broadcast", "from me", "mine", "me"))
    write_message(coord, Draft("me", "for you", "body 2", "other"))
    capsys.readouterr()
    assert cli("session", "inbox", str(coord), "--id", "me", "--json", "--peek") == 0
    peeked = json.loads(capsys.readouterr().out)
    assert cli("session", "inbox", str(coord), "--id", "me", "--json") == 0
    read = json.loads(capsys.readouterr().out)
    assert peeked == read
    assert sorted(m["message"] for m in read) == ["body 1", "body 2", "same second"]
    assert {m["kind"] for m in read} == {"broadcast", "direct"}
    assert cli("session", "inbox", str(coord), "--id", "me", "--json") == 0
    assert json.loads(capsys.readouterr().out) == []
    write_message(coord, Draft("me", "again", "body 3", "other"))
    assert cli("session", "inbox", str(coord), "--id", "me") == 0
    out = capsys.readouterr().out
    assert "direct from other" in out and "body 3" in out and "body 1" not in out


def test_inbox_read_by_a_pipe_that_closes_early_keeps_the_messages(coord: Path) -> None:
    """``session inbox | head -1``: no complaint on stderr, exit 141 like SIGPIPE, and
    the messages stay unread (the reader did not get them all)."""
    import subprocess
    import sys

    cli("session", "start", str(coord), "--id", "me")
    for number in range(400):  # more than a pipe's buffer holds
        write_message(coord, Draft("broadcast", f"note {number}", "x" * 300, "other"))
    command = [sys.executable, "-m", "coordinator_tui", "session", "inbox", str(coord)]
    reader = subprocess.Popen(
        [*command, "--id", "me"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert reader.stdout is not None and reader.stderr is not None
    first = reader.stdout.readline()
    reader.stdout.close()
    assert reader.wait(timeout=60) == 141
    assert first.startswith(b"broadcast from other")
    assert reader.stderr.read() == b""
    unread = subprocess.run(
        [*command, "--id", "me", "--json", "--peek"], capture_output=True, check=True
    )
    assert len(json.loads(unread.stdout)) == 400


def test_session_files_are_never_written_through_a_link_out(coord: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (coord / "sessions").rmdir()
    (coord / "sessions").symlink_to(outside)
    assert cli("session", "start", str(coord), "--id", "x") == 1
    assert list(outside.iterdir()) == []
    with pytest.raises(fsio.UnsafeFolder):
        fsio.ensure_folder(str(coord), "sessions")


def test_ttl_parsing() -> None:
    assert [claims.parse_ttl(t) for t in ("2h", "30m", "90s", "1d", "1.5")] == [
        2.0,
        0.5,
        0.025,
        24.0,
        1.5,
    ]
    for bad in ("", "0h", "-1h", "soon", "nanh"):
        with pytest.raises(ValueError):
            claims.parse_ttl(bad)


def test_tmux_switch_command() -> None:
    assert tmux_switch_command("%12")[:4] == ["tmux", "switch-client", "-t", "%12"]
    assert tmux_switch_command("%12", "/tmp/tmux-1000/default")[:3] == [
        "tmux",
        "-S",
        "/tmp/tmux-1000/default",
    ]
    assert tmux_switch_command("%12").count("%12") == 3
    for bad in ("12", "%1;kill-server", "-t", "%"):
        with pytest.raises(ValueError):
            tmux_switch_command(bad)


def test_hook_placeholders_match_the_settings_default() -> None:
    assert context.PLACEHOLDER_TEXTS == DEFAULT_PLACEHOLDERS
