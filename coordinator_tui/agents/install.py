"""Installing the hooks into each agent's settings, and taking them out again.

Merged, never overwritten: every other key and every other tool's hook stays as it
was. Our entries are recognised by the module name in their command, so install is
idempotent (a second run finds nothing to change and leaves the file byte for byte)
and uninstall removes only ours. A changed file is first copied to a timestamped
``.bak`` beside it, then replaced atomically. The installed command names the
interpreter and the coordination directory by absolute path: hooks run from the
agent's working folder, with the agent's environment.
"""

from __future__ import annotations

import errno
import json
import math
import os
import re
import shlex
import shutil
import stat
import sys
import time
from dataclasses import dataclass
from typing import Any

from coordinator_tui.agents.approvals import TIMEOUT_MARGIN_S
from coordinator_tui.files import fsio

MARKER = "coordinator_tui.agents.hook"
TOML_MARKER = "# coordinator-tui hook"
CLAUDE_EDIT_TOOLS = "Edit|Write|MultiEdit|NotebookEdit"
AGENT_NAMES = ("claude", "codex", "gemini")

# (event, matcher or None) per agent, from ../shared/AGENTS.md.
EVENTS: dict[str, tuple[tuple[str, str | None], ...]] = {
    "claude": (
        ("SessionStart", None),
        ("UserPromptSubmit", None),
        ("PreToolUse", CLAUDE_EDIT_TOOLS),
        ("PostToolUse", None),
        ("PermissionRequest", None),
        ("Notification", "permission_prompt|elicitation_dialog|idle_prompt"),
        ("Stop", None),
        ("SessionEnd", None),
    ),
    "codex": (
        ("SessionStart", None),
        ("UserPromptSubmit", None),
        ("PreToolUse", "apply_patch|" + CLAUDE_EDIT_TOOLS),
        ("PermissionRequest", None),
        ("PostToolUse", None),
        ("Stop", None),
        ("SessionEnd", None),
    ),
    "gemini": (
        ("SessionStart", None),
        ("BeforeAgent", None),
        ("BeforeTool", "write_file|replace"),
        ("AfterTool", None),
        ("Notification", None),
        ("AfterAgent", None),
        ("SessionEnd", None),
    ),
}
TIMEOUT = {"claude": ("timeout", 10), "codex": ("timeout_sec", 10), "gemini": ("timeout", 10000)}
SETTINGS = {
    "claude": (".claude", "settings.json"),
    "gemini": (".gemini", "settings.json"),
    "codex": (".codex", "hooks.json"),
}


MAX_SETTINGS_BYTES = 4 << 20


class InstallError(Exception):
    """The settings cannot be merged safely (not JSON, a foreign Codex ``notify``, not a
    regular file); the file is left byte for byte as it was."""


@dataclass(frozen=True)
class Change:
    """One file install/uninstall looked at: its path, new text, and whether it changes."""

    path: str
    text: str
    changed: bool
    backup: str | None = None


def hook_argv(root: str, agent: str, conflict: str = "ask", event: str | None = None) -> list[str]:
    argv = [sys.executable, "-I", "-m", MARKER, "--dir", os.path.abspath(root), "--agent", agent]
    if conflict != "ask":
        argv += ["--conflict", conflict]
    if event:
        argv += ["--event", event]
    return argv


def hook_command(root: str, agent: str, conflict: str = "ask") -> str:
    """The shell command the agent runs (agents run hooks through a shell)."""
    return shlex.join(hook_argv(root, agent, conflict))


def settings_path(agent: str, scope: str, cwd: str, home: str) -> str:
    folder, name = SETTINGS[agent]
    if agent == "codex" and scope == "user":
        return os.path.join(codex_home(home), name)
    return os.path.join(cwd if scope == "project" else home, folder, name)


def codex_home(home: str) -> str:
    return os.environ.get("CODEX_HOME") or os.path.join(home, ".codex")


def _ours(hook: object) -> bool:
    return isinstance(hook, dict) and MARKER in str(hook.get("command", ""))


