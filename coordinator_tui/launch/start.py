"""``start``: an agent in a new tmux window, on one priority, as a session we wrote.

In order: the priority is read from ``priorities.txt``; with ``worktree`` a git worktree
is made on ``agent/<priority>``; our hooks are made available to the agent without
changing a tracked file (Claude Code: ``--settings`` on its command line; Codex and
Gemini CLI: their project settings file, kept out of ``git status`` through the
repository's ``info/exclude``, unless the hooks are already installed); the session file
is written (health ``starting``, its work the priority) with the launch record; then the
window opens running ``/bin/sh -c`` over the command template (``launch.command``), with
``COORDINATOR_SESSION`` and ``COORDINATOR_DIR`` in its environment, and the session
file gets the window's pane and process. The agent's hooks then speak as that session
(``agents.launched``), so one session, not two, goes on to work.
"""

from __future__ import annotations

import os
import shlex
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from coordinator_tui.agents import client, install, launched, process, tmux
from coordinator_tui.files.layout import Place
from coordinator_tui.files.load import load
from coordinator_tui.files.records import FileKind, PriorityItem
from coordinator_tui.launch import command, records, worktree
from coordinator_tui.settings import Settings

AGENTS = command.AGENTS
PROJECT_FILES = {"codex": ".codex/hooks.json", "gemini": ".gemini/settings.json"}
CLOSE_ON_FAILURE = (
    'status=$?\nif [ "$status" -ne 0 ] && [ "$status" -lt 128 ]; then\n'
    "  printf '\\n[coordinator-tui] the agent exited with status %s; "
    'press Enter to close this window\\n\' "$status"\n  read -r _\nfi\n'
)
"""After the agent: a failed start stays on screen until read (a kill closes at once)."""


class LaunchError(Exception):
    """Starting (or stopping, or waking) cannot go on; one line saying why."""


@dataclass(frozen=True)
class StartRequest:
    root: Path
    priority: str
    agent: str = "claude"
    worktree: bool = False
    window: str | None = None
    cwd: Path | None = None
    """Where the agent works without a worktree (default: this process's folder)."""


@dataclass(frozen=True)
class Started:
    session_id: str
    agent: str
    priority: str
    pane: str
    window: str
    tmux_session: str
    socket: str | None
    cwd: Path
    worktree: worktree.Worktree | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    """What else was done (hooks installed, a path excluded), one line each."""


def find_priority(root: Path, name: str, settings: Settings) -> PriorityItem:
    """The priority named ``name`` in ``priorities.txt`` (``LaunchError`` if none)."""
    place = Place(FileKind.PRIORITIES)
    loaded = load(
        str(root), "priorities.txt", place, settings.max_file_bytes, os.path.realpath(root)
    )
    if loaded.error is not None or not isinstance(loaded.record, tuple):
        raise LaunchError(f"no priorities to start from: priorities.txt {loaded.error or 'empty'}")
    for item in loaded.record:
        if isinstance(item, PriorityItem) and item.name == name:
            return item
    names = ", ".join(item.name for item in loaded.record[:5] if isinstance(item, PriorityItem))
    raise LaunchError(f"no priority {name!r} in priorities.txt (first ones: {names or 'none'})")


def start(
    request: StartRequest,
    settings: Settings,
    now: datetime | None = None,
    environ: dict[str, str] | None = None,
) -> Started:
    """Open the agent; ``LaunchError`` (nothing left half-made but a worktree, named)."""
    env = dict(os.environ if environ is None else environ)
    moment = now or datetime.now(timezone.utc)
    if request.agent not in AGENTS:
        raise LaunchError(f"unknown agent {request.agent!r} (one of {', '.join(AGENTS)})")
    root = Path(os.path.abspath(request.root))
    item = find_priority(root, request.priority, settings)
    session_id = str(uuid.uuid4())
    setting = f"start_command_{request.agent}"
    values = {
        "prompt": command.first_prompt(item, session_id, str(root)),
        "session": session_id,
        "dir": str(root),
        "priority": item.name,
    }
    try:
        command.check(command.template_of(settings, request.agent), setting, request.agent)
    except command.TemplateError as error:
        raise LaunchError(str(error)) from None
    made = _worktree(request, item) if request.worktree else None
    cwd = made.path if made is not None else Path(request.cwd or os.getcwd())
    notes: list[str] = []
    try:
        if request.agent == "claude":
            values["hooks"] = _claude_hooks(root, cwd, env)
        else:
            notes += _project_hooks(request.agent, root, cwd, env)
        template = command.template_of(settings, request.agent)
        line = command.render(template, setting, request.agent, values)
    except (command.TemplateError, install.InstallError, worktree.GitError, OSError) as error:
        raise LaunchError(_with_worktree(str(error), made)) from None
    script = _script(line, settings.start_worktree_setup if made else "")
    socket = tmux.current_socket(env)
    _write_session(root, session_id, request.agent, item, cwd, made, socket, moment)
    window_env = {"COORDINATOR_SESSION": session_id, "COORDINATOR_DIR": str(root)}
    if made is not None:
        window_env["COORDINATOR_TUI_REPO"] = str(made.repository)
    name = request.window or f"{request.agent}-{worktree.slug(item.name)}"
    try:
        opened = tmux.open_window(
            ["/bin/sh", "-c", script],
            name=name,
            cwd=str(cwd),
            env=window_env,
            socket=socket,
            session=None if socket else settings.start_tmux_session,
        )
    except (tmux.TmuxError, ValueError, OSError) as error:
        client.end(str(root), session_id)
        records.forget(root, session_id)
        raise LaunchError(_with_worktree(str(error), made)) from None
    _placed(root, session_id, opened)
    where = f"tmux window {opened.window} ({opened.pane})"
    if made is not None:
        where += f", worktree {made.path} on branch {made.branch}"
    detail = f"{request.agent} on priority {item.name}, {where}"
    records.timeline(root, session_id, "started", detail, moment)
    return Started(
        session_id,
        request.agent,
        item.name,
        opened.pane,
        opened.window,
        opened.session,
        opened.socket,
        cwd,
        made,
        tuple(notes),
    )


