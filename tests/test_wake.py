"""``send --wake`` and ``launch.wake``: one line typed into an idle agent's prompt, never
into a turn or a dialog. The screens are Claude Code 2.1.332's, captured in tmux."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from coordinator_tui.cli import main
from coordinator_tui.launch.wake import WAKE_LINE, prompt_ready
from tests.launchkit import Lab, make_lab, needs_tmux, wait_for

PANES = Path(__file__).parent / "fixtures" / "panes"
SESSION = "0e6f3c8a-5b2d-4f61-8c0e-7a9d1b2c3d4e"
SHOW = """import sys
sys.stdout.write(open(sys.argv[1]).read().rstrip("\\n"))
sys.stdout.flush()
line = sys.stdin.readline()
open(sys.argv[2], "w").write(line)
"""


def screen(name: str) -> str:
    return (PANES / f"claude-{name}.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "ready", "reason"),
    [
        ("idle", True, "ready"),
        ("fresh", True, "ready"),
        ("busy", False, "a turn running"),
        ("dialog", False, "a dialog"),
    ],
)
def test_claude_s_prompt_is_told_from_a_turn_and_a_dialog(
    name: str, ready: bool, reason: str
) -> None:
    found, why = prompt_ready("claude", screen(name))
    assert found is ready and reason in why


@pytest.mark.parametrize(
    ("name", "ready", "reason"),
    [("idle", True, "ready"), ("busy", False, "empty prompt"), ("dialog", False, "a dialog")],
)
def test_codex_s_prompt_is_told_from_a_sent_line_and_its_model_dialog(
    name: str, ready: bool, reason: str
) -> None:
    text = (PANES / f"codex-{name}.txt").read_text(encoding="utf-8")
    found, why = prompt_ready("codex", text)
    assert found is ready and reason in why


def test_a_typed_but_unsent_prompt_is_not_empty() -> None:
    typed = screen("idle").replace("❯\xa0\n", "❯\xa0half a thought\n")
    assert typed != screen("idle")
    assert prompt_ready("claude", typed) == (
        False,
        "the pane does not show the agent's empty prompt",
    )


def test_a_shell_prompt_is_not_an_agent() -> None:
    assert prompt_ready("claude", "user@host:~/project$ \n")[0] is False
    assert prompt_ready("codex", "user@host:~/project$ \n")[0] is False


@pytest.fixture
def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Lab]:
    yield from make_lab(tmp_path, "90:x:X\n", monkeypatch)


def agent_pane(lab: Lab, name: str, state: str = "idle") -> Path:
    """A pane showing Claude Code's screen ``name`` and recording the line typed into it;
    the session file of an agent there in ``state``. The file the line goes to."""
    typed = lab.base / f"typed-{name}.txt"
    script = lab.base / "show.py"
    script.write_text(SHOW)
    pane = lab.tmux(
        "new-window", "-d", "-P", "-F", "#{pane_id}", "--",
        sys.executable, str(script), str(PANES / f"claude-{name}.txt"), str(typed),
    ).strip()  # fmt: skip
    wait_for(lambda: "────" in lab.tmux("capture-pane", "-p", "-t", pane), 10, "the screen")
    document = {
        "session_id": SESSION,
        "status": "active",
        "last_heartbeat": "2099-01-01T00:00:00Z",
        "agent": "claude",
        "state": state,
        "tmux_pane": pane,
        "tmux_socket": str(lab.socket),
        "host": os.uname().nodename,
    }
    (lab.coord / "sessions" / f"session-{SESSION}.json").write_text(json.dumps(document))
    return typed


def send(lab: Lab, *extra: str) -> int:
    return main(
        ["send", str(lab.coord), "--to", SESSION, "--subject", "T", "--message", "B", *extra]
    )


@needs_tmux
def test_send_wake_types_one_line_at_an_idle_prompt(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    typed = agent_pane(lab, "idle")
    assert send(lab, "--wake") == 0
    out = capsys.readouterr().out
    assert "woke " + SESSION in out
    assert wait_for(lambda: typed.is_file() and typed.read_text(), 10, "the line") == (
        WAKE_LINE + "\n"
    )
    assert list((lab.coord / "messages" / "direct" / SESSION).iterdir())
    (line,) = [json.loads(p.read_text()) for p in (lab.coord / "heartbeats").iterdir()]
    assert line["session_id"] == SESSION and line["action"] == "woken"


@needs_tmux
@pytest.mark.parametrize(
    ("name", "state"), [("busy", "idle"), ("dialog", "idle"), ("idle", "working")]
)
def test_a_busy_agent_is_not_typed_into(
    lab: Lab, capsys: pytest.CaptureFixture[str], name: str, state: str
) -> None:
    typed = agent_pane(lab, name, state)
    assert send(lab, "--wake") == 0  # the message is written all the same
    captured = capsys.readouterr()
    assert captured.out.strip().endswith(".json")
    assert "the message is written; not woken:" in captured.err
    time.sleep(0.5)
    assert not typed.exists()
    assert not (lab.coord / "heartbeats").exists()


@needs_tmux
def test_a_gone_pane_is_not_typed_into(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    agent_pane(lab, "idle")
    path = lab.coord / "sessions" / f"session-{SESSION}.json"
    document = json.loads(path.read_text())
    document["tmux_pane"] = "%999"
    path.write_text(json.dumps(document))
    assert send(lab, "--wake") == 0
    assert "its tmux pane %999 is gone" in capsys.readouterr().err


def test_wake_needs_one_session(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "sessions").mkdir()
    code = main(["send", str(tmp_path), "--to", "broadcast", "--subject", "s", "--message", "m",
                 "--wake"])  # fmt: skip
    assert code == 2 and "--wake needs --to SESSION" in capsys.readouterr().err
    assert not (tmp_path / "messages").exists()
