"""The real agents, run headless against the mock model API, with our hooks installed.

A ``World`` is one temporary HOME, one git project with ``src/``, and one coordination
directory. ``Claude``, ``Codex`` and ``Gemini`` know how to set their CLI up in it
(settings, the mock as their model API, a dummy key) and how to ask their model for an
edit. Everything the product does is reached through its own command line
(``coordinator-tui hooks install``, ``session``, ``send``, ``status --json``), run by
``E2E_PYTHON`` (default: this interpreter), so the suite can be pointed at another
checkout's code.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from mock_api import Call, MockAPI, Step

HERE = Path(__file__).resolve().parent
AGENTS_DIR = Path(os.environ.get("E2E_AGENTS") or HERE / ".agents")
AGENTS_BIN = AGENTS_DIR / "node_modules" / ".bin"
PYTHON = os.environ.get("E2E_PYTHON") or sys.executable
RUN_TIMEOUT_S = 90.0
BYPASS_CODEX_TRUST = os.environ.get("E2E_CODEX_HOOK_TRUST") == "bypass"
"""Only to try another checkout's hooks without its install trusting them: Codex then runs
hooks it was never told to trust (``--dangerously-bypass-hook-trust``)."""
CLAUDE_KEY = "sk-ant-api03-" + "e2e" * 30


def unique(word: str) -> str:
    """A token that appears in a request body only where we put it."""
    return f"{word}-{uuid.uuid4().hex[:10]}"


class World:
    """A temporary HOME, project and coordination directory for one test."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.home = base / "home"
        self.project = base / "project"
        self.coord = base / "coord"
        for folder in (self.home, self.project / "src", self.coord):
            folder.mkdir(parents=True)
        subprocess.run(["git", "init", "-q", str(self.project)], check=True)
        (self.project / "src" / "x.py").write_text("x = 1\n")
        self.env: dict[str, str] = {
            "HOME": str(self.home),
            "PATH": f"{AGENTS_BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "LANG": "C.UTF-8",
            "TERM": "xterm-256color",
            "TMPDIR": str(base),
        }

    # --- the product's command line ----------------------------------------------------
    def cli(self, *args: str, check: bool = True, cwd: Path | None = None) -> str:
        done = subprocess.run(
            [PYTHON, "-m", "coordinator_tui", *args],
            cwd=cwd or self.project,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"coordinator-tui {' '.join(args)}: {done.stderr}{done.stdout}")
        return done.stdout + done.stderr

    def install_hooks(self, agent: str, *extra: str) -> str:
        return self.cli("hooks", "install", str(self.coord), "--agent", agent, *extra)

    def claim(self, holder: str, glob: str) -> None:
        self.cli("session", "start", str(self.coord), "--id", holder, "--work", "holding src")
        self.cli("session", "claim", str(self.coord), "--id", holder, "--path", glob)

    def send(self, to: str, subject: str, text: str) -> None:
        self.cli("send", str(self.coord), "--to", to, "--subject", subject, "--message", text)

    def status(self) -> dict[str, Any]:
        return json.loads(self.cli("status", str(self.coord), "--json"))

    # --- reading what the hooks wrote -----------------------------------------------------
    def session_files(self) -> dict[str, dict[str, Any]]:
        found = {}
        for path in sorted((self.coord / "sessions").glob("session*.json")):
            try:
                document = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
            if isinstance(document, dict) and document.get("agent") not in (None, "cli"):
                found[str(document.get("session_id"))] = document
        return found

    def agent_session(self) -> dict[str, Any]:
        sessions = self.session_files()
        assert len(sessions) == 1, f"expected one agent session, found {sorted(sessions)}"
        return next(iter(sessions.values()))

    def wait_for(self, predicate: Any, timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.05)
        raise AssertionError(f"not within {timeout} s: {what}")