def strip_ours(settings: dict[str, Any]) -> dict[str, Any]:
    """``settings`` without our hook entries; groups and events we emptied go too."""
    hooks = settings.get("hooks")
    if not isinstance(hooks, dict):
        return dict(settings)
    kept_events: dict[str, Any] = {}
    for event, groups in hooks.items():
        if not isinstance(groups, list):
            kept_events[event] = groups
            continue
        kept_groups = []
        for group in groups:
            inner = group.get("hooks") if isinstance(group, dict) else None
            if not isinstance(inner, list) or not any(_ours(hook) for hook in inner):
                kept_groups.append(group)
                continue
            rest = [hook for hook in inner if not _ours(hook)]
            if rest:
                kept_groups.append({**group, "hooks": rest})
        if kept_groups or not groups:
            kept_events[event] = kept_groups
    result = dict(settings)
    if kept_events or not hooks:
        result["hooks"] = kept_events
    else:
        del result["hooks"]
    return result


def approval_command(command: str, approval_wait: float | None) -> tuple[str, float | None]:
    """The PermissionRequest hook's command (it waits ``approval_wait`` seconds for an
    answer from the inbox) and its timeout, ``TIMEOUT_MARGIN_S`` longer than the wait."""
    if approval_wait is None:
        return command, None
    wait = shlex.join(["--approval-wait", f"{approval_wait:g}"])
    return f"{command} {wait}", math.ceil(approval_wait) + TIMEOUT_MARGIN_S


def with_ours(
    settings: dict[str, Any], agent: str, command: str, approval_wait: float | None = None
) -> dict[str, Any]:
    if not isinstance(settings.get("hooks", {}), dict):
        raise InstallError("the 'hooks' key is not an object")
    result = strip_ours(settings)
    hooks = dict(result.get("hooks") or {})
    key, value = TIMEOUT[agent]
    for event, matcher in EVENTS[agent]:
        group: dict[str, Any] = {} if matcher is None else {"matcher": matcher}
        hook: dict[str, Any] = {"type": "command", "command": command, key: value}
        if event == "PermissionRequest":
            hook["command"], timeout = approval_command(command, approval_wait)
            hook[key] = timeout or value
        group["hooks"] = [hook]
        existing = hooks.get(event)
        if existing is not None and not isinstance(existing, list):
            raise InstallError(f"hooks.{event} is not a list")
        hooks[event] = [*(existing or []), group]
    result["hooks"] = hooks
    return result


