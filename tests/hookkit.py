"""Running hooks the way the agents run them: the command read back from the installed
settings, through a shell, the event's JSON on stdin, in the project folder."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coordinator_tui.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "hooks"
SETTINGS = {
    "claude": ".claude/settings.json",
    "gemini": ".gemini/settings.json",
    "codex": ".codex/hooks.json",
}


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)


def fixture(agent: str, event: str, session: str, cwd: Path) -> str:
    """A documented event payload with this test's session id and project folder."""
    text = (FIXTURES / agent / f"{event}.json").read_text(encoding="utf-8")
    return text.replace("@SESSION@", session).replace("@CWD@", str(cwd))


def install(project: Path, coord: Path, agent: str, *extra: str) -> int:
    here = os.getcwd()
    os.chdir(project)
    try:
        return main(["hooks", "install", str(coord), "--agent", agent, *extra])
    finally:
        os.chdir(here)


def commands(project: Path, agent: str, event: str, matcher_for: str | None = None) -> list[str]:
    """The commands the agent would run for ``event`` (and tool or type ``matcher_for``)."""
    import re

    settings = json.loads((project / SETTINGS[agent]).read_text(encoding="utf-8"))
    found = []
    for group in settings.get("hooks", {}).get(event, []):
        matcher = group.get("matcher")
        wanted = matcher and matcher != "*" and matcher_for is not None
        if wanted and not re.fullmatch(matcher, matcher_for or ""):
            continue
        found += [hook["command"] for hook in group["hooks"] if hook.get("type") == "command"]
    return found


NO_WAIT = {"COORDINATOR_TUI_APPROVAL_WAIT_S": "0"}
"""A PermissionRequest hook waits for an answer from the approval inbox; tests of other
behaviour let it give up at once (``tests/approvals/test_hook.py`` waits)."""


def run(command: str, payload: str, cwd: Path, env: dict[str, str] | None = None) -> Result:
    env = {**NO_WAIT, **(env or {})}
    done = subprocess.run(
        command,
        shell=True,
        input=payload.encode("utf-8"),
        cwd=cwd,
        capture_output=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )
    return Result(done.returncode, done.stdout.decode(), done.stderr.decode())


def fire(
    project: Path, agent: str, event: str, session: str, matcher_for: str | None = None
) -> Result:
    """Run every installed command of ``event`` with the fixture payload; the last result
    (we install exactly one command an event)."""
    payload = fixture(agent, event, session, project)
    found = commands(project, agent, event, matcher_for)
    assert len(found) == 1, found
    return run(found[0], payload, project)
