"""``start`` and ``stop`` against real tmux and git, with stand-in agents on PATH."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from coordinator_tui.cli import main
from tests.launchkit import Lab, alive, children, cmdline, make_lab, needs_tmux, wait_for

pytestmark = needs_tmux

HOSTILE = 'Fix login $(touch PWNED) `touch PWNED2` "quoted" it\'s; rm -rf ~ \\ done'
PRIORITIES = f"90:fix_login:{HOSTILE}\n70:spec gen/v2:Write the spec\n"


@pytest.fixture
def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Lab]:
    yield from make_lab(tmp_path, PRIORITIES, monkeypatch)


def start(lab: Lab, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    code = main(["start", "--dir", str(lab.coord), *args])
    captured = capsys.readouterr()
    return code, (captured.out + captured.err).splitlines()


def status(lab: Lab, capsys: pytest.CaptureFixture[str]) -> dict:
    assert main(["status", str(lab.coord), "--json"]) in (0, 1)
    return json.loads(capsys.readouterr().out)


def agent_process(pane_pid: int) -> int:
    """The stand-in agent: the child of the window's shell."""
    found = wait_for(lambda: children(pane_pid), 10, "the agent's process")
    return int(found[0])


def test_start_in_a_worktree(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = start(lab, capsys, "--priority", "fix_login", "--worktree")
    assert code == 0, out
    session = out[0]
    view = next(s for s in status(lab, capsys)["sessions"] if s["id"] == session)
    # Shown at once (start writes the file before it returns), with the window's pane.
    assert view["health"] == "starting"
    panes = {line.split()[1]: line for line in lab.windows()}
    assert view["tmux_pane"] in panes and "claude-fix_login" in panes[view["tmux_pane"]]
    worktree = lab.base / "project-agent-fix_login"
    assert worktree.is_dir() and f"worktree {worktree} on branch agent/fix_login" in out
    assert lab.git("branch", "--list", "agent/fix_login").strip().endswith("agent/fix_login")
    assert lab.git("worktree", "list").count("agent/fix_login") == 1
    argv = lab.argv(session)
    assert argv[0].endswith("/claude") and argv[1:3] == ["--session-id", session]
    prompt = argv[-1]
    assert prompt.startswith("Priority fix_login (score 90): ") and HOSTILE in prompt
    assert session in prompt and str(lab.coord) in prompt
    hooks = json.loads(argv[argv.index("--settings") + 1])
    assert "coordinator_tui.agents.hook" in json.dumps(hooks["hooks"]["Stop"])
    assert not list(lab.base.rglob("PWNED*")), "the priority's text was run"
    pid = agent_process(view["pid"])
    assert HOSTILE in " ".join(cmdline(pid))
    assert lab.git("status", "--porcelain", cwd=worktree) == ""  # hooks left no file
    document = lab.session_file(session)
    assert document["cwd"] == str(worktree) and document["branch"] == "agent/fix_login"
    assert document["priority"] == "fix_login" and document["agent"] == "claude"
    timeline = [json.loads(p.read_text()) for p in (lab.coord / "heartbeats").iterdir()]
    assert [line["action"] for line in timeline] == ["started"]
    assert "agent/fix_login" in timeline[0]["detail"]


def test_stop_ends_process_window_claims_and_keeps_a_dirty_worktree(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = start(lab, capsys, "--priority", "fix_login", "--worktree")
    assert code == 0, out
    session = out[0]
    pane = lab.session_file(session)["tmux_pane"]
    pid = agent_process(lab.session_file(session)["pid"])
    assert main(["session", "claim", str(lab.coord), "--id", session, "--name", "login"]) == 0
    worktree = lab.base / "project-agent-fix_login"
    (worktree / "src" / "app.py").write_text("x = 2\n")
    capsys.readouterr()
    assert main(["stop", session, "--dir", str(lab.coord), "--yes", "--remove-worktree"]) == 0
    out = capsys.readouterr().out
    assert not alive(pid)
    assert all(pane not in line for line in lab.windows())
    assert not list((lab.coord / "claims").glob("*.claim"))
    assert lab.session_file(session)["state"] == "ended"
    assert worktree.is_dir() and (worktree / "src" / "app.py").read_text() == "x = 2\n"
    assert "kept: 1 uncommitted changes" in out and "branch agent/fix_login holds" in out
    actions = sorted(
        json.loads(p.read_text())["action"] for p in (lab.coord / "heartbeats").iterdir()
    )
    assert actions == ["started", "stopped"]


def test_stop_removes_a_clean_worktree_and_keeps_its_branch(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = start(lab, capsys, "--priority", "spec gen/v2", "--worktree", "--window", "x")
    assert code == 0, out
    session = out[0]
    worktree = lab.base / "project-agent-spec-gen-v2"
    lab.argv(session)
    subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@t", "commit", "-q", "--allow-empty",
         "-m", "agent's work"],
        cwd=worktree,
        check=True,
    )  # fmt: skip
    assert main(["stop", session, "--dir", str(lab.coord), "--yes", "--remove-worktree"]) == 0
    out = capsys.readouterr().out
    assert not worktree.exists()
    assert "branch agent/spec-gen-v2 holds its commits (1 since it started)" in out
    assert "agent's work" in lab.git("log", "-1", "--format=%s", "agent/spec-gen-v2")


def test_a_second_start_on_one_priority_gets_its_own_branch(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    first = start(lab, capsys, "--priority", "fix_login", "--worktree")[1][0]
    second = start(lab, capsys, "--priority", "fix_login", "--worktree")[1][0]
    assert lab.session_file(first)["branch"] == "agent/fix_login"
    assert lab.session_file(second)["branch"] == "agent/fix_login-2"
    assert (lab.base / "project-agent-fix_login-2").is_dir()


def test_start_without_worktree_works_here(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = start(lab, capsys, "--priority", "fix_login")
    assert code == 0
    assert lab.session_file(out[0])["cwd"] == str(lab.repo)
    assert lab.git("status", "--porcelain", "--", ".", ":!docs/coordination") == ""


@pytest.mark.parametrize("agent", ["codex", "gemini"])
def test_codex_and_gemini_get_project_hooks_out_of_git_status(
    lab: Lab, capsys: pytest.CaptureFixture[str], agent: str
) -> None:
    code, out = start(lab, capsys, "--priority", "fix_login", "--agent", agent, "--worktree")
    assert code == 0, out
    worktree = lab.base / "project-agent-fix_login"
    settings = {"codex": ".codex/hooks.json", "gemini": ".gemini/settings.json"}[agent]
    written = json.loads((worktree / settings).read_text())
    assert str(lab.coord) in json.dumps(written) and "coordinator_tui.agents.hook" in str(written)
    assert lab.git("status", "--porcelain", cwd=worktree) == ""
    assert f"/{settings}" in (lab.repo / ".git" / "info" / "exclude").read_text()
    argv = lab.argv(out[0])
    assert argv[0].endswith(f"/{agent}") and argv[-1].startswith("Priority fix_login")


def test_a_tracked_settings_file_is_refused(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    (lab.repo / ".gemini").mkdir()
    (lab.repo / ".gemini" / "settings.json").write_text("{}\n")
    lab.git("add", ".gemini/settings.json")
    lab.git("commit", "-qm", "gemini settings")
    code, out = start(lab, capsys, "--priority", "fix_login", "--agent", "gemini")
    assert code == 1 and "is tracked by git" in out[-1] and "--scope user" in out[-1]
    assert not list((lab.coord / "sessions").iterdir())  # nothing half-made
    assert (lab.repo / ".gemini" / "settings.json").read_text() == "{}\n"


def test_a_template_runs_the_person_s_command(
    lab: Lab, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COORDINATOR_TUI_START_COMMAND_CODEX", "codex --model x -- {prompt}")
    code, out = start(lab, capsys, "--priority", "fix_login", "--agent", "codex")
    assert code == 0, out
    argv = lab.argv(out[0])
    assert argv[1:4] == ["--model", "x", "--"] and HOSTILE in argv[4]


@pytest.mark.parametrize(
    ("template", "said"),
    [
        ("codex {prompt} {evil}", "unknown placeholder {evil}"),
        ("codex {prompt!r}", "write {prompt} alone"),
        ("codex", "must pass {prompt}"),
        ("codex {hooks} {prompt}", "{hooks} is not available for codex"),
        ("codex {prompt", "write {{ and }}"),
    ],
)
def test_a_bad_template_is_one_line(
    lab: Lab,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    template: str,
    said: str,
) -> None:
    monkeypatch.setenv("COORDINATOR_TUI_START_COMMAND_CODEX", template)
    code, out = start(lab, capsys, "--priority", "fix_login", "--agent", "codex", "--worktree")
    assert code == 1 and len(out) == 1 and said in out[0]
    assert len(lab.windows()) == 1
    assert "agent" not in lab.git("branch")  # refused before anything was made


def test_unknown_priority_and_bad_lines(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = start(lab, capsys, "--priority", "nope")
    assert code == 1 and "no priority 'nope'" in out[0] and "fix_login" in out[0]
    assert main(["start", "--dir", str(lab.coord)]) == 2
    assert main(["start", "--priority", "x", "--agent", "vim"]) == 2
    assert main(["stop", "--dir", str(lab.coord)]) == 2
    capsys.readouterr()
    assert main(["stop", "no-such-session", "--dir", str(lab.coord), "--yes"]) == 1
    assert "no session no-such-session" in capsys.readouterr().err


def test_outside_tmux_a_named_session_is_made(
    lab: Lab, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TMUX")
    monkeypatch.setenv("COORDINATOR_TUI_START_TMUX_SESSION", "agents-here")
    code, out = start(lab, capsys, "--priority", "fix_login")
    assert code == 0, out
    document = lab.session_file(out[0])
    socket = document["tmux_socket"]
    try:
        assert socket.startswith(str(lab.base)) and "of session agents-here" in out[1]
        assert lab.argv(out[0])[-1].startswith("Priority fix_login")
        code, out = start(lab, capsys, "--priority", "fix_login")
        assert code == 0  # the session exists now: a second window in it
        listed = subprocess.run(
            ["tmux", "-S", socket, "list-windows", "-t", "agents-here"],
            capture_output=True,
            text=True,
        ).stdout
        assert len(listed.splitlines()) == 2
    finally:
        subprocess.run(["tmux", "-S", socket, "kill-server"], capture_output=True)


def test_stop_never_signals_a_forged_process(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    """A session file naming a process that is not in its pane (pid of a bystander, with
    its real start time) gets it left alone; only what tmux says runs in the pane ends."""
    bystander = subprocess.Popen(["sleep", "60"])
    try:
        code, out = start(lab, capsys, "--priority", "fix_login")
        assert code == 0, out
        session = out[0]
        path = lab.coord / "sessions" / f"session-{session}.json"
        document = json.loads(path.read_text())
        with open(f"/proc/{bystander.pid}/stat") as handle:
            started = int(handle.read().rpartition(")")[2].split()[19])
        document.update(pid=bystander.pid, pid_start=started)
        path.write_text(json.dumps(document))
        assert main(["stop", session, "--dir", str(lab.coord), "--yes"]) == 0
        assert bystander.poll() is None and alive(bystander.pid)
    finally:
        bystander.kill()
        bystander.wait()