class Trail:
    """Every distinct state each agent session passes through, polled every 2 ms."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.states: dict[str, list[str]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> Trail:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        time.sleep(0.1)
        self._stop.set()
        self._thread.join()

    def _poll(self) -> None:
        while not self._stop.is_set():
            for sid, document in self.world.session_files().items():
                seen = self.states.setdefault(sid, [])
                state = str(document.get("state"))
                if not seen or seen[-1] != state:
                    seen.append(state)
            time.sleep(0.002)


def snapshot_of(world: World) -> dict[str, Any]:
    """What the agent sessions' files say, and what their recorded process is, taken
    while the model is being asked (the agent is mid-turn)."""
    taken = {}
    for sid, document in world.session_files().items():
        pid = document.get("pid")
        taken[sid] = {
            "state": document.get("state"),
            "pid": pid,
            "pid_start": document.get("pid_start"),
            "cmdline": _cmdline(pid),
        }
    return taken


def _cmdline(pid: object) -> list[str]:
    if not isinstance(pid, int):
        return []
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


class Agent:
    """One CLI: its setup in a World, its command lines, its edit tool."""

    name = ""
    executable = ""

    def __init__(self, world: World, api: MockAPI, base_url: str) -> None:
        self.world = world
        self.api = api
        self.base_url = base_url
        self.env = dict(world.env)
        self.setup()

    def setup(self) -> None:
        raise NotImplementedError

    def edit(self, relative: str, content: str = "y = 2\n") -> Call:
        raise NotImplementedError

    def argv(self, prompt: str, resume: str | None) -> list[str]:
        raise NotImplementedError

    def script(self, *steps: Step) -> None:
        self.api.script(*steps)

    def run(self, prompt: str, resume: str | None = None) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            self.argv(prompt, resume),
            cwd=self.world.project,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
        )
        return done

    def start(self, prompt: str) -> subprocess.Popen[str]:
        """The agent in the background (for a turn the mock holds open)."""
        return subprocess.Popen(
            self.argv(prompt, None),
            cwd=self.world.project,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )

    def tool_result_text(self, request_body: Any) -> str:
        """The text of the tool results the agent sent back to the model."""
        return json.dumps(request_body, ensure_ascii=False)


class Claude(Agent):
    name = "claude"
    executable = "claude"

    def setup(self) -> None:
        config = {
            "hasCompletedOnboarding": True,
            "lastOnboardingVersion": "2.1.332",
            "bypassPermissionsModeAccepted": True,
            "customApiKeyResponses": {"approved": [CLAUDE_KEY[-20:]], "rejected": []},
            "projects": {
                str(self.world.project): {"hasTrustDialogAccepted": True, "allowedTools": []}
            },
        }
        (self.world.home / ".claude.json").write_text(json.dumps(config))
        self.env.update(
            ANTHROPIC_BASE_URL=self.base_url,
            ANTHROPIC_API_KEY=CLAUDE_KEY,
            CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1",
            DISABLE_AUTOUPDATER="1",
        )

    def edit(self, relative: str, content: str = "y = 2\n") -> Call:
        return Call("Write", {"file_path": str(self.world.project / relative), "content": content})

    def argv(self, prompt: str, resume: str | None) -> list[str]:
        argv = [str(AGENTS_BIN / "claude"), "-p", prompt, "--permission-mode", "acceptEdits"]
        return argv + (["--resume", resume] if resume else [])

    def interactive(self, prompt: str) -> list[str]:
        """The interactive CLI (it has the permission dialog), bounded in time."""
        claude = str(AGENTS_BIN / "claude")
        return ["timeout", "--foreground", "120", claude, "--permission-mode", "default", prompt]


class Codex(Agent):
    name = "codex"
    executable = "codex"

    def setup(self) -> None:
        codex_home = self.world.home / ".codex"
        codex_home.mkdir()
        (codex_home / "config.toml").write_text(
            'model = "gpt-5.5"\nmodel_provider = "mock"\n'
            "[model_providers.mock]\n"
            f'name = "mock"\nbase_url = "{self.base_url}/v1"\n'
            'wire_api = "responses"\nenv_key = "MOCK_API_KEY"\n'
        )
        self.env.update(MOCK_API_KEY="dummy", CODEX_HOME=str(codex_home))
        self.world.env["CODEX_HOME"] = str(codex_home)

    def trust_project(self) -> None:
        """What ``hooks install --agent codex`` tells the person to do for a project."""
        with open(self.world.home / ".codex" / "config.toml", "a") as handle:
            handle.write(f'\n[projects."{self.world.project}"]\ntrust_level = "trusted"\n')

    def edit(self, relative: str, content: str = "y = 2\n") -> Call:
        body = "".join(f"+{line}\n" for line in content.splitlines())
        patch = f"*** Begin Patch\n*** Add File: {relative}\n{body}*** End Patch\n"
        return Call("apply_patch", {"input": patch})

    def argv(self, prompt: str, resume: str | None) -> list[str]:
        codex = [str(AGENTS_BIN / "codex"), "exec"]
        if BYPASS_CODEX_TRUST:
            codex.append("--dangerously-bypass-hook-trust")
        return [*codex, "resume", resume, prompt] if resume else [*codex, prompt]


class Gemini(Agent):
    name = "gemini"
    executable = "gemini"

    def setup(self) -> None:
        folder = self.world.home / ".gemini"
        folder.mkdir()
        settings = {
            "security": {
                "auth": {"selectedType": "gemini-api-key"},
                "folderTrust": {"enabled": False},
            },
            "privacy": {"usageStatisticsEnabled": False},
            "general": {"disableAutoUpdate": True},
        }
        (folder / "settings.json").write_text(json.dumps(settings))
        self.env.update(GEMINI_API_KEY="dummy", GOOGLE_GEMINI_BASE_URL=self.base_url)

    def edit(self, relative: str, content: str = "y = 2\n") -> Call:
        return Call(
            "write_file", {"file_path": str(self.world.project / relative), "content": content}
        )

    def argv(self, prompt: str, resume: str | None) -> list[str]:
        argv = [str(AGENTS_BIN / "gemini"), "-p", prompt, "--approval-mode", "auto_edit"]
        return argv + (["--resume", resume] if resume else [])


AGENTS: dict[str, type[Agent]] = {"claude": Claude, "codex": Codex, "gemini": Gemini}


def agent_processes(executable: str, root: int) -> list[int]:
    """Processes below ``root`` whose command line names ``executable`` (the agent may be
    a launcher and its child)."""
    found = []
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry))
    stack = [root]
    while stack:
        pid = stack.pop()
        if any(executable in Path(part).name for part in _cmdline(pid)[:2]):
            found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def kill_tree(process: subprocess.Popen[str]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:
        pass
    process.wait(timeout=10)


class Pane:
    """A terminal of its own: a private tmux server (``-S socket``) with one pane."""

    def __init__(self, socket: Path, env: dict[str, str], cwd: Path) -> None:
        self.base = ["tmux", "-S", str(socket)]
        self.env = env
        self.cwd = cwd

    def start(self, argv: list[str]) -> None:
        command = shlex.join(["env", "-i", *(f"{k}={v}" for k, v in self.env.items()), *argv])
        subprocess.run(
            [
                *self.base,
                "new-session",
                "-d",
                "-x",
                "160",
                "-y",
                "50",
                "-c",
                str(self.cwd),
                command,
            ],
            check=True,
            env={**os.environ, "TMUX": ""},
        )

    def text(self) -> str:
        done = subprocess.run([*self.base, "capture-pane", "-p"], capture_output=True, text=True)
        return done.stdout

    def keys(self, *keys: str) -> None:
        subprocess.run([*self.base, "send-keys", *keys], check=True)

    def pid(self) -> int:
        done = subprocess.run(
            [*self.base, "display-message", "-p", "#{pane_pid}"], capture_output=True, text=True
        )
        return int(done.stdout.strip())

    def close(self) -> None:
        subprocess.run([*self.base, "kill-server"], capture_output=True)


def have_tmux() -> bool:
    return shutil.which("tmux") is not None
