"""Each real agent CLI with our hooks: registration, health over a turn, messages exactly
once (also across a resume), a claimed path blocked, a killed agent ended at once.

The numbers in the test names are the points of issue 25 each one holds."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from harness import (
    Agent,
    Codex,
    Pane,
    Trail,
    World,
    agent_processes,
    have_tmux,
    kill_tree,
    unique,
)
from mock_api import Hang, MockAPI, Say

INTRO = "[coordinator-tui] This session is"


def _prepare(world: World, agent: Agent, *install: str) -> str:
    """Hooks installed as a person would: for Codex, the project trusted first (what
    ``hooks install`` tells them to do), so that the install trusts the hooks."""
    if isinstance(agent, Codex):
        agent.trust_project()
    return world.install_hooks(agent.name, *install)


def _last_main_text(api: MockAPI) -> str:
    requests = api.main_requests()
    assert requests, "the agent never asked the model"
    return requests[-1].text


def _in_order(states: list[str], *wanted: str) -> bool:
    """``wanted`` appear in ``states`` in this order (other states may come between)."""
    rest = iter(states)
    return all(state in rest for state in wanted)


def _problems(world: World, sid: str) -> list[str]:
    return [
        error["reason"]
        for error in world.status().get("errors", [])
        if sid in str(error.get("path"))
    ]


def test_a_turn_registers_the_agent_with_its_process_and_health_1_5_6_8(
    agent: Agent, world: World, api: MockAPI
) -> None:
    _prepare(world, agent)
    news = unique("BROADCAST")
    world.send("broadcast", "news", f"please read {news}")
    work = unique("Fix the login bug")
    agent.script(agent.edit("src/free.py"), Say("All done."))
    with Trail(world) as trail:
        done = agent.run(f"{work}\nThe cookie is dropped after the redirect.")
    assert done.returncode == 0, done.stderr[-2000:]
    assert (world.project / "src" / "free.py").read_text() == "y = 2\n"

    session = world.agent_session()
    sid = str(session["session_id"])
    assert session["agent"] == agent.name
    # each point checked on its own, so a run against older code names every one it misses
    seen = api.main_requests()[0].snapshot[sid]  # taken while the model was being asked
    states = trail.states[sid]
    failed = [
        point
        for point, holds in (
            ("6: the work is the prompt", session["current_work"] == work),
            ("working while the model is asked", seen["state"] == "working"),
            (
                "1: the recorded pid is the agent's, with its start time",
                any(agent.executable in Path(part).name for part in seen["cmdline"][:2])
                and isinstance(seen["pid_start"], int),
            ),
            (
                "5: working, idle, then ended when the run ends",
                states[-1] == "ended" and _in_order(states, "working", "idle", "ended"),
            ),
            ("the broadcast in the context once", _last_main_text(api).count(news) == 1),
            ("8: no file problem", _problems(world, sid) == []),
        )
        if not holds
    ]
    assert failed == [], f"{failed}: states {states}, process {seen}"


def test_messages_reach_the_model_once_across_a_resume_7(
    agent: Agent, world: World, api: MockAPI
) -> None:
    _prepare(world, agent)
    first = unique("BROADCAST")
    world.send("broadcast", "first", f"read {first}")
    agent.script(Say("One."))
    assert agent.run("Start the work").returncode == 0
    sid = str(world.agent_session()["session_id"])
    assert _last_main_text(api).count(first) == 1

    second, direct = unique("BROADCAST"), unique("DIRECT")
    world.send("broadcast", "second", f"read {second}")
    world.send(sid, "for you", f"read {direct}")
    agent.script(Say("Two."))
    done = agent.run("Go on", resume=sid if agent.name != "gemini" else "latest")
    assert done.returncode == 0, done.stderr[-2000:]
    assert set(world.session_files()) == {sid}
    text = _last_main_text(api)
    # Gemini CLI 0.61 resumes without the earlier prompts (the first context goes too)
    kept = 0 if agent.name == "gemini" else 1
    assert (text.count("Start the work"), text.count("Go on")) == (kept, 1)
    assert (text.count(first), text.count(second), text.count(direct)) == (kept, 1, 1)
    assert text.count(INTRO) == 1  # 7: introduced once per session, not per resume


@pytest.mark.parametrize("conflict", ["default", "deny"])
def test_a_claimed_path_is_blocked_3_9(
    agent: Agent, conflict: str, world: World, api: MockAPI
) -> None:
    _prepare(world, agent, *(["--on-conflict", conflict] if conflict != "default" else []))
    world.claim("holder-1", "src/*")
    agent.script(agent.edit("src/new.py"), Say("Understood."))
    done = agent.run("Write src/new.py")
    assert done.returncode == 0, done.stderr[-2000:]
    assert not (world.project / "src" / "new.py").exists()  # 3: blocked, Codex too
    answer = _last_main_text(api)
    assert "claimed by session holder-1" in answer
    assert "Coordination rule" in answer  # 9: reads as a rule the model can act on


def test_a_killed_agent_is_ended_at_once_1(agent: Agent, world: World, api: MockAPI) -> None:
    _prepare(world, agent)
    agent.script(Hang())
    process = agent.start("Work for a long time")
    try:
        api.wait_for_main(1)
        sid = str(world.wait_for(world.session_files, 10, "the agent registered").popitem()[0])
        assert _health(world, sid) == "working"
        for pid in agent_processes(agent.executable, process.pid):
            os.kill(pid, signal.SIGKILL)
        world.wait_for(lambda: _health(world, sid) == "ended", 2.0, "the killed agent ended")
    finally:
        kill_tree(process)


def _health(world: World, sid: str) -> str:
    for session in world.status()["sessions"]:
        if session["id"] == sid:
            return str(session["health"])
    return ""


@pytest.mark.skipif(not have_tmux(), reason="tmux is not installed")
def test_a_rejected_permission_dialog_leaves_waiting_within_5_s_2(
    world: World, api: MockAPI, make_agent
) -> None:
    """Claude Code in its interactive mode (the only one with a permission dialog), in
    tmux: waiting while the dialog is up; Esc refuses; idle within 5 s; killed: ended."""
    agent: Agent = make_agent("claude")
    _prepare(world, agent)
    agent.script(agent.edit("src/new.py"), Say("Fine, I will not."))
    pane = Pane(world.base / "tmux.sock", agent.env, world.project)
    try:
        pane.start(agent.interactive("Write src/new.py"))
        sid = str(world.wait_for(world.session_files, 30, "the agent registered").popitem()[0])

        def state() -> str:
            return str(world.session_files().get(sid, {}).get("state"))

        world.wait_for(lambda: state() == "waiting", 30, "waiting on the dialog")
        world.wait_for(lambda: "Do you want" in pane.text(), 10, "the dialog on screen")
        assert _health(world, sid) == "waiting"
        pane.keys("Escape")
        world.wait_for(lambda: state() == "idle", 5.0, "waiting cleared after Esc")
        assert not (world.project / "src" / "new.py").exists()
        for pid in agent_processes(agent.executable, pane.pid()):
            os.kill(pid, signal.SIGKILL)
        world.wait_for(lambda: _health(world, sid) == "ended", 2.0, "the killed agent ended")
    finally:
        pane.close()