def _with_worktree(reason: str, made: worktree.Worktree | None) -> str:
    if made is None:
        return reason
    return f"{reason} (the worktree {made.path} on branch {made.branch} is left as it is)"


def _worktree(request: StartRequest, item: PriorityItem) -> worktree.Worktree:
    here = Path(request.cwd or os.getcwd())
    repository = worktree.toplevel(here) or worktree.toplevel(request.root)
    if repository is None:
        raise LaunchError(f"--worktree needs a git repository: {here} is not in one")
    try:
        return worktree.add(repository, item.name)
    except worktree.GitError as error:
        raise LaunchError(str(error)) from None


def _claude_hooks(root: Path, cwd: Path, env: dict[str, str]) -> str:
    """``--settings`` JSON with our hooks, or ``{}`` when the person's own settings
    already run them for this directory (they would run twice)."""
    hook = install.hook_command(str(root), "claude")
    home = env.get("HOME") or str(Path.home())
    places = [
        install.settings_path("claude", "user", str(cwd), home),
        install.settings_path("claude", "project", str(cwd), home),
        os.path.join(cwd, ".claude", "settings.local.json"),
    ]
    for path in places:
        if os.path.isfile(path) and not install.plan_json(path, "claude", hook).changed:
            return "{}"
    return command.claude_hooks(str(root))


def _project_hooks(agent: str, root: Path, cwd: Path, env: dict[str, str]) -> list[str]:
    """Codex and Gemini CLI read hooks from files only: installed into the project's
    settings file unless already installed (user or project scope); the file is kept
    out of ``git status``; a tracked one is refused (installing would change it)."""
    home = env.get("HOME") or str(Path.home())
    for scope in ("user", "project"):
        planned = install.plan(agent, str(root), scope, str(cwd), home, True)[0]
        if os.path.isfile(planned.path) and not planned.changed:
            return []
    relative = PROJECT_FILES[agent]
    top = worktree.toplevel(cwd)
    inside = os.path.relpath(cwd / relative, top) if top is not None else relative
    if top is not None and worktree.tracked(top, inside):
        raise LaunchError(
            f"{cwd / relative} is tracked by git: installing our hooks there would change the "
            f"project; run 'coordinator-tui hooks install {root} --agent {agent} --scope user' "
            "and start again"
        )
    change = install.apply(install.plan(agent, str(root), "project", str(cwd), home, True)[0])
    notes = [f"hooks for {agent} written to {change.path}"]
    if top is not None and worktree.exclude(top, "/" + inside.replace(os.sep, "/")):
        notes.append(f"/{inside} added to the repository's info/exclude (kept out of git status)")
    return notes


def _script(line: str, setup: str) -> str:
    """What ``/bin/sh -c`` runs in the window: the setup (if any), then the agent."""
    parts = []
    if setup.strip():
        parts.append(
            f"if ! /bin/sh -c {shlex.quote(setup)}; then\n"
            "  printf '\\n[coordinator-tui] the worktree setup failed; "
            "press Enter to close this window\\n'\n  read -r _\n  exit 1\nfi\n"
        )
    parts.append(line + "\n" + CLOSE_ON_FAILURE)
    return "".join(parts)


def _write_session(
    root: Path,
    session_id: str,
    agent: str,
    item: PriorityItem,
    cwd: Path,
    made: worktree.Worktree | None,
    socket: str | None,
    moment: datetime,
) -> None:
    work = client.one_line(f"{item.name}: {item.description}" if item.description else item.name)
    place = {"cwd": str(cwd), "tmux_pane": None, "tmux_socket": socket}
    place |= {"host": os.uname().nodename, "pid": None}
    document = client.new_document(session_id, agent, work, [], moment.timestamp(), place)
    document["state"] = "starting"
    document["priority"] = item.name
    document["launched_by"] = "coordinator-tui start"
    record: dict[str, object] = {"session_id": session_id, "agent": agent, "priority": item.name}
    record["created_at"] = document["started_at"]
    if made is not None:
        document["worktree"], document["branch"] = str(made.path), made.branch
        record |= {"worktree": str(made.path), "branch": made.branch, "base": made.base}
        record["repository"] = str(made.repository)
    records.save(root, session_id, record)
    if agent == "claude":
        launched.claim_for(str(root), session_id, session_id)  # --session-id: its own id
    client.save(str(root), document)


def _placed(root: Path, session_id: str, opened: tmux.Window) -> None:
    """The window's pane and first process into the session file (unless the agent's
    hook already spoke) and into the launch record."""
    found = process.stat(opened.pid)
    started = found[2] if found else None
    document = client.load(str(root), session_id)
    fresh = document is not None and document.get("state") == "starting"
    if document is not None and fresh and not document.get("tmux_pane"):
        document.update(tmux_pane=opened.pane, tmux_socket=opened.socket)
        document.update(pid=opened.pid, pid_start=started)
        client.save(str(root), document)
    record = records.load(root, session_id)
    record.update(window=opened.window, pane=opened.pane, tmux_session=opened.session)
    record.update(socket=opened.socket, pid=opened.pid, pid_start=started)
    records.save(root, session_id, record)