def read_settings(path: str) -> str | None:
    """A settings file's text, or None when there is none. Refused (``InstallError``):
    a symbolic link (writing would replace it), anything but a regular file (a FIFO
    would hang us, a device never ends), more than 4 MiB, text that is not UTF-8."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as error:
        why = "a symbolic link; edit it by hand" if error.errno == errno.ELOOP else str(error)
        raise InstallError(f"{path}: {why}; left untouched") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InstallError(f"{path}: not a regular file; left untouched")
        if info.st_size > MAX_SETTINGS_BYTES:
            raise InstallError(f"{path}: larger than 4 MiB; left untouched")
        data = os.read(fd, MAX_SETTINGS_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_SETTINGS_BYTES:
        raise InstallError(f"{path}: larger than 4 MiB; left untouched")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InstallError(f"{path}: not UTF-8 ({error}); left untouched") from None


class Number(str):
    """A JSON number kept as the text it was written as (``1e400`` stays ``1e400``)."""


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads_exact(text: str) -> Any:
    """JSON with every non-integer number kept as its text; NaN and Infinity refused."""
    return json.loads(text, parse_float=Number, parse_constant=_refuse_constant)


def dumps_exact(document: Any) -> str:
    """``document`` as indented JSON, each ``Number`` written back exactly as it was read."""
    numbers: list[str] = []
    tag = f"coordinator-tui-number-{os.urandom(8).hex()}-"

    def mark(value: Any) -> Any:
        if isinstance(value, Number):
            numbers.append(str(value))
            return f"{tag}{len(numbers) - 1}"
        if isinstance(value, dict):
            return {key: mark(item) for key, item in value.items()}
        if isinstance(value, list):
            return [mark(item) for item in value]
        return value

    text = json.dumps(mark(document), indent=2, ensure_ascii=False)
    return re.sub(f'"{tag}(\\d+)"', lambda found: numbers[int(found.group(1))], text) + "\n"


def _load(path: str) -> tuple[dict[str, Any], str | None]:
    text = read_settings(path)
    if text is None:
        return {}, None
    if not text.strip():
        return {}, text
    try:
        settings = loads_exact(text)
    except (ValueError, RecursionError) as error:
        raise InstallError(f"{path}: not valid JSON ({error}); left untouched") from None
    if not isinstance(settings, dict):
        raise InstallError(f"{path}: not a JSON object; left untouched")
    return settings, text


def plan_json(
    path: str, agent: str, command: str | None, approval_wait: float | None = None
) -> Change:
    """The change to one JSON settings file: ours added (``command``) or removed (None)."""
    settings, old_text = _load(path)
    if command is None:
        new = strip_ours(settings)
    else:
        new = with_ours(settings, agent, command, approval_wait)
    if new == settings:
        return Change(path, old_text or "", changed=False)
    return Change(path, dumps_exact(new), changed=True)


def plan_codex_notify(path: str, argv: list[str] | None) -> Change:
    """``notify = [...]`` in Codex's ``config.toml``: added as the first line (a top-level
    key), replaced if ours, removed on uninstall. A notify of another program is never
    touched: Codex takes one, so install stops and says so."""
    old = read_settings(path) or ""
    lines = [line for line in old.splitlines(keepends=True) if not _our_toml_line(line)]
    if argv is not None:
        foreign = _toml_notify(old, path)
        if foreign is not None and MARKER not in " ".join(map(str, foreign)):
            raise InstallError(
                f"{path} already has notify = {foreign!r} (Codex runs one notify program): "
                "remove it or chain it yourself, then install again"
            )
        value = json.dumps(argv, ensure_ascii=False)
        if "\x7f" in value:
            raise InstallError("the interpreter or directory path holds a DEL character")
        lines.insert(0, f"notify = {value}  {TOML_MARKER}\n")
    new = "".join(lines)
    return Change(path, new, changed=new != old)


def _our_toml_line(line: str) -> bool:
    return line.lstrip().startswith("notify") and line.rstrip().endswith(TOML_MARKER)


def _toml_notify(text: str, path: str) -> Any:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        return tomllib.loads(text).get("notify")
    except tomllib.TOMLDecodeError as error:
        raise InstallError(f"{path}: not valid TOML ({error}); left untouched") from None


def apply(change: Change) -> Change:
    """Write a planned change: backup of the old file first, then an atomic replace that
    keeps the old file's permissions."""
    if not change.changed:
        return change
    folder, name = os.path.split(change.path)
    os.makedirs(folder, exist_ok=True)
    backup = None
    mode = 0o644
    if os.path.exists(change.path):
        backup = f"{change.path}.{time.strftime('%Y%m%d-%H%M%S')}.bak"
        shutil.copy2(change.path, backup)
        mode = os.stat(change.path).st_mode & 0o777
    target = fsio.replace_file(folder, name, change.text.encode("utf-8"))
    os.chmod(target, mode)
    return Change(change.path, change.text, True, backup)


def plan(
    agent: str,
    root: str,
    scope: str,
    cwd: str,
    home: str,
    install: bool,
    conflict: str = "ask",
    approval_wait: float | None = None,
) -> list[Change]:
    """Every file one install (or uninstall) touches for ``agent``."""
    command = hook_command(root, agent, conflict) if install else None
    settings = settings_path(agent, scope, cwd, home)
    changes = [plan_json(settings, agent, command, approval_wait)]
    if agent == "codex" and scope == "user":
        argv = hook_argv(root, agent, conflict, event="notify") if install else None
        changes.append(plan_codex_notify(os.path.join(codex_home(home), "config.toml"), argv))
    return changes
