"""Issue 29 with the real Claude Code, interactive in tmux against the mock model API:
``start`` opens it as the session it wrote, ``send --wake`` delivers a message to it
idle at its prompt exactly once (written → delivered → acted on), a busy agent is not
typed into, and ``stop`` ends it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from harness import PYTHON, Agent, World, have_tmux, unique
from mock_api import Hang, MockAPI, Say

WAKE_LINE = "New coordinator messages: read them"

pytestmark = pytest.mark.skipif(not have_tmux(), reason="needs tmux")


class Lab:
    """A private tmux server whose windows run with the agent's environment, and the
    product's command line run as a client of that server."""

    def __init__(self, world: World, agent: Agent) -> None:
        self.world = world
        self.socket = world.base / "tmux.sock"
        bin_folder = os.path.dirname(PYTHON)
        self.env = {**agent.env, "PATH": f"{agent.env['PATH']}:{bin_folder}"}
        self.env["TMUX_TMPDIR"] = str(world.base)
        subprocess.run(
            ["tmux", "-S", str(self.socket), "new-session", "-d", "-s", "e2e", "-x", "160",
             "-y", "50"],
            env=self.env,
            check=True,
        )  # fmt: skip

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [PYTHON, "-m", "coordinator_tui", *args],
            cwd=self.world.project,
            env={**self.env, "TMUX": f"{self.socket},1,0"},
            capture_output=True,
            text=True,
            timeout=60,
        )

    def screen(self, pane: str) -> str:
        return subprocess.run(
            ["tmux", "-S", str(self.socket), "capture-pane", "-p", "-t", pane],
            capture_output=True,
            text=True,
        ).stdout

    def type(self, pane: str, text: str) -> None:
        base = ["tmux", "-S", str(self.socket), "send-keys", "-t", pane]
        subprocess.run([*base, "-l", text], check=True)
        subprocess.run([*base, "Enter"], check=True)

    def close(self) -> None:
        subprocess.run(["tmux", "-S", str(self.socket), "kill-server"], capture_output=True)


def _document(world: World, sid: str) -> dict[str, Any]:
    try:
        return json.loads((world.coord / "sessions" / f"session-{sid}.json").read_text())
    except (OSError, ValueError):
        return {}


def _receipt(world: World, subject: str) -> dict[str, Any]:
    latest = world.status()["messages"]["latest"]
    (message,) = [item for item in latest if item["subject"] == subject]
    (receipt,) = message["receipts"]
    return dict(receipt)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
def test_start_wake_receipts_and_stop_with_claude(
    world: World, api: MockAPI, make_agent: Any
) -> None:
    claude = make_agent("claude")
    (world.coord / "priorities.txt").write_text("90:greet:Say hello to the team\n")
    lab = Lab(world, claude)
    try:
        api.script(Say("Ready."))
        done = lab.cli("start", "--dir", str(world.coord), "--priority", "greet")
        assert done.returncode == 0, done.stderr
        sid = done.stdout.splitlines()[0]
        view = next(s for s in world.status()["sessions"] if s["id"] == sid)
        assert view["health"] in ("starting", "idle", "working") and view["tmux_pane"]
        pane = view["tmux_pane"]
        first = api.wait_for_main(1)
        assert "Say hello to the team" in first.text  # the priority was its first prompt
        world.wait_for(lambda: _document(world, sid).get("state") == "idle", 60, "idle")
        assert [d["session_id"] for d in world.session_files().values()] == [sid]  # one

        body = unique("BODY")
        api.script(Say("Got it."))
        before = len(api.main_requests())
        sent = time.monotonic()
        done = lab.cli("send", str(world.coord), "--to", sid, "--subject", "T", "--message",
                       body, "--wake")  # fmt: skip
        assert done.returncode == 0 and f"woke {sid}" in done.stdout, done.stderr
        world.wait_for(
            lambda: any(body in r.text for r in api.main_requests()[before:]), 10, "B received"
        )
        assert time.monotonic() - sent < 10
        world.wait_for(lambda: _receipt(world, "T")["stage"] == "acted on", 30, "acted on")
        holding = [r for r in api.main_requests() if body in r.text]
        assert holding[0].text.count(body) == 1  # into the context once
        assert len(api.main_requests()) == before + 1  # one turn, no second delivery
        receipt = _receipt(world, "T")
        assert receipt["written_at"] <= receipt["delivered_at"] <= receipt["acted_at"]

        api.script(Hang())
        turns = len(api.main_requests())
        lab.type(pane, "now work for a while")
        api.wait_for_main(turns + 1)  # the model is being asked: the turn runs
        assert _document(world, sid).get("state") == "working"
        asked = len(api.main_requests())
        done = lab.cli("send", str(world.coord), "--to", sid, "--subject", "T2", "--message",
                       unique("SECOND"), "--wake")  # fmt: skip
        assert done.returncode == 0 and "not woken: the session is working" in done.stderr
        time.sleep(2)
        assert WAKE_LINE not in lab.screen(pane).split("now work for a while")[-1]
        assert len(api.main_requests()) == asked

        done = lab.cli("stop", sid, "--dir", str(world.coord), "--yes")
        assert done.returncode == 0, done.stderr
        assert _document(world, sid)["state"] == "ended"
        actions = sorted(
            json.loads(path.read_text())["action"]
            for path in (world.coord / "heartbeats").iterdir()
        )
        assert actions == ["started", "stopped", "woken"]
    finally:
        lab.close()


def test_the_launch_command_is_this_checkout() -> None:
    """The suite drives this checkout's command line (``E2E_PYTHON`` may point
    elsewhere): it must know ``start``."""
    done = subprocess.run(
        [PYTHON, "-m", "coordinator_tui", "start", "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0 and "--worktree" in done.stdout, (sys.executable, done.stderr)
    assert Path(PYTHON).exists()
